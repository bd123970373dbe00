import type { TickMetrics } from '@shared/api/lab-api';
import { metricsCsv } from '@shared/lab/recording';

/** The metrics of the ticks held, as the CSV `lvs lab --csv` writes (one row per tick). */
export function ticksCsv(ticks: readonly { readonly metrics: TickMetrics }[]): string {
  return metricsCsv(ticks.map(({ metrics }) => ({ metrics, states: [] })));
}
