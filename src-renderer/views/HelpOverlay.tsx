import { useEffect, useRef } from 'react';
import { useMonitor, useMonitorState } from '../state/context';

export const SHORTCUTS: readonly (readonly [string, string])[] = [
  ['Space', 'pause or resume the lab'],
  ['s', 'step the paused lab one cycle'],
  ['h', 'heal every partition'],
  ['?', 'show this help'],
  ['Esc', 'close this help'],
];

/** The keyboard shortcuts and the map's gestures, over the window (? opens it, Esc closes it). */
export function HelpOverlay() {
  const { store } = useMonitor();
  const open = useMonitorState((s) => s.help);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (open) close.current?.focus();
  }, [open]);
  if (!open) return null;
  return (
    <div className="overlay" onClick={() => store.setHelp(false)}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="help-title"
        data-testid="help-overlay"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="help-title">Keyboard and mouse</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([key, what]) => (
              <tr key={key}>
                <th scope="row">
                  <kbd>{key}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">click</th>
              <td>select a node on the map (its panel opens on the right)</td>
            </tr>
            <tr>
              <th scope="row">shift-click</th>
              <td>add a node to the selection, or take it out</td>
            </tr>
            <tr>
              <th scope="row">shift-drag</th>
              <td>lasso: add the nodes inside to the selection</td>
            </tr>
            <tr>
              <th scope="row">wheel, drag</th>
              <td>zoom the map, pan it (Fit shows the whole swarm again)</td>
            </tr>
          </tbody>
        </table>
        <p className="muted">
          Shortcuts do nothing while you type in a field. The time slider under the map replays the
          ticks held; Live follows the lab again.
        </p>
        <button type="button" ref={close} onClick={() => store.setHelp(false)}>
          Close
        </button>
      </div>
    </div>
  );
}
