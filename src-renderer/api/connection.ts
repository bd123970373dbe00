import type { MonitorApi } from '@shared/api/monitor-api';

/** How the monitor is connected to its host, as the header shows it. */
export type ConnectionState =
  /** Inside the desktop app: the preload's bridge, always there. */
  | { readonly kind: 'electron' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'open' }
  /** The socket dropped (or never opened); the next attempt is at `retryAt` (ms, Date.now()). */
  | { readonly kind: 'retrying'; readonly attempt: number; readonly retryAt: number }
  /** The page was opened without a token and none is kept: the host will refuse it. */
  | { readonly kind: 'no-token' }
  /** The host refuses this page's token: the monitor was restarted (with a new one). Final. */
  | { readonly kind: 'restarted' };

/** The monitor's host: its API, and the state of the connection that carries it. */
export interface Host {
  readonly api: MonitorApi;
  readonly shell: 'electron' | 'web';
  state(): ConnectionState;
  /** Called on every change of state; returns the unsubscribe function. */
  onState(listener: (state: ConnectionState) => void): () => void;
  /** Ends the connection (a test, or the page going away). */
  close(): void;
}

/** Whether requests can be sent now. */
export function isConnected(state: ConnectionState): boolean {
  return state.kind === 'electron' || state.kind === 'open';
}

/** The connection state in a few words, for the header. */
export function describeConnection(state: ConnectionState, now: number): string {
  switch (state.kind) {
    case 'electron':
      return 'connected (desktop app)';
    case 'open':
      return 'connected';
    case 'connecting':
      return state.attempt === 0 ? 'connecting…' : `reconnecting (attempt ${state.attempt + 1})…`;
    case 'retrying': {
      const s = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
      return `disconnected: retrying in ${s} s`;
    }
    case 'no-token':
      return 'no token: open the address that lvs printed (it ends in ?token=…)';
    case 'restarted':
      return 'this monitor was restarted: open the new address it printed (…/?token=…)';
  }
}
