import { useMonitor, useMonitorState } from '../state/context';
import { displayedIndex } from '../state/store';

/**
 * The time slider: scrubs the ticks held (replay on the map, the plane and the charts' cursor);
 * at its right end, or with Live, the monitor follows the lab again.
 */
export function Timeline() {
  const { store } = useMonitor();
  const history = useMonitorState((s) => s.history);
  const index = useMonitorState(displayedIndex);
  const live = useMonitorState((s) => s.cursorT === null);
  const ring = history.ring;
  const size = ring.size;
  const shown = index >= 0 ? ring.at(index) : undefined;
  const first = ring.at(0);
  const onChange = (i: number) => {
    if (i >= size - 1) store.setCursor(null);
    else store.setCursor(ring.at(i)?.t ?? null);
  };
  return (
    <section className="timeline" aria-label="Timeline" data-testid="timeline">
      <label className="timeline-slider">
        <span className="visually-hidden">Tick shown</span>
        <input
          type="range"
          min={0}
          max={Math.max(0, size - 1)}
          step={1}
          value={Math.max(0, index)}
          disabled={size < 2}
          onChange={(e) => onChange(Number(e.target.value))}
          aria-valuetext={shown ? `${(shown.t / 1000).toFixed(1)} s` : 'no ticks'}
        />
      </label>
      <span className="timeline-info" data-testid="timeline-info">
        {shown
          ? `${live ? 'live' : 'replay'} · t = ${(shown.t / 1000).toFixed(1)} s · tick ${index + 1} of ${size}` +
            (first ? ` (from ${(first.t / 1000).toFixed(1)} s)` : '')
          : 'no ticks held'}
      </span>
      <button
        type="button"
        onClick={() => store.setCursor(null)}
        disabled={live}
        data-testid="timeline-live"
      >
        Live
      </button>
    </section>
  );
}
