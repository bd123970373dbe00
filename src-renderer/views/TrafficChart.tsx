import { line, scaleLinear } from 'd3';
import { num, rate } from '../lib/format';
import { maxOf } from '../lib/series';
import {
  ChartFrame,
  CursorLine,
  EmptyChart,
  MARGIN,
  MarkerLines,
  TimeAxis,
  ValueAxis,
  linearTicks,
} from './ChartFrame';
import { useChartData } from './use-series';

/** Drift frames and bytes each counted node sent per second (left and right axes). */
export function TrafficChart() {
  const { series, markers, domain, cursorT } = useChartData();
  return (
    <ChartFrame
      title="Traffic per node"
      testId="traffic-chart"
      file="traffic.png"
      render={(width, height, palette) => {
        if (!domain)
          return <EmptyChart width={width} height={height} palette={palette} text="no ticks yet" />;
        const x = scaleLinear()
          .domain(domain)
          .range([MARGIN.left, width - MARGIN.right]);
        const yf = scaleLinear()
          .domain([0, maxOf(series.frames) || 1])
          .nice()
          .range([height - MARGIN.bottom, MARGIN.top]);
        const yb = scaleLinear()
          .domain([0, maxOf(series.bytes) || 1])
          .nice()
          .range([height - MARGIN.bottom, MARGIN.top]);
        const idx = Array.from(series.t, (_, i) => i);
        const path = (values: Float64Array, y: typeof yf) =>
          line<number>()
            .defined((i) => Number.isFinite(values[i]))
            .x((i) => x(series.t[i]))
            .y((i) => y(values[i]))(idx) ?? '';
        const n = series.t.length - 1;
        const bytesColor = palette.markers.partition;
        return (
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
            <TimeAxis x={x} height={height} palette={palette} />
            <MarkerLines markers={markers} x={x} height={height} palette={palette} />
            <path
              d={path(series.frames, yf)}
              fill="none"
              stroke={palette.accent}
              strokeWidth={1.5}
            />
            <path d={path(series.bytes, yb)} fill="none" stroke={bytesColor} strokeWidth={1.5} />
            <CursorLine t={cursorT} x={x} height={height} palette={palette} />
            <text x={width / 2} y={12} textAnchor="middle" fill={palette.text} fontSize={11}>
              now {num(series.frames[n], 3)} frames/s · {rate(series.bytes[n])}
            </text>
          </>
        );
      }}
    />
  );
}
