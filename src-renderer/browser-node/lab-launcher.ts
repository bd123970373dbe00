import type { NodeKind } from '../../src-shared/api/lab-api';
import {
  LAB_STORE_LIMITS,
  type LaunchSpec,
  type NodeLauncher,
  type PoolNode,
} from '../../src-shared/lab/node-pool';
import type { PoolInit } from '../../src-shared/lab/pool-protocol';
import { changedParams, checkStoredDimensions, NodeCore } from '../../src-shared/node/node-core';
import { CycleScheduler } from '../../src-shared/node/scheduler';
import { createBrowserHost } from './host';
import { IdbStore } from './idb-store';
import { startWebWorkerEngine } from './web-worker-engine';

/**
 * Inbound WebRTC connections from one address: every lab node is on 127.0.0.1, so the
 * per-address share a browser keeps against strangers would cap the lab's topology.
 */
const LAB_INBOUND_PER_HOST = 64;

/**
 * Lab nodes as browser nodes: the browser node's own parts (host of WebSockets and WebRTC,
 * IndexedDB store, Web Worker engine) under the lab's seeds, faults and liars. No discovery: a
 * lab node's links are the lab's topology, which the pool dials.
 */
export class BrowserLauncher implements NodeLauncher {
  readonly kind: NodeKind = 'browser';

  constructor(private readonly init: PoolInit) {}

  async launch(spec: LaunchSpec): Promise<PoolNode> {
    // The tab's browser context is the lab's own and new: no other lab's database is in it.
    const name = `lab-node-${spec.slot}`;
    const { store, notice } = await IdbStore.open(name, {
      appVersion: this.init.appVersion,
      persistMs: this.init.persistMs,
      limits: LAB_STORE_LIMITS,
      log: (line) => spec.log.warn(line),
      fresh: {
        config: { params: changedParams(spec.params), cycleMs: this.init.cycleMs },
        S: spec.genesis,
      },
    });
    if (notice) spec.log.warn(notice);
    let host: Awaited<ReturnType<typeof createBrowserHost>> | undefined;
    try {
      checkStoredDimensions(store.data, spec.params.dimensions, `lab browser node ${name}`);
      host = await createBrowserHost({
        allowLoopbackGroups: true,
        maxInboundPerHost: LAB_INBOUND_PER_HOST,
      });
      let scheduler: CycleScheduler | undefined;
      const core = await NodeCore.create(
        {
          params: spec.params,
          cycleMs: this.init.cycleMs,
          genesis: spec.genesis,
          joinCycles: spec.joinCycles,
          seed: spec.seed,
          ...(spec.join ? {} : { initialState: spec.genesis }),
          shaper: spec.shaper,
          outbox: spec.outbox,
          log: spec.log,
        },
        {
          host,
          store,
          startEngine: startWebWorkerEngine,
          scheduler: (options) => (scheduler = new CycleScheduler(options)),
        },
      );
      const steps = scheduler!;
      const h = host;
      return {
        core,
        host: h,
        scheduler: steps,
        crash: async () => {
          steps.stop();
          await store.abandon();
          await h.stop().catch(() => undefined);
        },
      };
    } catch (err) {
      await host?.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }
}
