import { useMemo, useRef, type MouseEvent } from 'react';
import { firstHeld, lostShards } from '../lib/shard-lost';
import { holdersPerShard, shardCountOf } from '../lib/shard-view';
import { useMonitor, useMonitorState } from '../state/context';
import { displayedFrame } from '../state/store';
import { CONDITION } from '../state/tick-frame';
import { useElementSize } from './hooks';

const LABEL_W = 92;
const SUMMARY_W = 120;
const AXIS_H = 16;
/** The strip under the grid that marks capped nodes (only in a lab that has some). */
const CAP_H = 6;

const capTitle = (slot: number, cap: number) =>
  `node ${slot} holds at most ${cap} shard${cap === 1 ? '' : 's'} (capped)`;

/** A row's height: roomy for the few shards a lab usually has, thinner (never under 4 px) for many. */
const rowHeight = (K: number) => (K <= 12 ? 18 : Math.max(4, Math.floor(216 / K)));

/**
 * Which node holds which shard (docs/monitor.md, "Shards"): a row per shard, a column per node, a
 * filled cell where the node holds the shard, at the tick shown (live or replayed). A lost shard
 * (no live node holds it any more) has its row in red; a dead node's column is greyed (and its
 * holds, where its sample still names them, in the dead colour). Clicking a column selects
 * that node. Shown only while the lab runs with K > 1; an older recording without holds says so.
 */
export function ShardGrid() {
  const K = useMonitorState((s) => shardCountOf(s.labStatus));
  // The panel mounts only with K > 1, so that its size observer finds its box on mounting.
  return K > 1 ? <ShardPanel K={K} /> : null;
}

function ShardPanel({ K }: { K: number }) {
  const { store } = useMonitor();
  const frame = useMonitorState(displayedFrame);
  const history = useMonitorState((s) => s.history);
  const events = useMonitorState((s) => s.labEvents);
  const selection = useMonitorState((s) => s.selection);
  const box = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(box, { width: 640, height: 100 });
  const first = useMemo(() => firstHeld(history.ring.toArray(), K), [history, K]);

  const f = frame && frame.K === K ? frame : null;
  const live = new Uint8Array(f?.n ?? 0);
  if (f) for (let i = 0; i < f.n; i++) live[i] = f.cond[i] === CONDITION.up ? 1 : 0;
  const holders = f ? holdersPerShard(f.shards, f.holds, live, K) : null;
  const lost = f ? lostShards(holders, f.t, first, events) : new Set<number>();
  const r = f?.status.params.replication;
  const status = !f
    ? 'no ticks yet'
    : `K = ${K}${typeof r === 'number' ? ` · r = ${r}` : ''} · ` +
      (lost.size === 0
        ? holders
          ? 'no shard lost'
          : 'holders not recorded'
        : `lost: shard${lost.size === 1 ? '' : 's'} ${[...lost].join(', ')}`);

  const n = f?.n ?? 0;
  const rh = rowHeight(K);
  const gx = LABEL_W;
  const gw = Math.max(10, width - LABEL_W - SUMMARY_W);
  const cw = n > 0 ? gw / n : gw;
  // Capped nodes get a mark under their column: the grid alone cannot tell a node that holds
  // one shard because it is capped from one that holds one because the rule gave it one.
  const caps = f?.caps ?? null;
  const capH = caps ? CAP_H : 0;
  const height = K * rh + capH + AXIS_H + 4;
  const slotAt = (e: MouseEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const i = Math.floor((e.clientX - box.left - gx) / cw);
    return i >= 0 && i < n ? i : null;
  };
  const axisEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(gw / 28))));

  return (
    <section className="panel shard-panel" aria-label="Shards" data-testid="shard-view">
      <header className="panel-head">
        <h3>Shards</h3>
        <span
          className={`status-line${lost.size > 0 ? ' shard-lost-line' : ''}`}
          data-testid="shard-status"
        >
          {status}
        </span>
      </header>
      <div className="chart-box" ref={box}>
        {f && !f.holds ? (
          <p className="muted small" data-testid="shard-no-holds">
            This recording does not say which node holds which shard.
          </p>
        ) : null}
        {f ? (
          <svg
            data-testid="shard-grid"
            width={width}
            height={height}
            viewBox={`0 0 ${width} ${height}`}
            fontFamily="system-ui, sans-serif"
            fontSize={10}
            role="img"
            aria-label="Which node holds which shard"
            onClick={(e) => {
              const i = slotAt(e);
              if (i !== null) store.select([i], e.shiftKey ? 'toggle' : 'replace');
            }}
          >
            {Array.from({ length: n }, (_, i) =>
              f.cond[i] === CONDITION.dead || f.cond[i] === CONDITION.absent ? (
                <rect
                  key={`d${i}`}
                  className="shard-dead-column"
                  x={gx + i * cw}
                  y={0}
                  width={cw}
                  height={K * rh}
                />
              ) : null,
            )}
            {Array.from({ length: K }, (_, k) => {
              const isLost = lost.has(k);
              const y = k * rh;
              const h = holders?.[k];
              return (
                <g
                  key={k}
                  className={`shard-row${isLost ? ' lost' : ''}`}
                  data-testid={`shard-row-${k}`}
                  data-lost={isLost ? 'true' : 'false'}
                >
                  <title>
                    {`shard ${k}: ${h === undefined ? 'holders not recorded' : `${h} live holder${h === 1 ? '' : 's'}`}` +
                      (f.shards ? `, fewest in a neighbourhood ${f.shards.holdersMin[k]}` : '') +
                      (isLost ? ' (lost: no live node holds it)' : '')}
                  </title>
                  <rect className="shard-row-bg" x={0} y={y} width={width} height={rh - 1} />
                  <text className="shard-label" x={4} y={y + rh / 2 + 3.5}>
                    {rh >= 10 ? `shard ${k}${isLost ? ' · lost' : ''}` : ''}
                  </text>
                  {f.holds
                    ? Array.from({ length: n }, (_, i) =>
                        f.holds![i * K + k] ? (
                          <rect
                            key={i}
                            className={`shard-cell${live[i] ? '' : ' dead'}${selection.has(i) ? ' selected' : ''}`}
                            data-slot={i}
                            data-shard={k}
                            x={gx + i * cw + (cw > 4 ? 0.5 : 0)}
                            y={y + 1}
                            width={Math.max(1, cw - (cw > 4 ? 1 : 0))}
                            height={Math.max(1, rh - 3)}
                          />
                        ) : null,
                      )
                    : null}
                  <text
                    className="shard-summary"
                    x={width - 4}
                    y={y + rh / 2 + 3.5}
                    textAnchor="end"
                    data-testid={`shard-holders-${k}`}
                  >
                    {rh < 10
                      ? ''
                      : h === undefined
                        ? '–'
                        : `${h} holder${h === 1 ? '' : 's'}` +
                          (f.shards ? ` · min ${f.shards.holdersMin[k]}` : '')}
                  </text>
                </g>
              );
            })}
            {caps
              ? Array.from({ length: n }, (_, i) =>
                  caps[i]! > 0 ? (
                    <rect
                      key={`c${i}`}
                      className="shard-cap-mark"
                      data-testid={`shard-cap-${i}`}
                      data-cap={caps[i]}
                      x={gx + i * cw + Math.min(cw / 4, 2)}
                      y={K * rh + 1}
                      width={Math.max(1, cw - 2 * Math.min(cw / 4, 2))}
                      height={capH - 2}
                    >
                      <title>{capTitle(i, caps[i]!)}</title>
                    </rect>
                  ) : null,
                )
              : null}
            {Array.from({ length: n }, (_, i) =>
              i % axisEvery === 0 ? (
                <text
                  key={`a${i}`}
                  className="shard-axis"
                  x={gx + (i + 0.5) * cw}
                  y={K * rh + capH + AXIS_H - 4}
                  textAnchor="middle"
                >
                  {i}
                </text>
              ) : null,
            )}
          </svg>
        ) : (
          <p className="empty">no ticks yet</p>
        )}
      </div>
      <p className="chart-caption">
        A row per shard, a column per node (its slot below): a filled cell where the node holds the
        shard. A row in red is a lost shard, one no live node holds any more; a greyed column is a
        node that is down.
        {caps
          ? ' A bar under a column marks a capped node, which holds at most the shards its title says.'
          : ''}
      </p>
    </section>
  );
}
