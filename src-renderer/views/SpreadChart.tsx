import { scaleLog } from 'd3';
import { convergenceText } from '../lib/commands';
import { logDomain, logTicks } from '../lib/log-ticks';
import { MARGIN, ValueAxis, seriesPath } from './ChartFrame';
import { TimeChart } from './TimeChart';

/**
 * The spread (RMS distance from the honest mean) over time on a log axis, with the commands as
 * vertical markers and the measured (re)convergence times written on it.
 */
export function SpreadChart() {
  return (
    <TimeChart
      title="Spread (log)"
      testId="spread-chart"
      file="spread.png"
      draw={({ series, events, domain, width, height, palette, x }) => {
        const yDomain = logDomain(series.spread) ?? [1e-3, 1];
        const y = scaleLog()
          .domain(yDomain)
          .range([height - MARGIN.bottom, MARGIN.top]);
        const path = seriesPath(series.t, series.spread, x, y, (v) => v > 0 && Number.isFinite(v));
        const label = convergenceText(events);
        return {
          axes: (
            <ValueAxis
              y={y}
              ticks={logTicks(yDomain[0], yDomain[1])}
              width={width}
              side="left"
              label="spread (VU)"
              palette={palette}
            />
          ),
          plot: (
            <>
              <path d={path} fill="none" stroke={palette.accent} strokeWidth={1.6} />
              {events.map((e) =>
                e.type === 'converged' && e.t / 1000 >= domain[0] ? (
                  <g key={`c${e.t}`}>
                    <title>
                      {e.after === 'heal' ? 'reconverged' : 'converged'} in{' '}
                      {(e.ms / 1000).toFixed(2)} s ({e.cycles} cycles)
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
            </>
          ),
          overlay: (
            <text
              data-testid="reconvergence"
              textAnchor="end"
              fill={palette.text}
              fontSize={10}
              fontWeight={600}
            >
              {/* Two lines, so a narrow chart does not cut it: "…(n cycles) " / "after the heal…" */}
              {wrapAt(label ?? 'not converged yet', ' after ').map((part, i) => (
                <tspan key={i} x={width - MARGIN.right} y={10 + 11 * i}>
                  {part}
                </tspan>
              ))}
            </text>
          ),
        };
      }}
    />
  );
}

/** Splits a line before `at` (keeping a space at the end of the first part), or leaves it whole. */
function wrapAt(text: string, at: string): string[] {
  const i = text.indexOf(at);
  return i < 0 ? [text] : [text.slice(0, i + 1), text.slice(i + 1)];
}
