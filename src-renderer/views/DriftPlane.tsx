import { useEffect, useMemo, useRef, useState } from 'react';
import { prepareCanvas } from '../draw/canvas';
import { drawPlane } from '../draw/plane';
import { saveBlob } from '../lib/download';
import { mapDataOf } from '../lib/map-data';
import { useMonitor, useMonitorState } from '../state/context';
import { displayedIndex } from '../state/store';
import { CONDITION, type TickFrame } from '../state/tick-frame';
import { usePageVisible } from '../state/visibility';
import { useElementSize, usePalette } from './hooks';

/** Ticks of trail behind each dot. */
export const TRAIL = 10;

/**
 * With K > 1 the frame's states are NaN on the shards a node does not hold, so the plane draws a
 * node only where it holds both axes' components: how many that is, of the nodes with a state.
 */
function heldOnPlane(frame: TickFrame, cx: number, cy: number) {
  let shown = 0;
  let withState = 0;
  for (let i = 0; i < frame.n; i++) {
    const row = frame.S.subarray(i * frame.d, (i + 1) * frame.d);
    if (!row.some(Number.isFinite)) continue;
    withState++;
    if (Number.isFinite(row[cx]) && Number.isFinite(row[cy])) shown++;
  }
  return { shown, withState };
}

/**
 * The drift plane: two components of every node's state, with trails, drift arrows and the mean.
 * Drawn when what it shows changes, never while the page is hidden.
 */
export function DriftPlane() {
  const { store } = useMonitor();
  const history = useMonitorState((s) => s.history);
  const index = useMonitorState(displayedIndex);
  const selection = useMonitorState((s) => s.selection);
  const by = useMonitorState((s) => s.colorMode);
  const palette = usePalette();
  const visible = usePageVisible();
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const { width, height } = useElementSize(box, { width: 420, height: 300 });
  const [axes, setAxes] = useState<[number, number]>([0, 1]);

  const frame = index >= 0 ? (history.ring.at(index) ?? null) : null;
  const d = frame?.d ?? 0;
  const cx = Math.min(axes[0], Math.max(0, d - 1));
  const cy = Math.min(axes[1], Math.max(0, d - 1));
  const trails = useMemo(() => {
    const out: Float64Array[] = [];
    for (let i = Math.max(0, index - TRAIL); i < index; i++) {
      const f = history.ring.at(i);
      if (f && f.d === d) out.push(f.S);
    }
    return out;
  }, [history, index, d]);

  useEffect(() => {
    const el = canvas.current;
    if (!el || !visible || !frame) return;
    const ctx = prepareCanvas(el, width, height, window.devicePixelRatio || 1);
    if (!ctx) return;
    const colored = mapDataOf(frame, by).data;
    const dead = new Uint8Array(frame.n);
    for (let i = 0; i < frame.n; i++) dead[i] = frame.cond[i] === CONDITION.dead ? 1 : 0;
    drawPlane(ctx, {
      width,
      height,
      dpr: window.devicePixelRatio || 1,
      n: frame.n,
      d: frame.d,
      cx,
      cy,
      S: frame.S,
      D: frame.D,
      trails,
      fill: colored.fill,
      fills: colored.fills,
      dead,
      liar: frame.liar,
      browser: frame.browser,
      selected: selection,
      mean: frame.metrics.mean.length ? frame.metrics.mean : null,
      palette,
    });
  }, [frame, trails, cx, cy, width, height, palette, selection, visible, by]);

  const exportPng = () => {
    const el = canvas.current;
    if (!el || typeof el.toBlob !== 'function') {
      store.toast('error', 'the drift plane could not be exported (no canvas)');
      return;
    }
    el.toBlob((blob) => {
      if (blob) saveBlob(blob, 'drift-plane.png');
    }, 'image/png');
  };

  const options = Array.from({ length: d }, (_, c) => c);
  const held = frame && frame.K > 1 ? heldOnPlane(frame, cx, cy) : null;
  return (
    <section className="panel plane-panel" aria-labelledby="plane-title">
      <header className="panel-head">
        <h2 id="plane-title">Drift plane</h2>
        <div className="tools">
          {d > 2 ? (
            <>
              <label>
                x{' '}
                <select value={cx} onChange={(e) => setAxes([Number(e.target.value), axes[1]])}>
                  {options.map((c) => (
                    <option key={c} value={c}>
                      S[{c}]
                    </option>
                  ))}
                </select>
              </label>
              <label>
                y{' '}
                <select value={cy} onChange={(e) => setAxes([axes[0], Number(e.target.value)])}>
                  {options.map((c) => (
                    <option key={c} value={c}>
                      S[{c}]
                    </option>
                  ))}
                </select>
              </label>
            </>
          ) : null}
          <button type="button" onClick={exportPng} title="Save the drift plane as PNG">
            PNG
          </button>
        </div>
      </header>
      <div className="plane-canvas" ref={box}>
        {frame ? null : <p className="empty">The states appear here once the lab ticks.</p>}
        {held ? (
          <p className="muted small" data-testid="plane-held">
            K = {frame!.K}: a node is drawn only where it holds both components shown, the mean is
            each component&apos;s over its holders; {held.shown} of {held.withState} nodes here.
          </p>
        ) : null}
        {d === 1 ? (
          <p className="muted">One dimension: the plane shows S[0] on both axes.</p>
        ) : null}
        <canvas
          ref={canvas}
          data-testid="drift-plane"
          aria-label={`Drift plane: S[${cx}] against S[${cy}] for every node (Node.js nodes as dots, browser nodes as small windows), with trails, drift arrows and the mean`}
        />
      </div>
    </section>
  );
}
