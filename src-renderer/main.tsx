import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './theme.css';
import { App, THEME_KEY } from './App';
import { monitorClient } from './api/client';
import { connectHost } from './api/host';
import { MonitorStore, type ThemeChoice } from './state/store';
import { pageHidden } from './state/visibility';
import { BenchMap } from './views/BenchMap';

const container = document.getElementById('root');
if (!container) throw new Error('#root element missing from index.html');
const root = createRoot(container);

const params = new URLSearchParams(location.search);
if (params.get('bench') === 'map') {
  // Benchmark mode: no host, only the map on seeded synthetic data (lib/synthetic.ts).
  // ?bench=map&nodes=1000&links=4000&seed=1&tick=100 (ms between data ticks; 0: none)
  // &warm=1 keeps the layout moving (worst case); &raster=1 makes each timed draw rasterise.
  const int = (name: string, fallback: number, max: number) => {
    const raw = params.get(name);
    const v = Number(raw);
    return raw !== null && Number.isInteger(v) && v >= 0 ? Math.min(v, max) : fallback;
  };
  const bench: LvsBench = {
    frames: [],
    draws: [],
    layouts: [],
    nodes: int('nodes', 1000, 20_000),
    links: int('links', 4000, 200_000),
    raster: params.get('raster') === '1',
  };
  window.__lvsBench = bench;
  root.render(
    <BenchMap
      bench={bench}
      seed={int('seed', 1, 2 ** 31 - 1)}
      tickMs={int('tick', 100, 60_000)}
      warm={params.get('warm') === '1'}
    />,
  );
} else {
  const host = connectHost(window);
  const store = new MonitorStore({ hidden: () => pageHidden(), initialConnection: host.state() });
  try {
    const theme = localStorage.getItem(THEME_KEY);
    if (theme === 'light' || theme === 'dark' || theme === 'system')
      store.setTheme(theme as ThemeChoice);
  } catch {
    // No storage: the system theme.
  }
  root.render(
    <StrictMode>
      <App monitor={{ host, client: monitorClient(host.api), store }} />
    </StrictMode>,
  );
}
