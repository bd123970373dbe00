import { useEffect } from 'react';
import { errorLine } from './api/client';
import { shortcutFor } from './lib/shortcuts';
import { connectStore } from './state/connect';
import { MonitorProvider, type Monitor } from './state/context';
import { Banners } from './views/Banners';
import { CHARTS } from './views/charts';
import { DriftPlane } from './views/DriftPlane';
import { Header } from './views/Header';
import { HelpOverlay } from './views/HelpOverlay';
import { Inspector } from './views/Inspector';
import { LabControls } from './views/LabControls';
import { MapPanel } from './views/MapPanel';
import { ShardGrid } from './views/ShardGrid';
import { StartLab } from './views/StartLab';
import { Timeline } from './views/Timeline';
import { Toasts } from './views/Toasts';
import { TourPanel } from './views/TourPanel';

export const THEME_KEY = 'lvs.monitor.theme';

/** The keyboard shortcuts (lib/shortcuts.ts), acting on the store and the lab. */
function useShortcuts({ store, client }: Monitor): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const state = store.getState();
      const action = shortcutFor(e, state.help);
      if (!action) return;
      e.preventDefault();
      if (action === 'help') return store.setHelp(true);
      if (action === 'close-help') return store.setHelp(false);
      const lab = state.labStatus;
      if (!lab) return store.toast('info', 'no lab is running');
      const command =
        action === 'toggle-pause'
          ? { op: lab.paused ? ('resume' as const) : ('pause' as const) }
          : action === 'heal'
            ? { op: 'heal' as const }
            : { op: 'step' as const };
      client.lab(command).then(
        (status) => store.setLabStatus(status),
        (err: unknown) => store.toast('error', `${command.op}: ${errorLine(err)}`),
      );
    };
    // A button clicked with the mouse gives its focus back to the page, so that Space then
    // pauses rather than pressing the button again (keyboard presses, detail 0, keep focus).
    const onClick = (e: MouseEvent) => {
      const button = (e.target as Element | null)?.closest?.('button');
      if (button && e.detail > 0 && document.activeElement === button) button.blur();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [store, client]);
}

/** The theme choice on <html data-theme>, kept across sessions. */
function useThemeAttribute({ store }: Monitor): void {
  useEffect(() => {
    const apply = () => {
      const { theme } = store.getState();
      if (theme === 'system') delete document.documentElement.dataset['theme'];
      else document.documentElement.dataset['theme'] = theme;
      try {
        localStorage.setItem(THEME_KEY, theme);
      } catch {
        // Not kept: fine.
      }
    };
    apply();
    return store.subscribe(apply);
  }, [store]);
}

/** The monitor: lab controls, map, plane, charts and the inspector around one store. */
export function App({ monitor }: { monitor: Monitor }) {
  useEffect(() => connectStore(monitor.host, monitor.client, monitor.store), [monitor]);
  useShortcuts(monitor);
  useThemeAttribute(monitor);
  return (
    <MonitorProvider monitor={monitor}>
      <div className="app">
        <Header />
        <Banners />
        <TourPanel />
        <div className="layout">
          <aside className="sidebar" aria-label="Lab">
            <StartLab />
            <LabControls />
          </aside>
          <main className="main">
            <div className="views">
              <MapPanel />
              <DriftPlane />
            </div>
            <Timeline />
            {/* Under the map it explains (which node holds what); nothing at all when K = 1. */}
            <ShardGrid />
            <div className="charts">
              {CHARTS.map((Chart, i) => (
                <Chart key={i} />
              ))}
            </div>
          </main>
          <Inspector />
        </div>
        <Toasts />
        <HelpOverlay />
      </div>
    </MonitorProvider>
  );
}
