import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { MonitorClient } from '../api/client';
import type { Host } from '../api/connection';
import type { MonitorState, MonitorStore } from './store';

export interface Monitor {
  readonly host: Host;
  readonly client: MonitorClient;
  readonly store: MonitorStore;
}

const MonitorContext = createContext<Monitor | null>(null);

export function MonitorProvider({ monitor, children }: { monitor: Monitor; children: ReactNode }) {
  return <MonitorContext.Provider value={monitor}>{children}</MonitorContext.Provider>;
}

export function useMonitor(): Monitor {
  const m = useContext(MonitorContext);
  if (!m) throw new Error('useMonitor outside a MonitorProvider');
  return m;
}

/** A part of the store's state; the component re-renders when it changes (by identity). */
export function useMonitorState<T>(select: (state: MonitorState) => T): T {
  const { store } = useMonitor();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
