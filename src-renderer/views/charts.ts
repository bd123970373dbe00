import type { FunctionComponent } from 'react';
import { ShardChart } from './ShardChart';
import { SpreadChart } from './SpreadChart';
import { TrafficChart } from './TrafficChart';
import { WanderChart } from './WanderChart';

/**
 * The charts under the map, in the order shown. A chart is one module (views/*Chart.tsx, built
 * on TimeChart or ChartFrame) listed here; tests/renderer/app.test.ts fails for a chart module
 * that is not. ShardChart draws nothing unless the lab runs with K > 1 shards.
 */
export const CHARTS: readonly FunctionComponent[] = [
  SpreadChart,
  WanderChart,
  TrafficChart,
  ShardChart,
];
