import { scaleLog } from 'd3';
import { convergencePhases } from '@shared/lab/convergence';
import { describePhase } from '@shared/lab/describe';
import { convergenceText } from '../lib/commands';
import { num } from '../lib/format';
import { logDomain, logTicks } from '../lib/log-ticks';
import { useMonitorState } from '../state/context';
import { MARGIN, ValueAxis, seriesPath } from './ChartFrame';
import { TimeChart } from './TimeChart';

/**
 * The spread (RMS distance from the honest mean) over time on a log axis, with epsilon as a
 * dashed line, the commands as vertical markers, a dot where each phase's final run under epsilon
 * began, and the newest phase's convergence written in the CLI summary's words.
 */
export function SpreadChart() {
  const epsilon = useMonitorState((s) => s.labStatus?.epsilon ?? null);
  return (
    <TimeChart
      title="Spread (log)"
      testId="spread-chart"
      file="spread.png"
      caption={`How far the honest nodes' states lie from their mean (RMS, in VU, log scale); the swarm counts as converged once it stays under the dashed line${epsilon === null ? '' : ` ε = ${epsilon}`}, and while partitioned only each group can.`}
      draw={({ series, events, domain, width, height, palette, x }) => {
        const yDomain = logDomain(
          epsilon === null ? series.spread : [...series.spread, epsilon],
        ) ?? [1e-3, 1];
        const y = scaleLog()
          .domain(yDomain)
          .range([height - MARGIN.bottom, MARGIN.top]);
        const path = seriesPath(series.t, series.spread, x, y, (v) => v > 0 && Number.isFinite(v));
        const label = convergenceText(events);
        const phases = convergencePhases(events);
        const [x0, x1] = x.range() as [number, number];
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
              {epsilon === null ? null : (
                <g data-testid="epsilon-line">
                  <line
                    x1={x0}
                    x2={x1}
                    y1={y(epsilon)}
                    y2={y(epsilon)}
                    stroke={palette.markers.heal}
                    strokeDasharray="6 4"
                  />
                  <text
                    x={x1 + 4}
                    y={y(epsilon)}
                    dy="0.32em"
                    fill={palette.markers.heal}
                    fontSize={10}
                  >
                    ε {num(epsilon, 3)}
                  </text>
                </g>
              )}
              <path d={path} fill="none" stroke={palette.accent} strokeWidth={1.6} />
              {phases.map((p) => {
                const at = p.converged ? (p.since + p.converged.ms) / 1000 : null;
                return at !== null && at >= domain[0] ? (
                  <g key={`c${p.since}`} data-testid="converged-dot">
                    <title>{describePhase(p, null)}</title>
                    <circle
                      cx={x(at)}
                      cy={height - MARGIN.bottom - 6}
                      r={4}
                      fill={palette.markers.heal}
                    />
                  </g>
                ) : null;
              })}
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
              {wrapAt(label, ' after ').map((part, i) => (
                <tspan key={i} x={width - MARGIN.right} y={10 + 11 * i}>
                  {part}
                </tspan>
              ))}
            </text>
          ),
          readout: (i) => {
            const v = series.spread[i]!;
            const under = epsilon !== null && v < epsilon ? ' (under ε)' : '';
            return [`spread ${num(v, 3)} VU${under}`];
          },
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
