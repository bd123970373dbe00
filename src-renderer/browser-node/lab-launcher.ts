import type { NodeKind } from '../../src-shared/api/lab-api';
import {
  LAB_STORE_LIMITS,
  type LaunchSpec,
  type NodeLauncher,
  type PoolNode,
} from '../../src-shared/lab/node-pool';
import type { PoolInit } from '../../src-shared/lab/pool-protocol';
import { CycleScheduler } from '../../src-shared/node/scheduler';
import { BrowserNode } from './browser-node';

/**
 * Inbound WebRTC connections from one address: every lab node is on 127.0.0.1, so the
 * per-address share a browser keeps against strangers would cap the lab's topology.
 */
const LAB_INBOUND_PER_HOST = 64;

/**
 * Lab nodes as browser nodes: the join page's own BrowserNode (host of WebSockets and WebRTC,
 * IndexedDB store, Web Worker engine) under the lab's seeds, faults and liars. No discovery: a
 * lab node's links are the lab's topology, which the pool dials.
 */
export class BrowserLauncher implements NodeLauncher {
  readonly kind: NodeKind = 'browser';

  constructor(private readonly init: PoolInit) {}

  async launch(spec: LaunchSpec): Promise<PoolNode> {
    let scheduler: CycleScheduler | undefined;
    const node = await BrowserNode.start({
      // The tab's browser context is the lab's own and new: no other lab's database is in it.
      name: `lab-node-${spec.slot}`,
      appVersion: this.init.appVersion,
      log: spec.log,
      swarm: { params: spec.params, cycleMs: this.init.cycleMs, genesis: spec.genesis },
      host: { allowLoopbackGroups: true, maxInboundPerHost: LAB_INBOUND_PER_HOST },
      persistMs: this.init.persistMs,
      storeLimits: LAB_STORE_LIMITS,
      core: {
        joinCycles: spec.joinCycles,
        seed: spec.seed,
        ...(spec.maxShards === undefined ? {} : { maxShards: spec.maxShards }),
        ...(spec.join ? {} : { initialState: spec.genesis }),
        shaper: spec.shaper,
        outbox: spec.outbox,
      },
      scheduler: (options) => (scheduler = new CycleScheduler(options)),
    });
    const steps = scheduler!;
    const { store } = node.opened;
    return {
      core: node.core,
      host: node.host,
      scheduler: steps,
      crash: async () => {
        steps.stop();
        await store.abandon();
        await node.host.stop().catch(() => undefined);
      },
    };
  }
}
