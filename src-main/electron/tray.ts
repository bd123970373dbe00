import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { NodeStatus } from '../../src-shared/api/node-api';

/*
 * The tray: the personal node's status (cycle, peers, mode) in its tooltip and first menu line,
 * and the app's controls. The menu is a pure function of the state, so tests can read it.
 */

export interface TrayState {
  /** The node's status; null while none runs. */
  readonly node: NodeStatus | null;
  /** A start or stop in progress. */
  readonly busy: 'starting' | 'stopping' | null;
  readonly openAtLogin: boolean;
  /** Whether the OS lets an app start at login (Electron: macOS and Windows). */
  readonly loginItemSupported: boolean;
  /** The last action that failed, in one line. */
  readonly lastError: string | null;
}

export interface TrayActions {
  start(): void;
  stop(): void;
  pause(): void;
  resume(): void;
  openMonitor(): void;
  openDataFolder(): void;
  openLogs(): void;
  setOpenAtLogin(on: boolean): void;
  quit(): void;
}

/** `cycle 42 · peers 3 · active`, or why there is no such line. */
export function statusLabel(state: Pick<TrayState, 'node' | 'busy'>): string {
  if (state.busy === 'starting') return 'node starting…';
  if (state.busy === 'stopping') return 'node stopping…';
  const s = state.node;
  if (!s) return 'node stopped';
  return `cycle ${s.cycle} · peers ${s.peers} · ${s.mode}`;
}

export function trayTooltip(state: Pick<TrayState, 'node' | 'busy'>): string {
  return `LVS Node: ${statusLabel(state)}`;
}

export function trayTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const running = state.node !== null;
  const paused = state.node?.mode === 'paused';
  const idle = state.busy === null;
  const items: MenuItemConstructorOptions[] = [
    { id: 'status', label: statusLabel(state), enabled: false },
  ];
  if (state.lastError) items.push({ id: 'error', label: state.lastError, enabled: false });
  items.push(
    { type: 'separator' },
    { id: 'start', label: 'Start node', enabled: idle && !running, click: () => actions.start() },
    { id: 'stop', label: 'Stop node', enabled: idle && running, click: () => actions.stop() },
    paused
      ? { id: 'pause', label: 'Resume node', enabled: idle, click: () => actions.resume() }
      : {
          id: 'pause',
          label: 'Pause node',
          enabled: idle && running,
          click: () => actions.pause(),
        },
    { type: 'separator' },
    { id: 'monitor', label: 'Open monitor', click: () => actions.openMonitor() },
    { id: 'data', label: 'Open data folder', click: () => actions.openDataFolder() },
    { id: 'logs', label: 'Open logs', click: () => actions.openLogs() },
  );
  if (state.loginItemSupported)
    items.push({
      id: 'login',
      label: 'Start at login',
      type: 'checkbox',
      checked: state.openAtLogin,
      click: (item) => actions.setOpenAtLogin(item.checked),
    });
  items.push(
    { type: 'separator' },
    { id: 'quit', label: 'Quit LVS Node', click: () => actions.quit() },
  );
  return items;
}

export interface TrayDeps {
  readonly Tray: new (image: NativeImage) => Tray;
  readonly Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  readonly image: NativeImage;
}

/** Menu rebuilds at most this often for status-only changes (some trays flicker on a rebuild). */
const MENU_EVERY_MS = 3000;

/** The tray icon; `update` with each new state (the tooltip follows at once, the menu soon). */
export class ShellTray {
  private readonly tray: Tray;
  private tooltip = '';
  private menuKey = '';
  private menuAt = 0;

  constructor(
    private readonly deps: TrayDeps,
    private readonly actions: TrayActions,
    state: TrayState,
  ) {
    this.tray = new deps.Tray(deps.image);
    this.tray.on('click', () => actions.openMonitor());
    this.update(state, true);
  }

  update(state: TrayState, force = false): void {
    if (this.tray.isDestroyed()) return;
    const tooltip = trayTooltip(state);
    if (tooltip !== this.tooltip) {
      this.tooltip = tooltip;
      this.tray.setToolTip(tooltip);
    }
    // What changes the menu's items (not only its status line) rebuilds it at once.
    const key = JSON.stringify([
      state.node === null,
      state.node?.mode === 'paused',
      state.busy,
      state.openAtLogin,
      state.lastError,
    ]);
    const now = Date.now();
    if (!force && key === this.menuKey && now - this.menuAt < MENU_EVERY_MS) return;
    this.menuKey = key;
    this.menuAt = now;
    this.tray.setContextMenu(this.deps.Menu.buildFromTemplate(trayTemplate(state, this.actions)));
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
