import { errorLine, type MonitorClient } from '../api/client';
import { isConnected, type Host } from '../api/connection';
import type { MonitorStore } from './store';
import { onVisibility } from './visibility';

/**
 * Wires a host to the store: pushes go in, the connection state goes in, and whenever the
 * connection (re)opens the app's info, the lab's events and snapshot and the node's events are
 * asked for again. Returns the function that undoes it.
 */
export function connectStore(host: Host, client: MonitorClient, store: MonitorStore): () => void {
  const fail = (err: unknown) => store.toast('error', errorLine(err));

  const loadLab = async () => {
    const [events, snapshot] = await Promise.all([
      client.lab({ op: 'events', limit: 2000 }),
      client.lab({ op: 'snapshot' }),
    ]);
    store.setLabEvents(events);
    store.labSnapshot(snapshot);
  };

  const refresh = async () => {
    const info = await client.app({ op: 'info' });
    store.setInfo(info);
    const work: Promise<unknown>[] = [];
    if (info.lab) work.push(loadLab());
    if (info.node)
      work.push(client.node({ op: 'events', limit: 500 }).then((e) => store.setNodeEvents(e)));
    await Promise.all(work);
  };

  store.onNewLab = () => {
    // Events pushed before the store saw the new lab were cleared with the old history.
    client.lab({ op: 'events', limit: 2000 }).then((e) => store.setLabEvents(e), fail);
  };

  const offPush = host.api.subscribe((push) => store.ingest(push));
  let wasConnected = false;
  const onState = () => {
    const state = host.state();
    store.setConnection(state);
    const now = isConnected(state);
    if (now && !wasConnected) refresh().catch(fail);
    wasConnected = now;
  };
  const offState = host.onState(onState);
  onState();
  const offVisible = onVisibility((hidden) => {
    if (!hidden) store.flush();
  });
  return () => {
    offPush();
    offState();
    offVisible();
    store.onNewLab = null;
  };
}
