import { line, scaleLinear, scaleLog } from 'd3';
import { useMemo } from 'react';
import { convergenceText } from '../lib/commands';
import { logDomain, logTicks } from '../lib/log-ticks';
import {
  ChartFrame,
  CursorLine,
  EmptyChart,
  MARGIN,
  MarkerLines,
  TimeAxis,
  ValueAxis,
} from './ChartFrame';
import { useChartData } from './use-series';

/**
 * The spread (RMS distance from the honest mean) over time on a log axis, with the commands as
 * vertical markers and the measured (re)convergence times written on it.
 */
export function SpreadChart() {
  const { series, markers, events, domain, cursorT } = useChartData();
  const label = useMemo(() => convergenceText(events), [events]);
  const converged = useMemo(() => events.filter((e) => e.type === 'converged'), [events]);
  return (
    <ChartFrame
      title="Spread (log)"
      testId="spread-chart"
      file="spread.png"
      render={(width, height, palette) => {
        if (!domain)
          return <EmptyChart width={width} height={height} palette={palette} text="no ticks yet" />;
        const x = scaleLinear()
          .domain(domain)
          .range([MARGIN.left, width - MARGIN.right]);
        const yDomain = logDomain(series.spread) ?? [1e-3, 1];
        const y = scaleLog()
          .domain(yDomain)
          .range([height - MARGIN.bottom, MARGIN.top]);
        const idx = Array.from(series.t, (_, i) => i);
        const path =
          line<number>()
            .defined((i) => series.spread[i] > 0 && Number.isFinite(series.spread[i]))
            .x((i) => x(series.t[i]))
            .y((i) => y(series.spread[i]))(idx) ?? '';
        return (
          <>
            <ValueAxis
              y={y}
              ticks={logTicks(yDomain[0], yDomain[1])}
              width={width}
              side="left"
              label="spread (VU)"
              palette={palette}
            />
            <TimeAxis x={x} height={height} palette={palette} />
            <MarkerLines markers={markers} x={x} height={height} palette={palette} />
            <path d={path} fill="none" stroke={palette.accent} strokeWidth={1.6} />
            {converged.map((e) =>
              e.type === 'converged' && e.t / 1000 >= domain[0] ? (
                <g key={`c${e.t}`}>
                  <title>
                    {e.after === 'heal' ? 'reconverged' : 'converged'} in {(e.ms / 1000).toFixed(2)}{' '}
                    s ({e.cycles} cycles)
                  </title>
                  <circle
                    cx={x(e.t / 1000)}
                    cy={height - MARGIN.bottom - 6}
                    r={4}
                    fill={palette.markers.heal}
                  />
                  <text
                    x={x(e.t / 1000) + 6}
                    y={height - MARGIN.bottom - 10}
                    fill={palette.markers.heal}
                    fontSize={9}
                  >
                    {(e.ms / 1000).toFixed(1)} s
                  </text>
                </g>
              ) : null,
            )}
            <CursorLine t={cursorT} x={x} height={height} palette={palette} />
            <text
              data-testid="reconvergence"
              x={width - MARGIN.right}
              y={12}
              textAnchor="end"
              fill={palette.text}
              fontSize={11}
              fontWeight={600}
            >
              {label ?? 'not converged yet'}
            </text>
          </>
        );
      }}
    />
  );
}
