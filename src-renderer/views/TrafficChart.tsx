import { num, rate } from '../lib/format';
import { ValueAxis, seriesPath, valueScale, linearTicks } from './ChartFrame';
import { TimeChart } from './TimeChart';

/** Drift frames and bytes each counted node sent per second (left and right axes). */
export function TrafficChart() {
  return (
    <TimeChart
      title="Traffic per node"
      testId="traffic-chart"
      file="traffic.png"
      caption="Drift frames (left axis) and bytes (right axis) that each counted node sent per second, measured between one tick and the next."
      draw={({ series, width, height, palette, x }) => {
        const yf = valueScale(series.frames, height);
        const yb = valueScale(series.bytes, height);
        const path = (values: Float64Array, y: typeof yf) => seriesPath(series.t, values, x, y);
        const n = series.t.length - 1;
        const bytesColor = palette.markers.partition;
        return {
          axes: (
            <>
              <ValueAxis
                y={yf}
                ticks={linearTicks(yf)}
                width={width}
                side="left"
                label="frames/node/s"
                palette={palette}
                color={palette.accent}
              />
              <ValueAxis
                y={yb}
                ticks={linearTicks(yb)}
                width={width}
                side="right"
                label="bytes/node/s"
                palette={palette}
                color={bytesColor}
                grid={false}
              />
            </>
          ),
          plot: (
            <>
              <path
                d={path(series.frames, yf)}
                fill="none"
                stroke={palette.accent}
                strokeWidth={1.5}
              />
              <path d={path(series.bytes, yb)} fill="none" stroke={bytesColor} strokeWidth={1.5} />
            </>
          ),
          overlay: (
            <text x={width / 2} y={12} textAnchor="middle" fill={palette.text} fontSize={11}>
              now {num(series.frames[n], 3)} frames/s · {rate(series.bytes[n])}
            </text>
          ),
          readout: (i) => [`${num(series.frames[i], 3)} frames/s`, rate(series.bytes[i]!)],
        };
      }}
    />
  );
}
