import './p2p/polyfill';
import type { NodeStatus } from '../../src-shared/api/node-api';
import type { DriftParams } from '../../src-shared/drift/params';
import {
  NodeCore,
  changedParams,
  checkStoredDimensions,
  checkStoredShards,
  nodeMaxShards,
  genesisState,
  type CycleOutbox,
  type NodeLog,
} from '../../src-shared/node/node-core';
import type { CycleScheduler, SchedulerOptions } from '../../src-shared/node/scheduler';
import type { StoreLimits } from '../../src-shared/node/store-schema';
import type { FrameShaper } from '../../src-shared/protocol/link-shaper';
import { LoopDelay } from '../runtime/loop-delay';
import { startEngine, type EngineKind } from './engine/drift-engine';
import { Discovery, type DiscoveryOptions } from '../../src-shared/net/discovery';
import { createHost, type Host, type HostOptions } from './p2p/host';
import { EVICTION_DEFAULTS, type EvictionPolicy } from './p2p/inbound-eviction';
import { sessionFacts } from './session-facts';
import { NodeStore, STORE_FILE, type Recovered } from './store';

export { NodeConfigError, type NodeLog } from '../../src-shared/node/node-core';

/*
 * The micro-node on Node.js: the portable node core (src-shared/node/node-core.ts) with a libp2p
 * host over TCP (NAT traversal, inbound eviction), the store in a data folder on disk, the drift
 * engine in a worker thread, discovery with its address book, and low power on event-loop lag.
 */

/** Samples of the event loop's delay every this many ms (low-power mode on lag). */
const LAG_RESOLUTION_MS = 20;

export interface LvsNodeOptions {
  /** The data folder (store and lock). */
  readonly dataDir: string;
  readonly appVersion: string;
  /** Drift parameters; the dimension must match a stored state, if there is one. */
  readonly params: DriftParams;
  readonly cycleMs: number;
  /** The host to build, or one already started (a lab's, which cuts and dials on it). */
  readonly host: HostOptions | Host;
  /**
   * Bootstrap addresses, the address book and peer exchange (a personal node); absent, the node
   * dials nobody by itself (a lab's node, whose links are the lab's topology).
   */
  readonly discovery?: DiscoveryOptions;
  /** S of the very first node of a swarm: one value for every component, or the vector. */
  readonly genesis: number | readonly number[];
  /** Cycles a node without a stored state waits for its peers' states before genesis. */
  readonly joinCycles?: number;
  /** The most shards this node holds, 1..K (default K; docs/shards.md, "Capacity"). */
  readonly maxShards?: number;
  /** Seeded entropy and jitter (labs, tests); absent: the secure generator. */
  readonly seed?: number;
  /** At most one store write per this many ms. */
  readonly persistMs?: number;
  readonly storeLimits?: Partial<StoreLimits>;
  /** Where the drift step runs (default: a worker thread of its own). */
  readonly engine?: EngineKind;
  /**
   * A node without a stored state starts from this state instead of joining from its peers
   * (a lab's seeded initial states). A stored state still wins.
   */
  readonly initialState?: readonly number[];
  /** Network faults on the frames this node sends, and freezing (a lab). */
  readonly shaper?: FrameShaper;
  /** How the cycle's frames go out (a lab's liars); absent, every peer is told the truth. */
  readonly outbox?: CycleOutbox;
  /** Builds the cycle scheduler (a lab keeps a handle to skew and step it). */
  readonly scheduler?: (options: SchedulerOptions) => CycleScheduler;
  /** Opens the store (a lab keeps a handle to abandon it, as a crash would). */
  readonly openStore?: typeof NodeStore.open;
  /**
   * Low-power mode when the event loop lags (default true). A lab turns it off: its nodes share
   * a thread, so one node's lag is everyone's, and a histogram timer per node would add to it.
   */
  readonly lowPowerOnLag?: boolean;
  /**
   * Where devices open the node's join page now (`lvs node --join-port`), for its status: the
   * monitor's My node panel and the status records. Asked at each status: a laptop that moves to
   * another network has other URLs. Null or absent: no join page.
   */
  readonly joinUrls?: () => readonly string[] | null;
  readonly log: NodeLog;
}

/**
 * The eviction policy's clocks for this node's cycle: a newcomer's first frame comes a cycle after
 * its HELLO, a low-power peer's within four, so its grace is at least five cycles; a peer is
 * silent after eight cycles without a useful frame (two of a low-power peer's). The policy's
 * defaults are the floors.
 */
function evictionTimes(cycleMs: number): Pick<EvictionPolicy, 'graceMs' | 'silentMs'> {
  return {
    graceMs: Math.max(EVICTION_DEFAULTS.graceMs, 5 * cycleMs),
    silentMs: Math.max(EVICTION_DEFAULTS.silentMs, 8 * cycleMs),
  };
}

/** A personal LVS node on Node.js: the node core and its Node.js parts. */
export class LvsNode extends NodeCore {
  private constructor(
    private readonly opts: LvsNodeOptions,
    private readonly host: Host,
    store: NodeStore,
    readonly recovered: Recovered,
  ) {
    super(
      {
        params: opts.params,
        cycleMs: opts.cycleMs,
        genesis: opts.genesis,
        log: opts.log,
        ...(opts.outbox ? { outbox: opts.outbox } : {}),
        ...(opts.joinCycles === undefined ? {} : { joinCycles: opts.joinCycles }),
        ...(opts.maxShards === undefined ? {} : { maxShards: opts.maxShards }),
        ...(opts.seed === undefined ? {} : { seed: opts.seed }),
        ...(opts.initialState ? { initialState: opts.initialState } : {}),
        ...(opts.shaper ? { shaper: opts.shaper } : {}),
        ...(opts.lowPowerOnLag === false ? {} : { lag: new LoopDelay(LAG_RESOLUTION_MS) }),
      },
      {
        host,
        store,
        startEngine: (init) => startEngine(opts.engine ?? 'worker', init),
        ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
        ...(opts.discovery
          ? {
              network: (node) =>
                Discovery.start(opts.discovery!, {
                  host,
                  stored: store.data.addressBook,
                  save: (snapshot) =>
                    store.update((doc) => {
                      doc.addressBook = snapshot;
                    }),
                  // A bad peer-exchange message costs trust as a bad drift frame does.
                  onBad: (bad) => node.penalise(bad.peerId),
                  log: (line) => opts.log.debug(line),
                  warn: (line) => opts.log.warn(line),
                }),
            }
          : {}),
      },
    );
  }

  /** Opens the store (taking its lock), starts the host, the protocol and the cycle. */
  static async start(opts: LvsNodeOptions): Promise<LvsNode> {
    const d = opts.params.dimensions;
    // Checked before the store is opened: a bad cap takes no lock.
    nodeMaxShards(opts.maxShards, opts.params.shards);
    const genesis = genesisState(opts.genesis, d);
    const opened = await (opts.openStore ?? NodeStore.open.bind(NodeStore))(opts.dataDir, {
      appVersion: opts.appVersion,
      ...(opts.persistMs === undefined ? {} : { persistMs: opts.persistMs }),
      ...(opts.storeLimits ? { limits: opts.storeLimits } : {}),
      log: (line) => opts.log.warn(line),
      onSaved: (saved) => opts.log.debug(`saved cycle ${saved.cycle}`, { saved }),
      fresh: { config: { params: changedParams(opts.params), cycleMs: opts.cycleMs }, S: genesis },
    });
    const { store } = opened;
    if (opened.notice) opts.log.warn(opened.notice);
    let host: Host | null = null;
    try {
      checkStoredDimensions(store.data, d, opts.dataDir);
      checkStoredShards(store.data, opts.params.shards, opts.dataDir);
      host = isHost(opts.host)
        ? opts.host
        : await createHost({
            ...opts.host,
            evictionPolicy: { ...evictionTimes(opts.cycleMs), ...opts.host.evictionPolicy },
          });
      const node = new LvsNode(opts, host, store, opened.recovered);
      // The inbound evictor weighs peers by what they sent and how far the node trusts them.
      host.inbound?.provide(() =>
        node.sessions().map((s) => sessionFacts(s, node.trustOf(s.peerId))),
      );
      // A refusal at debug: under a flood of dials there is one per dial.
      host.inbound?.onEvict((e) =>
        e.evicted === undefined
          ? opts.log.debug(`inbound slots full, every peer protected: refused ${e.newcomer}`)
          : opts.log.info(`evicted inbound peer ${e.evicted} (${e.reason}) to admit ${e.newcomer}`),
      );
      await node.startCore();
      const stored = store.data.state;
      if (stored.cycle > 0 && node.joined) {
        const from = opened.recovered === 'backup' ? `${STORE_FILE}.bak` : STORE_FILE;
        opts.log.info(
          `resumed cycle ${stored.cycle} from ${from}: S = [${stored.S.map((x) => x.toPrecision(6)).join(', ')}]`,
          { resumed: { cycle: stored.cycle, from, S: [...stored.S] } },
        );
      }
      opts.log.info(`listening on ${host.addresses().join(' ')}`);
      return node;
    } catch (err) {
      await host?.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** The libp2p host: its addresses, relay service and connections, for `lvs node`'s status. */
  get p2p(): Host {
    return this.host;
  }

  override status(): NodeStatus {
    const status = super.status();
    const urls = this.opts.joinUrls?.();
    return urls && urls.length > 0 ? { ...status, join: { urls: [...urls] } } : status;
  }
}

function isHost(h: HostOptions | Host): h is Host {
  return 'libp2p' in h;
}
