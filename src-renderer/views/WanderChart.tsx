import { num } from '../lib/format';
import { MARGIN, ValueAxis, seriesPath, valueScale, linearTicks } from './ChartFrame';
import { TimeChart } from './TimeChart';

/**
 * How far the network mean has wandered from its first value: a random walk (docs/model.md,
 * "What the theory says").
 */
export function WanderChart() {
  return (
    <TimeChart
      title="Wander of the network mean"
      testId="wander-chart"
      file="wander.png"
      caption="How far the honest nodes' mean state has moved from where it was at the first tick: entropy moves it a little every cycle, so it wanders like a random walk instead of settling."
      draw={({ series, width, height, palette, x }) => {
        const y = valueScale(series.wander, height);
        const last = series.wander[series.wander.length - 1];
        return {
          axes: (
            <ValueAxis
              y={y}
              ticks={linearTicks(y)}
              width={width}
              side="left"
              label="|mean − first mean| (VU)"
              palette={palette}
            />
          ),
          plot: (
            <path
              d={seriesPath(series.t, series.wander, x, y)}
              fill="none"
              stroke={palette.accent}
              strokeWidth={1.6}
            />
          ),
          overlay: (
            <text
              x={width - MARGIN.right}
              y={12}
              textAnchor="end"
              fill={palette.text}
              fontSize={11}
            >
              now {num(last)} VU
            </text>
          ),
          readout: (i) => [`mean moved ${num(series.wander[i], 3)} VU`],
        };
      }}
    />
  );
}
