import { useMemo } from 'react';
import { scaleLinear } from 'd3';
import { SHARD_COLORS } from '../draw/palette';
import { holderSeries } from '../lib/shard-series';
import { shardCountOf } from '../lib/shard-view';
import { useMonitorState } from '../state/context';
import { MARGIN, ValueAxis, linearTicks, seriesPath } from './ChartFrame';
import { TimeChart } from './TimeChart';

/**
 * Live holders of each shard over time, a line per shard (colours without red), with a red
 * dashed line where the lab reported a shard lost (its `shard-lost` event). Drawn only while the
 * lab runs with K > 1: with one whole state there is nothing to hold apart.
 */
export function ShardChart() {
  const K = useMonitorState((s) => shardCountOf(s.labStatus));
  const history = useMonitorState((s) => s.history);
  const r = useMonitorState((s) => s.labStatus?.params.replication);
  const holders = useMemo(() => holderSeries(history.ring.toArray(), K), [history, K]);
  if (K <= 1) return null;
  return (
    <TimeChart
      title="Holders per shard"
      testId="shard-chart"
      file="shard-holders.png"
      caption={`How many live nodes hold each shard (a line per shard)${typeof r === 'number' ? `; every neighbourhood aims at r = ${r} of each` : ''}. A red dashed line is a shard lost: no live node holds it any more.`}
      draw={({ series, events, width, height, palette, x }) => {
        let top = 1;
        for (const h of holders) for (const v of h) if (Number.isFinite(v) && v > top) top = v;
        const y = scaleLinear()
          .domain([0, top])
          .nice()
          .range([height - MARGIN.bottom, MARGIN.top]);
        // A tick held before a new lab reset the history has another K: only this run's lines.
        const aligned = holders.every((h) => h.length === series.t.length);
        const losses = events.flatMap((e) => (e.type === 'shard-lost' ? [e] : []));
        const last = series.t.length - 1;
        const now = aligned ? holders.map((h) => h[last]) : [];
        return {
          axes: (
            <ValueAxis
              y={y}
              ticks={linearTicks(y)
                .filter((t) => Number.isInteger(t.value))
                .map((t) => ({ ...t, label: String(t.value) }))}
              width={width}
              side="left"
              label="live holders"
              palette={palette}
            />
          ),
          plot: (
            <>
              {losses.map((e, i) => (
                <line
                  key={`lost-${i}`}
                  data-testid="shard-lost-marker"
                  x1={x(e.t / 1000)}
                  x2={x(e.t / 1000)}
                  y1={MARGIN.top}
                  y2={height - MARGIN.bottom}
                  stroke={palette.liar}
                  strokeDasharray="4 3"
                >
                  <title>{`shard ${e.shard} lost at cycle ${e.cycle}`}</title>
                </line>
              ))}
              {aligned
                ? holders.map((h, k) => (
                    <path
                      key={k}
                      d={seriesPath(series.t, h, x, y)}
                      fill="none"
                      stroke={SHARD_COLORS[k % SHARD_COLORS.length]}
                      strokeWidth={1.5}
                    />
                  ))
                : null}
            </>
          ),
          overlay: (
            // Each shard's holders now, in its line's colour: the legend and the value at once.
            <text
              x={width - MARGIN.right}
              y={12}
              textAnchor="end"
              fontSize={11}
              fill={palette.text}
            >
              {now.length === 0 || now.every((v) => !Number.isFinite(v)) ? (
                'holders not recorded'
              ) : (
                <>
                  now
                  {now.map((v, k) => (
                    <tspan
                      key={k}
                      fill={
                        losses.some((e) => e.shard === k) && v === 0
                          ? palette.liar
                          : SHARD_COLORS[k % SHARD_COLORS.length]
                      }
                    >
                      {` ${k}: ${Number.isFinite(v) ? v : '–'}`}
                    </tspan>
                  ))}
                </>
              )}
            </text>
          ),
          readout: (i) =>
            aligned
              ? holders.map((h, k) => `shard ${k}: ${Number.isFinite(h[i]) ? h[i] : '–'} holders`)
              : [],
        };
      }}
    />
  );
}
