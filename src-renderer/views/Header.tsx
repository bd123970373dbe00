import { useEffect, useState } from 'react';
import { describeConnection, type ConnectionState } from '../api/connection';
import { useMonitor, useMonitorState } from '../state/context';
import { openTour } from '../state/tour';
import type { ThemeChoice } from '../state/store';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };

/** "retrying in N s", counting down (remounted for each new retry). */
function Countdown({ state }: { state: ConnectionState }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(id);
  }, []);
  return <>{describeConnection(state, now)}</>;
}

/** The title bar: the connection, what the lab is doing, the tour, the theme and the help. */
export function Header() {
  const monitor = useMonitor();
  const { store } = monitor;
  const connection = useMonitorState((s) => s.connection);
  const info = useMonitorState((s) => s.info);
  const lab = useMonitorState((s) => s.labStatus);
  const theme = useMonitorState((s) => s.theme);
  const touring = useMonitorState((s) => s.tour !== null);
  const ok = connection.kind === 'open' || connection.kind === 'electron';
  return (
    <header className="app-header">
      <h1>LVS Node monitor</h1>
      <span
        className={`connection ${ok ? 'ok' : 'bad'}`}
        data-testid="connection-state"
        data-state={connection.kind}
        role="status"
      >
        {connection.kind === 'retrying' ? (
          <Countdown key={connection.retryAt} state={connection} />
        ) : (
          describeConnection(connection, 0)
        )}
      </span>
      <span className="lab-line" data-testid="lab-line">
        {lab
          ? `lab: ${lab.up}/${lab.nodes} up · ${lab.topology} · seed ${lab.seed} · ${lab.cycleMs} ms cycle · ${lab.params.aggregator}` +
            (lab.paused ? ' · paused' : '') +
            (lab.partition ? ` · partition ${lab.partition.kind}` : '')
          : 'no lab running'}
        {info?.scenario
          ? ` · scenario ${info.scenario.name} ${Math.round(info.scenario.elapsedS)}/${info.scenario.totalS} s`
          : ''}
      </span>
      <span className="spacer" />
      {info ? <span className="muted">v{info.version}</span> : null}
      <button
        type="button"
        onClick={() => void openTour(monitor)}
        disabled={touring || !ok}
        title="Run the shipped scenarios in order, with captions that say what to watch"
        data-testid="tour-open"
      >
        Guided tour
      </button>
      <button
        type="button"
        onClick={() => store.setTheme(NEXT[theme])}
        title="Switch the theme: system, light, dark"
        data-testid="theme-toggle"
      >
        Theme: {theme}
      </button>
      <button type="button" onClick={() => store.setHelp(true)} aria-label="Keyboard shortcuts">
        ?
      </button>
    </header>
  );
}
