import { join } from 'node:path';
import type { NodeKind } from '../../src-shared/api/lab-api';
import {
  LAB_STORE_LIMITS,
  type LaunchSpec,
  type NodeLauncher,
  type PoolNode,
} from '../../src-shared/lab/node-pool';
import type { PoolInit } from '../../src-shared/lab/pool-protocol';
import type { CycleScheduler } from '../../src-shared/node/scheduler';
import { CycleScheduler as Scheduler } from '../../src-shared/node/scheduler';
import { LvsNode } from '../node/lvs-node';
import { createHost, LOOPBACK_LAB, type HostOptions } from '../node/p2p/host';
import { NodeStore } from '../node/store';

/** What a lab worker is started with: the pool's settings and where its nodes live. */
export interface NodePoolSetup {
  readonly init: PoolInit;
  /** The lab folder; node <slot> keeps its store in <dir>/node-<slot>. */
  readonly dir: string;
  /**
   * The lab has browser nodes: each Node.js node also listens on WebSockets (a browser dials
   * nothing else) and relays, so that two browser nodes can signal a WebRTC connection.
   */
  readonly browsers: boolean;
}

/**
 * Lab hosts for browser nodes: a WebSocket listener beside TCP, and the relay service on from
 * the start. Relaying only: no reservation of its own, no AutoNAT, no hole punching, which would
 * add connections the lab's topology does not have.
 */
export function labHostOptions(browsers: boolean): HostOptions {
  return browsers ? { ...LOOPBACK_LAB, webSockets: { port: 0 }, relayService: 'on' } : LOOPBACK_LAB;
}

/** Lab nodes as Node.js nodes: an LvsNode with an inline engine and its store in the lab folder. */
export class NodeJsLauncher implements NodeLauncher {
  readonly kind: NodeKind = 'node';

  constructor(private readonly setup: NodePoolSetup) {}

  async launch(spec: LaunchSpec): Promise<PoolNode> {
    const { init } = this.setup;
    const host = await createHost(labHostOptions(this.setup.browsers));
    let scheduler: CycleScheduler | undefined;
    let store: NodeStore | undefined;
    const node = await LvsNode.start({
      dataDir: join(this.setup.dir, `node-${spec.slot}`),
      appVersion: init.appVersion,
      params: spec.params,
      cycleMs: init.cycleMs,
      persistMs: init.persistMs,
      storeLimits: LAB_STORE_LIMITS,
      host,
      genesis: spec.genesis,
      joinCycles: spec.joinCycles,
      ...(spec.join ? {} : { initialState: spec.genesis }),
      engine: 'inline',
      lowPowerOnLag: false,
      seed: spec.seed,
      ...(spec.maxShards === undefined ? {} : { maxShards: spec.maxShards }),
      shaper: spec.shaper,
      outbox: spec.outbox,
      scheduler: (options) => (scheduler = new Scheduler(options)),
      openStore: async (dir, options) => {
        const opened = await NodeStore.open(dir, options);
        store = opened.store;
        return opened;
      },
      log: spec.log,
    }).catch(async (err: unknown) => {
      await host.stop().catch(() => undefined);
      throw err;
    });
    const steps = scheduler!;
    const saved = store!;
    return {
      core: node,
      host,
      scheduler: steps,
      crash: async () => {
        steps.stop();
        await saved.abandon();
        await host.stop().catch(() => undefined);
      },
    };
  }
}
