import { useCallback, useMemo, useRef, useState } from 'react';
import { DISTANCE_COLORS, GROUP_COLORS } from '../draw/palette';
import { distanceBounds } from '../lib/distance-scale';
import { saveBlob } from '../lib/download';
import { num, vec } from '../lib/format';
import { mapDataOf, type ColorBy } from '../lib/map-data';
import { KIND_LABEL, browserCount, kindAt } from '../lib/node-kind';
import { useMonitor, useMonitorState } from '../state/context';
import { displayedFrame } from '../state/store';
import { CONDITION_NAME, LIAR_KINDS, frameGroups, slotsOf } from '../state/tick-frame';
import { usePalette } from './hooks';
import type { MapEngine } from './map-engine';
import { SwarmMap } from './SwarmMap';

/**
 * The swarm map with its colour choice, legend, status line, tooltip, zoom reset, slow motion
 * and export.
 */
export function MapPanel() {
  const { store } = useMonitor();
  const frame = useMonitorState(displayedFrame);
  const by = useMonitorState((s) => s.colorMode);
  const selection = useMonitorState((s) => s.selection);
  const palette = usePalette();
  const [hover, setHover] = useState<{ slot: number; x: number; y: number } | null>(null);
  const [slow, setSlow] = useState(false);
  const engine = useRef<MapEngine | null>(null);
  const colored = useMemo(() => (frame ? mapDataOf(frame, by) : null), [frame, by]);
  const groups = frame ? frameGroups(frame) : null;
  const spread = frame?.metrics.spread ?? Number.NaN;
  const legend = colored?.legend ?? null;
  const bridges: number[] = [];
  if (groups) for (let i = 0; i < groups.bridge.length; i++) if (groups.bridge[i]) bridges.push(i);
  // The shapes are explained (legend, status line) only in a lab with browser nodes: a lab of
  // Node.js nodes draws one shape, and says nothing new by naming it.
  const browsers = frame ? browserCount(frame.browser, slotsOf(frame)) : 0;
  const groupsOf = (slot: number): string => {
    if (!groups || groups.group[slot] < 0) return '—';
    const of = groups.memberships.get(slot) ?? [groups.group[slot]];
    return of.map((g) => g + 1).join(' and ') + (of.length > 1 ? ' (bridge)' : '');
  };

  const onHover = useCallback(
    (slot: number, x: number, y: number) => setHover(slot >= 0 ? { slot, x, y } : null),
    [],
  );
  const onSelect = useCallback(
    (slots: number[], mode: 'replace' | 'toggle' | 'add') => store.select(slots, mode),
    [store],
  );
  const exportPng = async () => {
    const blob = await engine.current?.toBlob();
    if (blob) saveBlob(blob, 'swarm-map.png');
    else store.toast('error', 'the map could not be exported (no canvas)');
  };

  return (
    <section className="panel map-panel" aria-labelledby="map-title">
      <header className="panel-head">
        <h2 id="map-title">Swarm map</h2>
        <div className="status-line" data-testid="map-status">
          <span data-testid="map-groups">{groups ? groups.count : 0}</span>{' '}
          {groups?.count === 1 ? 'group' : 'groups'}
          {groups?.planned ? ' (partition)' : ''}
          {bridges.length > 0 ? (
            <>
              {' '}
              · bridge: node{bridges.length > 1 ? 's' : ''}{' '}
              <span data-testid="map-bridges">{bridges.join(', ')}</span>
            </>
          ) : null}{' '}
          {browsers > 0 ? (
            <>
              · <span data-testid="map-browsers">{browsers}</span>{' '}
              {browsers > 1 ? 'browser nodes' : 'browser node'}{' '}
            </>
          ) : null}
          · spread <span data-testid="spread-value">{num(spread)}</span>
          {frame ? ` · ${frame.metrics.counted} counted` : ''}
        </div>
        <div className="tools">
          <label>
            Colour by{' '}
            <select
              value={by}
              onChange={(e) => store.setColorMode(e.target.value as ColorBy)}
              data-testid="map-color-by"
            >
              <option value="auto">auto (groups in a partition)</option>
              <option value="distance">distance</option>
              <option value="group">group</option>
            </select>
          </label>
          <label title="Draw each tick's drift frames travelling along the links, one cycle at a time, slowed down">
            <input
              type="checkbox"
              checked={slow}
              onChange={(e) => setSlow(e.target.checked)}
              data-testid="map-slow-motion"
            />{' '}
            slow motion
          </label>
          <button
            type="button"
            onClick={() => engine.current?.fit()}
            title="Show the whole swarm again (wheel zooms, drag pans)"
            data-testid="map-fit"
          >
            Fit
          </button>
          <button type="button" onClick={() => void exportPng()} title="Save the map as PNG">
            PNG
          </button>
        </div>
      </header>
      <div className="map-body">
        {frame ? null : <p className="empty">No lab ticks yet: start a lab to see its swarm.</p>}
        <SwarmMap
          data={colored?.data ?? null}
          selection={selection}
          palette={palette}
          onHover={onHover}
          onSelect={onSelect}
          engineRef={engine}
          slowMotion={slow}
        />
        {hover && frame && hover.slot < frame.n ? (
          <div
            className="tooltip"
            role="tooltip"
            style={{ left: hover.x + 14, top: hover.y + 10 }}
            data-testid="map-tooltip"
          >
            <strong>node {hover.slot}</strong> {CONDITION_NAME[frame.cond[hover.slot]]}
            {frame.liar[hover.slot] ? ` · liar (${LIAR_KINDS[frame.liar[hover.slot] - 1]})` : ''}
            <br />
            {KIND_LABEL[kindAt(frame.browser, hover.slot)]}
            <br />S {vec(frame.S.subarray(hover.slot * frame.d, (hover.slot + 1) * frame.d), 4, 4)}
            <br />
            distance {num(frame.metrics.distances[hover.slot])} · earned{' '}
            {num(frame.earned[hover.slot])} VU
            <br />
            group {groupsOf(hover.slot)}
          </div>
        ) : null}
      </div>
      <footer className="legend" aria-label="Legend" data-testid="map-legend">
        {legend?.by === 'group' ? (
          GROUP_COLORS.slice(0, Math.min(GROUP_COLORS.length, groups?.count ?? 0)).map((c, i) => (
            <span key={c} className="legend-item">
              <span className="swatch" style={{ background: c }} /> group {i + 1}
            </span>
          ))
        ) : (
          <DistanceLegend epsilon={legend?.epsilon ?? Number.NaN} />
        )}
        {bridges.length > 0 ? (
          <span className="legend-item">
            <span className="swatch swatch-ring-bridge" style={{ borderColor: palette.bridge }} />{' '}
            bridge (in two groups)
          </span>
        ) : null}
        {slow ? (
          <span className="legend-item">
            <span className="swatch swatch-flight" /> drift frame (sender to peer; departure times
            illustrative)
          </span>
        ) : null}
        <span className="legend-item">
          <span className="swatch swatch-line" /> live link
        </span>
        <span className="legend-item">
          <span className="swatch swatch-dash" /> cut link
        </span>
        <span className="legend-item">
          <span className="swatch swatch-ring-liar" /> liar
        </span>
        {browsers > 0 ? (
          <>
            <span className="legend-item">
              <span className="swatch swatch-kind-node" /> {KIND_LABEL.node}
            </span>
            <span className="legend-item" data-testid="legend-browser">
              <span className="swatch swatch-kind-browser" /> {KIND_LABEL.browser}
            </span>
          </>
        ) : null}
        <span className="legend-item">
          <span className="swatch swatch-hollow" /> dead
        </span>
        <span className="muted">size: earned VU · {selection.size} selected</span>
      </footer>
    </section>
  );
}

/**
 * The distance scale: fixed steps from the lab's epsilon (lib/distance-scale), each colour with
 * the distance it starts at, so a converged swarm reads "near" and never rescales to the worst.
 */
function DistanceLegend({ epsilon }: { epsilon: number }) {
  const bounds = distanceBounds(epsilon);
  return (
    <span className="legend-item" data-testid="distance-scale">
      distance from the mean (VU):
      {DISTANCE_COLORS.map((c, k) => {
        const label =
          k === 0
            ? `near < ${num(bounds[0], 3)} (ε)`
            : `${num(bounds[k - 1], 3)}+${k === bounds.length ? ' VU far' : ''}`;
        return (
          <span key={c} className="legend-item scale-label">
            <span className="swatch" style={{ background: c }} /> {label}
          </span>
        );
      })}
    </span>
  );
}
