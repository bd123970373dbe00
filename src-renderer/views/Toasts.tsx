import { useEffect } from 'react';
import { useMonitor, useMonitorState } from '../state/context';

/** Errors and notices in the window's corner; an error stays 12 s, a notice 5 s. */
export function Toasts() {
  const { store } = useMonitor();
  const toasts = useMonitorState((s) => s.toasts);
  useEffect(() => {
    const timers = toasts.map((t) =>
      setTimeout(() => store.dismiss(t.id), t.kind === 'error' ? 12_000 : 5_000),
    );
    return () => timers.forEach(clearTimeout);
  }, [toasts, store]);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid={`toast-${t.kind}`}
        >
          <span>{t.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => store.dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
