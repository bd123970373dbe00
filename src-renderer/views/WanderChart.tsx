import { num } from '../lib/format';
import {
  ChartFrame,
  CursorLine,
  EmptyChart,
  MARGIN,
  MarkerLines,
  TimeAxis,
  ValueAxis,
  seriesPath,
  timeScale,
  valueScale,
  linearTicks,
} from './ChartFrame';
import { useChartData } from './use-series';

/** How far the network mean has wandered from its first value (MODEL.md 5: a random walk). */
export function WanderChart() {
  const { series, markers, domain, cursorT } = useChartData();
  return (
    <ChartFrame
      title="Wander of the network mean"
      testId="wander-chart"
      file="wander.png"
      render={(width, height, palette) => {
        if (!domain)
          return <EmptyChart width={width} height={height} palette={palette} text="no ticks yet" />;
        const x = timeScale(domain, width);
        const y = valueScale(series.wander, height);
        const path = seriesPath(series.t, series.wander, x, y);
        const last = series.wander[series.wander.length - 1];
        return (
          <>
            <ValueAxis
              y={y}
              ticks={linearTicks(y)}
              width={width}
              side="left"
              label="|mean − first mean| (VU)"
              palette={palette}
            />
            <TimeAxis x={x} height={height} palette={palette} />
            <MarkerLines markers={markers} x={x} height={height} palette={palette} />
            <path d={path} fill="none" stroke={palette.accent} strokeWidth={1.6} />
            <CursorLine t={cursorT} x={x} height={height} palette={palette} />
            <text
              x={width - MARGIN.right}
              y={12}
              textAnchor="end"
              fill={palette.text}
              fontSize={11}
            >
              now {num(last)} VU
            </text>
          </>
        );
      }}
    />
  );
}
