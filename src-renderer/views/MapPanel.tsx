import { useCallback, useMemo, useRef, useState } from 'react';
import { DISTANCE_COLORS, GROUP_COLORS } from '../draw/palette';
import { saveBlob } from '../lib/download';
import { num, vec } from '../lib/format';
import { mapDataOf } from '../lib/map-data';
import { useMonitor, useMonitorState } from '../state/context';
import { displayedFrame } from '../state/store';
import { CONDITION_NAME, LIAR_KINDS, frameGroups } from '../state/tick-frame';
import { usePalette } from './hooks';
import type { MapEngine } from './map-engine';
import { SwarmMap } from './SwarmMap';

/** The swarm map with its colour choice, legend, status line, tooltip and export. */
export function MapPanel() {
  const { store } = useMonitor();
  const frame = useMonitorState(displayedFrame);
  const by = useMonitorState((s) => s.colorMode);
  const selection = useMonitorState((s) => s.selection);
  const palette = usePalette();
  const [hover, setHover] = useState<{ slot: number; x: number; y: number } | null>(null);
  const engine = useRef<MapEngine | null>(null);
  const colored = useMemo(() => (frame ? mapDataOf(frame, by) : null), [frame, by]);
  const groups = frame ? frameGroups(frame) : null;
  const spread = frame?.metrics.spread ?? Number.NaN;

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
          {groups?.count === 1 ? 'group' : 'groups'} · spread{' '}
          <span data-testid="spread-value">{num(spread)}</span>
          {frame ? ` · ${frame.metrics.counted} counted` : ''}
        </div>
        <div className="tools">
          <label>
            Colour by{' '}
            <select
              value={by}
              onChange={(e) => store.setColorMode(e.target.value as 'distance' | 'group')}
            >
              <option value="distance">distance from the mean</option>
              <option value="group">group (connected parts)</option>
            </select>
          </label>
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
            <br />S {vec(frame.S.subarray(hover.slot * frame.d, (hover.slot + 1) * frame.d), 4, 4)}
            <br />
            distance {num(frame.metrics.distances[hover.slot])} · earned{' '}
            {num(frame.earned[hover.slot])} VU
            <br />
            group {groups && groups.group[hover.slot] >= 0 ? groups.group[hover.slot] + 1 : '—'}
          </div>
        ) : null}
      </div>
      <footer className="legend" aria-label="Legend">
        {by === 'distance' ? (
          <>
            <span>near</span>
            {DISTANCE_COLORS.map((c) => (
              <span key={c} className="swatch" style={{ background: c }} />
            ))}
            <span>far ({num(colored?.legend.maxDistance ?? Number.NaN, 3)} VU)</span>
          </>
        ) : (
          GROUP_COLORS.slice(0, Math.min(GROUP_COLORS.length, groups?.count ?? 0)).map((c, i) => (
            <span key={c} className="legend-item">
              <span className="swatch" style={{ background: c }} /> group {i + 1}
            </span>
          ))
        )}
        <span className="legend-item">
          <span className="swatch swatch-line" /> live link
        </span>
        <span className="legend-item">
          <span className="swatch swatch-dash" /> cut link
        </span>
        <span className="legend-item">
          <span className="swatch swatch-ring-liar" /> liar
        </span>
        <span className="legend-item">
          <span className="swatch swatch-hollow" /> dead
        </span>
        <span className="muted">size: earned VU · {selection.size} selected</span>
      </footer>
    </section>
  );
}
