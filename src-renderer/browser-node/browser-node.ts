import type { JoinInfo } from '../../src-shared/api/join-info';
import { Discovery } from '../../src-shared/net/discovery';
import {
  changedParams,
  checkStoredDimensions,
  genesisState,
  NodeCore,
  type NodeCoreOptions,
  type NodeCoreParts,
  type NodeLog,
} from '../../src-shared/node/node-core';
import type { StoreLimits } from '../../src-shared/node/store-schema';
import { createBrowserHost, type BrowserHost, type BrowserHostOptions } from './host';
import { IdbStore, type IdbOpened } from './idb-store';
import { startWebWorkerEngine } from './web-worker-engine';

/*
 * A micro-node in a web page: the node core every node runs (src-shared/node), with a libp2p
 * host of WebSockets and WebRTC (./host), its store in IndexedDB (./idb-store), its drift engine
 * in a Web Worker (./engine-worker), and the desktop node's discovery: the address book, peer
 * exchange and outbound slots across groups (src-shared/net). Nothing of the drift rule or the
 * protocol is the browser's own.
 */

/**
 * What a browser node's store keeps of its bounded sections, where not told otherwise: the whole
 * document is checked, serialised and rewritten to IndexedDB every persistMs, so its cost grows
 * with what it holds, and at the desktop's bounds (1,000 states, 500 events) a page left open for
 * a quarter of an hour would spend several times as long on each write as one just opened. The
 * page draws no history, shows the last few VaultGuard events, and the desktop node's monitor
 * (which draws a node's history) reads desktop nodes only. The address book keeps its bound: it is
 * what brings the node back into the swarm without a bootstrap.
 */
export const BROWSER_STORE_LIMITS: Partial<StoreLimits> = Object.freeze({
  history: 100,
  events: 100,
});

/**
 * How often a browser node writes its record, where not told otherwise: every 5 s, where a desktop
 * node writes every 2 s. Each write checks, serialises and rewrites the whole document and its
 * backup with 'strict' durability (a flush to disk by the browser's storage service): about 2.6 ms
 * of the page's main thread in Chromium's trace, a tenth of a point of a core at 2 s, and on a
 * phone flash writes and battery. A page killed outright resumes up to 5 cycles back, which its
 * peers pull in within a few cycles; closing the tab or leaving saves at once.
 */
export const BROWSER_PERSIST_MS = 5000;

export interface BrowserNodeOptions {
  /** The node's name in this browser: its IndexedDB database (one page at a time holds it). */
  readonly name: string;
  readonly appVersion: string;
  readonly log: NodeLog;
  /** The swarm's drift parameters, cycle and genesis (join.json's, or a lab's). */
  readonly swarm: Pick<JoinInfo, 'params' | 'cycleMs' | 'genesis'>;
  /**
   * The desktop nodes to dial first, and the outbound peers to keep (default 8): the node runs
   * discovery (the address book, peer exchange, outbound slots across groups). Absent: it dials
   * nobody itself (a lab's pool dials its links).
   */
  readonly discovery?: { readonly bootstrap: readonly string[]; readonly targetOutbound?: number };
  readonly host: BrowserHostOptions;
  /** At most one write of the store this often (default BROWSER_PERSIST_MS). */
  readonly persistMs?: number;
  /** The store's bounds (default BROWSER_STORE_LIMITS). */
  readonly storeLimits?: Partial<StoreLimits>;
  /**
   * What a lab sets of the core: seeded streams, link faults, a liar's outbox, a start state;
   * and the node's own cap on the shards it holds (maxShards, default K).
   */
  readonly core?: Pick<
    NodeCoreOptions,
    'joinCycles' | 'seed' | 'initialState' | 'shaper' | 'outbox' | 'maxShards'
  >;
  /** Builds the cycle scheduler (a lab keeps a handle to skew, pause and step it). */
  readonly scheduler?: NodeCoreParts['scheduler'];
}

export class BrowserNode {
  private constructor(
    readonly core: NodeCore,
    readonly host: BrowserHost,
    readonly opened: IdbOpened,
  ) {}

  /** Opens the store (refused while another tab holds this node), starts host, core and cycle. */
  static async start(o: BrowserNodeOptions): Promise<BrowserNode> {
    const { swarm, log } = o;
    const opened = await IdbStore.open(o.name, {
      appVersion: o.appVersion,
      log: (line) => log.warn(line),
      persistMs: o.persistMs ?? BROWSER_PERSIST_MS,
      limits: o.storeLimits ?? BROWSER_STORE_LIMITS,
      fresh: {
        config: { params: changedParams(swarm.params), cycleMs: swarm.cycleMs },
        S: genesisState(swarm.genesis, swarm.params.dimensions),
      },
    });
    const { store } = opened;
    if (opened.notice) log.warn(opened.notice);
    let host: BrowserHost | undefined;
    try {
      checkStoredDimensions(store.data, swarm.params.dimensions, `this browser's node ${o.name}`);
      host = await createBrowserHost(o.host);
      const h = host;
      const discovery = o.discovery;
      const core = await NodeCore.create(
        { ...o.core, params: swarm.params, cycleMs: swarm.cycleMs, genesis: swarm.genesis, log },
        {
          host: h,
          store,
          startEngine: startWebWorkerEngine,
          ...(o.scheduler ? { scheduler: o.scheduler } : {}),
          ...(discovery
            ? {
                network: (node: { penalise(peerId: string): void }) =>
                  Discovery.start(
                    {
                      bootstrap: discovery.bootstrap,
                      ...(discovery.targetOutbound === undefined
                        ? {}
                        : { targetOutbound: discovery.targetOutbound }),
                    },
                    {
                      host: h,
                      stored: store.data.addressBook,
                      save: (snapshot) =>
                        store.update((doc) => {
                          doc.addressBook = snapshot;
                        }),
                      onBad: (bad) => node.penalise(bad.peerId),
                      log: (line) => log.debug(line),
                      warn: (line) => log.warn(line),
                    },
                  ),
              }
            : {}),
        },
      );
      const stored = store.data.state;
      if (stored.cycle > 0 && core.joined)
        log.info(`resumed cycle ${stored.cycle} from this browser's store`);
      return new BrowserNode(core, h, opened);
    } catch (err) {
      await host?.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** Leaves the swarm: no new cycle, a final save, peers closed, the store released. */
  leave(): Promise<void> {
    return this.core.stop();
  }
}
