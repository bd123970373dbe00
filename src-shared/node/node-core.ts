import { multiaddr } from '@multiformats/multiaddr';
import {
  checkNodeRequest,
  MAX_EVENTS,
  MAX_HISTORY,
  type HistoryPoint,
  type LoggedEvent,
  type NetworkView,
  type NodeRequest,
  type NodeResponses,
  type NodeSnapshot,
  type NodeStateView,
  type NodeStatus,
  type PeerView,
} from '../api/node-api';
import type { PeerReport } from '../drift/node-drift';
import type { ShardPeerReport } from '../drift/shard-drift';
import {
  checkMaxShards,
  MaxShardsError,
  medianOf,
  shardRanges,
  type ShardRange,
} from '../drift/shard-rule';
import { resolveParams, type DriftParams } from '../drift/params';
import { countsByRule, emptyCounts, RULES, type RuleName, type VaultEvent } from '../drift/rules';
import { TRUST_PRIOR } from '../drift/vaultguard';
import { errorMessage } from '../error-message';
import { DriftProtocol, type DriftHost, type SessionInfo } from '../protocol';
import type { FrameShaper } from '../protocol/link-shaper';
import type { EntropyPacket, StateDiffMessage } from '../protocol/messages';
import { seededRng } from '../random';
import type { Engine } from './engine';
import type { EngineInit, EngineSnapshot } from './engine-protocol';
import { Listeners } from './listeners';
import { CycleScheduler, type LagProbe, type SchedulerOptions } from './scheduler';
import {
  adoptionState,
  LossWatch,
  ownShards,
  shardsToAdopt,
  unformedToStart,
  fullPeers,
  type HeardHolder,
} from './shard-holding';
import type { StoreDocument } from './store-schema';

/*
 * The micro-node's core: the drift cycle, joining, the node API and its views, over a host, a
 * store and an engine it is given. It imports no Node.js built-in (lint and the web type check
 * hold it to that), so the same core runs in Node.js (src-main/node/lvs-node.ts gives it a TCP
 * host, a store on disk and an engine in a worker thread) and in a browser.
 */

/** A minimal structured logger; `lvs node` passes pino, tests pass a collector. */
export interface NodeLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

/** What the core needs of its host: libp2p and a deny list for the protocol, its addresses. */
export interface CoreHost extends DriftHost {
  /** The addresses it listens on, each ending in /p2p/<id>. */
  addresses(): readonly { toString(): string }[];
  stop(): Promise<void>;
}

/** What the core needs of its store (Node.js: node.json on disk; a browser: IndexedDB). */
export interface CoreStore {
  readonly data: Readonly<StoreDocument>;
  /** Changes the document; the store coalesces its writes. */
  update(mutator: (doc: StoreDocument) => void): void;
  appendEvents(events: readonly VaultEvent[], cycle: number, at?: Date): void;
  /** A final write, then the store is released. */
  close(): Promise<void>;
}

/** A personal node's discovery (address book, peer exchange, dialling), when it has one. */
export interface NetworkPart {
  view(): NetworkView;
  /** Stops dialling; the book's last changes go to the store. */
  stop(): Promise<void>;
  /** Stops dialling and saving at once, saving nothing more (a crash). */
  halt(): void;
}

/**
 * How the cycle's EP and SDMs reach the peers: `sdms` has one SDM per held shard, ascending (with
 * K = 1 the one SDM of shard 0). The default sends every peer the same frames; a lab injects one
 * that lies (src-shared/lab/liar-outbox.ts), for K = 1 and K > 1 alike.
 */
export interface CycleOutbox {
  send(protocol: DriftProtocol, ep: EntropyPacket, sdms: readonly StateDiffMessage[]): void;
}

/** The honest send: K = 1 one compact cycle frame, K > 1 an EP and an SDM per held shard. */
export function sendHonestly(
  protocol: DriftProtocol,
  ep: EntropyPacket,
  sdms: readonly StateDiffMessage[],
): void {
  if (protocol.shards > 1) protocol.broadcastShards(ep, sdms);
  else protocol.broadcastCycle(ep, onlySdm(sdms));
}

/** K = 1's one SDM; any other count is a bug in the caller. */
export function onlySdm(sdms: readonly StateDiffMessage[]): StateDiffMessage {
  if (sdms.length !== 1) throw new RangeError(`K = 1 sends one SDM a cycle (got ${sdms.length})`);
  return sdms[0]!;
}

const HONEST: CycleOutbox = { send: sendHonestly };

export interface NodeCoreOptions {
  /** Drift parameters; the dimension must match a stored state, if there is one. */
  readonly params: DriftParams;
  readonly cycleMs: number;
  /** S of the very first node of a swarm: one value for every component, or the vector. */
  readonly genesis: number | readonly number[];
  /** Cycles a node without a stored state waits for its peers' states before genesis. */
  readonly joinCycles?: number;
  /**
   * The most shards this node holds, 1..K (docs/shards.md, "Capacity"; default K: only the
   * rule limits it). A start-up setting of this node, not a swarm parameter: a phone may hold
   * fewer than a desktop, and its peers, told in HELLO, ask others to make up the difference.
   */
  readonly maxShards?: number;
  /** Seeded entropy and jitter (labs, tests); absent: the secure generator. */
  readonly seed?: number;
  /**
   * A node without a stored state starts from this state instead of joining from its peers
   * (a lab's seeded initial states). A stored state still wins.
   */
  readonly initialState?: readonly number[];
  /** Network faults on the frames this node sends (a lab). */
  readonly shaper?: FrameShaper;
  readonly outbox?: CycleOutbox;
  /** The event loop's delay, for low-power mode on lag (absent: lag is not watched). */
  readonly lag?: LagProbe;
  readonly log: NodeLog;
}

/** The parts a host platform gives the core. */
export interface NodeCoreParts {
  readonly host: CoreHost;
  readonly store: CoreStore;
  readonly startEngine: (init: EngineInit) => Promise<Engine>;
  /** Discovery, started once the protocol is (it penalises peers that send bad addresses). */
  readonly network?: (node: { penalise(peerId: string): void }) => Promise<NetworkPart>;
  /** Builds the cycle scheduler (a lab keeps a handle to skew, pause and step it). */
  readonly scheduler?: (options: SchedulerOptions) => CycleScheduler;
}

/** Refused configuration: one line for the user. */
export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
}

/** K > 1: a shard this node adopted, or one its neighbourhood lost (docs/shards.md). */
export interface ShardEvent {
  readonly type: 'adopted' | 'lost';
  readonly shard: number;
  readonly cycle: number;
  /** adopted: the holders it started from; lost: 0. */
  readonly holders: number;
}

export interface NodeCoreEvents extends Record<string, unknown[]> {
  snapshot: [NodeSnapshot];
  event: [LoggedEvent];
  shard: [ShardEvent];
}

const DEFAULT_JOIN_CYCLES = 3;
/**
 * Cycles a forming node waits before it starts a shard nobody took: its members form within a
 * cycle or two of it (a lab releases them together) and are heard the cycle after.
 */
const UNFORMED_WAIT = 5;
const JITTER_STREAM = 1;
/** Snapshots go to listeners at most this often: a monitor redraws no faster. */
const SNAPSHOT_EVERY_MS = 200;

/**
 * One cycle every cycleMs: fresh peer states in, one engine step, EP and SDM out, the result
 * saved (the store coalesces). A node without a state joins from its first peers' states.
 */
export class NodeCore extends Listeners<NodeCoreEvents> {
  private engine: Engine | null = null;
  private last: EngineSnapshot | null = null;
  private params: DriftParams;
  private waited = 0;
  private lastSnapshotAt = 0;
  private readonly startedAt = Date.now();
  private network: NetworkPart | null = null;
  private stopping: Promise<void> | null = null;
  private readonly scheduler: CycleScheduler;
  private readonly protocol: DriftProtocol;
  private readonly outbox: CycleOutbox;
  /** K > 1: the shard ranges, the shards taken at join and not yet held, lost-shard watch. */
  private readonly ranges: readonly ShardRange[];
  private wants = new Set<number>();
  /** The cycle this node formed at from an initial state (a lab's); null otherwise. */
  private formedAt: number | null = null;
  private readonly losses: LossWatch;
  /** This node's cap on the shards it holds (K: none). */
  private readonly maxShards: number;

  protected constructor(
    private readonly core: NodeCoreOptions,
    private readonly parts: NodeCoreParts,
  ) {
    super();
    this.params = core.params;
    this.outbox = core.outbox ?? HONEST;
    this.ranges = shardRanges(core.params.dimensions, core.params.shards);
    this.losses = new LossWatch(core.params.shards);
    this.maxShards = nodeMaxShards(core.maxShards, core.params.shards);
    this.protocol = new DriftProtocol({
      dimensions: core.params.dimensions,
      // K = 1 passes nothing: its HELLO and frames are those of before shards.
      ...(core.params.shards > 1
        ? {
            shards: core.params.shards,
            holdings: () => this.last?.holds ?? [],
            maxShards: this.maxShards,
          }
        : {}),
      cycleMs: core.cycleMs,
      log: (line) => core.log.info(line),
      ...(core.shaper ? { shaper: core.shaper } : {}),
    });
    const random = seededUnit(core.seed);
    const schedule: SchedulerOptions = {
      cycleMs: core.cycleMs,
      ...(random ? { random } : {}),
      ...(core.lag ? { lag: core.lag } : {}),
      onTick: () => this.cycle(),
      onLowPower: (on, reasons) =>
        core.log.info(on ? `low-power mode on (${reasons.join(', ')})` : 'low-power mode off'),
      onError: (err) => core.log.error(`drift cycle failed: ${errorMessage(err)}`),
    };
    this.scheduler = parts.scheduler ? parts.scheduler(schedule) : new CycleScheduler(schedule);
  }

  /** Starts a node core on the parts a platform gives it (see startCore). */
  static async create(options: NodeCoreOptions, parts: NodeCoreParts): Promise<NodeCore> {
    const core = new NodeCore(options, parts);
    await core.startCore();
    return core;
  }

  /**
   * Starts the protocol on the host, then discovery, then the engine from the stored state (or
   * the initial one), then the cycle. The caller keeps the host and the store, and stops them if
   * this throws.
   */
  protected async startCore(): Promise<void> {
    const { host, store } = this.parts;
    const { log } = this.core;
    const d = this.params.dimensions;
    const stored = store.data.state;
    checkStoredDimensions(store.data, d, 'the store');
    checkStoredShards(store.data, this.params.shards, 'the store');
    this.protocol.addEventListener('session:refused', (e) =>
      log.warn(`refused peer ${e.detail.peerId}: ${e.detail.reason}`),
    );
    // Every bad frame costs its sender trust, as an anomaly would (docs/model.md, "Messages").
    this.protocol.addEventListener('frame:bad', (e) => this.penalise(e.detail.peerId));
    await this.protocol.start(host);
    if (this.parts.network)
      this.network = await this.parts.network({ penalise: (peer) => this.penalise(peer) });
    store.update((doc) => {
      doc.config = {
        ...doc.config,
        params: changedParams(this.params),
        cycleMs: this.core.cycleMs,
      };
    });
    if (stored.cycle === 0 && this.core.initialState) {
      // Checked now in either case; K > 1 forms once it knows its peers (its share of shards
      // depends on how many), from the same state (formOrJoin).
      const S = genesisState(this.core.initialState, d);
      if (!this.sharded) await this.startEngine(S, 0, 1, 0);
    } else if (stored.cycle > 0) {
      // A store written with K = 1 (no holds) held the whole state: every shard.
      const holds = stored.holds ?? this.ranges.map((_, k) => k);
      await this.startEngine(stored.S, stored.earned, stored.tcSelf, stored.cycle, holds);
    }
    this.scheduler.start();
  }

  get sessionId(): string {
    return this.parts.host.libp2p.peerId.toString();
  }

  /** The peers with an open drift session (their HELLO arrived). */
  sessionPeers(): string[] {
    return this.protocol
      .sessions()
      .filter((s) => s.hello !== undefined)
      .map((s) => s.peerId);
  }

  /** Every drift session, open or opening (for the host's inbound evictor). */
  sessions(): SessionInfo[] {
    return this.protocol.sessions();
  }

  /** The engine's trust in a peer session, once it has weighed it. */
  trustOf(peerId: string): number | undefined {
    return this.last?.trust[peerId];
  }

  /** Frames and bytes this node's drift protocol sent and received since start. */
  traffic(): ReturnType<DriftProtocol['traffic']> {
    return this.protocol.traffic();
  }

  /** VaultGuard interventions since the engine started, by rule. */
  interventions(): Record<RuleName, number> {
    return countsByRule(this.last?.counts ?? emptyCounts());
  }

  addresses(): string[] {
    return this.parts.host.addresses().map(String);
  }

  /** Whether the node has a state yet (from its store, its peers or genesis). */
  get joined(): boolean {
    return this.engine !== null;
  }

  status(): NodeStatus {
    const peers = this.protocol.sessions().filter((s) => s.hello !== undefined);
    const S = this.last?.S ?? [];
    let sq = 0;
    let n = 0;
    if (this.sharded) {
      // Per peer over the components of the shards both hold: S is 0 outside this node's shards,
      // and a peer's report has no value outside its own.
      const held = new Set(this.last?.holds ?? []);
      for (const { report, shards } of this.shardReports()) {
        const both = shards.filter((k) => held.has(k));
        if (both.length === 0) continue;
        for (const k of both) {
          const { first, width } = this.ranges[k]!;
          for (let c = first; c < first + width; c++) sq += (report.state[c]! - S[c]!) ** 2;
        }
        n++;
      }
    } else {
      for (const p of peers) {
        const theirs = p.sdm?.message.state;
        if (!theirs || theirs.length !== S.length) continue;
        for (let c = 0; c < S.length; c++) sq += (theirs[c]! - S[c]!) ** 2;
        n++;
      }
    }
    const counts = this.last?.counts ?? emptyCounts();
    return {
      sessionId: this.sessionId,
      listen: this.addresses(),
      cycle: this.last?.cycle ?? 0,
      mode: this.scheduler.isPaused
        ? 'paused'
        : this.scheduler.lowPower
          ? 'low-power'
          : this.last?.recovery
            ? 'recovery'
            : 'active',
      lowPowerReasons: this.scheduler.lowPowerReasons,
      peers: peers.length,
      spreadToPeers: n > 0 ? Math.sqrt(sq / n) : 0,
      params: this.params,
      interventions: countsByRule(counts),
      uptimeMs: Date.now() - this.startedAt,
      ...(this.network ? { network: this.network.view() } : {}),
      ...(this.sharded ? { holds: this.last?.holds ?? [] } : {}),
    };
  }

  state(): NodeStateView {
    const s = this.last;
    return {
      S: s?.S ?? [],
      D: s?.D ?? [],
      earned: s?.earned ?? 0,
      tcSelf: s?.tcSelf ?? 1,
      dc: s?.dc ?? 0,
      recovery: s?.recovery ?? false,
      ...(this.sharded ? { holds: s?.holds ?? [] } : {}),
    };
  }

  peers(): PeerView[] {
    const trust = this.last?.trust ?? {};
    return this.protocol.sessions().map((s) => ({
      sessionId: s.peerId,
      address: s.remoteAddr,
      trust: trust[s.peerId] ?? TRUST_PRIOR,
      lastState: s.sdm ? [...s.sdm.message.state] : null,
      lastCycle: s.sdm?.message.cycle ?? null,
      framesIn: s.counters.framesIn,
      framesOut: s.counters.framesOut,
      badFrames: Object.values(s.counters.badFrames).reduce((a, b) => a + b, 0),
    }));
  }

  /** The latest logged interventions (a rule this version does not know is left out). */
  events(limit = MAX_EVENTS): LoggedEvent[] {
    const known = (rule: string): rule is RuleName => (RULES as readonly string[]).includes(rule);
    return this.parts.store.data.events.slice(-limit).flatMap((e) =>
      known(e.rule)
        ? [
            {
              rule: e.rule,
              ...(e.peer === undefined ? {} : { peer: e.peer }),
              value: e.value ?? NaN,
              limit: e.limit ?? NaN,
              reason: e.reason,
              cycle: e.cycle,
              at: Date.parse(e.at),
            },
          ]
        : [],
    );
  }

  history(limit = MAX_HISTORY): HistoryPoint[] {
    return this.parts.store.data.history
      .slice(-limit)
      .map((h) => ({ cycle: h.cycle, at: Date.parse(h.at), S: h.S }));
  }

  /** Applies validated parameters from the next cycle on (the dimension cannot change). */
  async setParams(patch: Partial<DriftParams>): Promise<DriftParams> {
    const next = resolveParams(patch, this.params);
    if (next.dimensions !== this.params.dimensions)
      throw new NodeConfigError(
        `dimensions cannot change on a running node (${this.params.dimensions})`,
      );
    if (next.shards !== this.params.shards)
      throw new NodeConfigError(`shards cannot change on a running node (${this.params.shards})`);
    if (this.engine) this.last = await this.engine.setParams(next);
    this.params = next;
    this.parts.store.update((doc) => {
      doc.config = { ...doc.config, params: changedParams(next) };
    });
    return next;
  }

  pause(): void {
    this.scheduler.pause();
  }

  resume(): void {
    this.scheduler.resume();
  }

  setLowPower(reason: string, on: boolean): void {
    this.scheduler.setLowPower(reason, on);
  }

  /** Dials an address (its /p2p/<id> optional); resolves with the peer's id. */
  async connect(address: string): Promise<string> {
    const connection = await this.parts.host.libp2p.dial(multiaddr(address));
    return connection.remotePeer.toString();
  }

  async disconnect(peer: string): Promise<void> {
    const conns = this.parts.host.libp2p
      .getConnections()
      .filter((c) => c.remotePeer.toString() === peer);
    await Promise.all(conns.map((c) => c.close()));
  }

  /** The node API, typed: still checked, since a typed caller can be handed bad data. */
  request<R extends NodeRequest>(req: R): Promise<NodeResponses[R['op']]> {
    return this.handle(req) as Promise<NodeResponses[R['op']]>;
  }

  /** The node API for a transport (IPC, WebSocket): checks the request, then answers it. */
  async handle(raw: unknown): Promise<NodeResponses[NodeRequest['op']]> {
    const v = checkNodeRequest(raw);
    if (!v.ok) throw new NodeConfigError(v.reason);
    return this.answer(v.value);
  }

  /** Lowers a peer's trust, as a bad frame does. */
  penalise(peerId: string): void {
    this.engine
      ?.penalise(peerId)
      .catch((err) => this.core.log.warn(`penalising ${peerId}: ${errorMessage(err)}`));
  }

  /** Whether it was asked to stop (it then has no peers to offer anyone). */
  get stopped(): boolean {
    return this.stopping !== null;
  }

  /** Graceful stop: no new cycle, a final save, peers closed, the store released. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { log } = this.core;
      this.scheduler.stop();
      // The book's last changes go to the store with the final save.
      await this.network
        ?.stop()
        .catch((err) => log.warn(`stopping discovery: ${errorMessage(err)}`));
      await this.protocol
        .stop()
        .catch((err) => log.warn(`stopping the protocol: ${errorMessage(err)}`));
      await this.parts.host
        .stop()
        .catch((err) => log.warn(`stopping the host: ${errorMessage(err)}`));
      await this.engine?.stop();
      await this.parts.store.close();
    })();
    return this.stopping;
  }

  /** The peer view of `id` once its HELLO has come (a moment after the dial), or undefined. */
  private async sessionWith(id: string, waitMs = 3000): Promise<PeerView | undefined> {
    const until = Date.now() + waitMs;
    for (;;) {
      const open = this.protocol.sessions().some((s) => s.peerId === id && s.hello !== undefined);
      if (open || Date.now() > until) return this.peers().find((p) => p.sessionId === id);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async answer(req: NodeRequest): Promise<NodeResponses[NodeRequest['op']]> {
    switch (req.op) {
      case 'status':
        return this.status();
      case 'state':
        return this.state();
      case 'peers':
        return this.peers();
      case 'events':
        return this.events(req.limit);
      case 'history':
        return this.history(req.limit);
      case 'set-params':
        return this.setParams(req.params);
      case 'pause':
        this.pause();
        return this.status();
      case 'resume':
        this.resume();
        return this.status();
      case 'low-power':
        this.setLowPower('requested', req.on);
        return this.status();
      case 'connect': {
        const id = await this.connect(req.address);
        const peer = await this.sessionWith(id);
        if (!peer)
          throw new NodeConfigError(`connected to ${req.address}, but it opened no drift session`);
        return peer;
      }
      case 'disconnect':
        await this.disconnect(req.peer);
        return this.status();
    }
  }

  private async startEngine(
    S: readonly number[],
    earned: number,
    tcSelf: number,
    cycle: number,
    holds?: readonly number[],
  ): Promise<void> {
    const engine = await this.parts.startEngine({
      params: this.params,
      state: S,
      earned,
      tcSelf,
      cycle,
      ...(this.sharded ? { holds: holds ?? [] } : {}),
      ...(this.core.seed === undefined ? {} : { seed: this.core.seed }),
    });
    // The state first, then the engine: `joined` (engine set) must mean the state is readable.
    this.last = await engine.snapshot();
    this.engine = engine;
  }

  /**
   * One drift cycle (docs/model.md, "One cycle"), or a step of joining while the node has no
   * state yet.
   */
  private async cycle(): Promise<void> {
    if (this.sharded) return this.shardCycle();
    const reports = this.reports();
    if (!this.engine) {
      await this.join(reports);
      return;
    }
    const { snapshot, cycle } = await this.engine.step(reports, 0);
    this.last = snapshot;
    // F lies in the unit ball; the clamp only absorbs a rounding ulp, so that every component
    // passes the receivers' range check ([-1, 1]) whatever the arithmetic did.
    const entropy = cycle.F.map((f) => Math.min(1, Math.max(-1, f)));
    const ep = { kind: 'ep', entropy, timestamp: Date.now(), load: 0 } as const;
    const sdm = {
      kind: 'sdm',
      shard: 0,
      state: [...cycle.S],
      weight: cycle.dc,
      cycle: snapshot.cycle,
    } as const;
    this.outbox.send(this.protocol, ep, [sdm]);
    this.save(snapshot, cycle.events);
    this.publish(snapshot.cycle, cycle.events);
  }

  /**
   * "Retrieve minimum state": a node without a stored state takes the per-coordinate median
   * of its first peers' states; the very first node of a swarm, hearing nobody for
   * joinCycles cycles, starts from the genesis state.
   */
  private async join(reports: readonly PeerReport[]): Promise<void> {
    const d = this.params.dimensions;
    const waitFor = this.core.joinCycles ?? DEFAULT_JOIN_CYCLES;
    if (reports.length === 0 && ++this.waited < waitFor) return;
    const S =
      reports.length > 0
        ? Array.from({ length: d }, (_, c) => joinMedian(reports.map((r) => Number(r.state[c]))))
        : genesisState(this.core.genesis, d);
    this.core.log.info(
      reports.length > 0
        ? `joined from ${reports.length} peer(s): S = [${S.map((x) => x.toPrecision(6)).join(', ')}]`
        : `no peers after ${waitFor} cycles: starting from the genesis state`,
    );
    await this.startEngine(S, 0, 1, 0);
  }

  private get sharded(): boolean {
    return this.params.shards > 1;
  }

  /**
   * K > 1 (docs/shards.md, "In the node"): forming or joining, then each cycle the repair rule
   * (adopt from the holders' median), the lost-shard watch, one step of every held shard, and
   * an EP and one SDM per held shard out.
   */
  private async shardCycle(): Promise<void> {
    const heard = this.shardReports();
    const holders = new Map<number, HeardHolder[]>();
    for (const { report, shards } of heard)
      for (const k of shards) {
        const { first, width } = this.ranges[k]!;
        const list = holders.get(k) ?? [];
        list.push({ id: report.id, state: Array.from(report.state).slice(first, first + width) });
        holders.set(k, list);
      }
    const peers = this.sessionPeers();
    if (!this.engine) {
      await this.formOrJoin(peers, holders);
      if (!this.engine) return;
    }
    const engine = this.engine;
    const cycleNo = this.last?.cycle ?? 0;
    const held = new Set(this.last?.holds ?? []);
    const adopt = shardsToAdopt(
      {
        self: this.sessionId,
        r: this.params.replication,
        peers,
        held,
        wants: this.wants,
        holders,
        maxShards: this.maxShards,
        peerMaxShards: this.peerMaxShards(),
      },
      this.params.shards,
    );
    for (const k of adopt) {
      const from = holders.get(k)!;
      this.last = await engine.adopt(k, adoptionState(this.ranges[k]!, from));
      this.wants.delete(k);
      held.add(k);
      this.core.log.info(`shard ${k} adopted from ${from.length} holder(s)`);
      this.emit('shard', { type: 'adopted', shard: k, cycle: cycleNo, holders: from.length });
    }
    await this.startUnformed(engine, peers, held, holders, cycleNo);
    for (const k of this.losses.update(held, holders)) this.shardLost(k, cycleNo);

    const { snapshot, cycle } = await engine.step(
      heard.map((h) => h.report),
      0,
    );
    this.last = snapshot;
    const entropy = cycle.F.map((f) => Math.min(1, Math.max(-1, f)));
    const ep = { kind: 'ep', entropy, timestamp: Date.now(), load: 0 } as const;
    const dcs = snapshot.dcs ?? [];
    const sdms = (snapshot.holds ?? []).map((k) => {
      const { first, width } = this.ranges[k]!;
      return {
        kind: 'sdm',
        shard: k,
        state: cycle.S.slice(first, first + width),
        weight: dcs[k] ?? 0,
        cycle: snapshot.cycle,
      } as const;
    });
    this.outbox.send(this.protocol, ep, sdms);
    this.save(snapshot, cycle.events);
    this.publish(snapshot.cycle, cycle.events);
  }

  /**
   * K > 1, no state yet. A node given an initial state (a lab) forms: after joinCycles cycles it
   * takes its share of shards for the peers it has and starts them from that state. A joiner
   * takes its share as wants and holds each once it hears a holder (from the holders' median);
   * the first node of a swarm, hearing nobody, starts every shard (capacity K with no peers)
   * from genesis.
   */
  private async formOrJoin(
    peers: readonly string[],
    holders: ReadonlyMap<number, readonly HeardHolder[]>,
  ): Promise<void> {
    const d = this.params.dimensions;
    const waitFor = this.core.joinCycles ?? DEFAULT_JOIN_CYCLES;
    if (holders.size === 0 && ++this.waited < waitFor) return;
    const own = ownShards(
      this.sessionId,
      this.params.shards,
      this.params.replication,
      peers.length,
      this.maxShards,
    );
    const initial = this.core.initialState;
    if (initial || holders.size === 0) {
      const S = genesisState(initial ?? this.core.genesis, d);
      this.core.log.info(
        `${initial ? 'formed' : 'no peers: starting from the genesis state'} holding shard(s) ${own.join(', ')} of ${this.params.shards}`,
      );
      await this.startEngine(S, 0, 1, 0, own);
      if (initial) this.formedAt = 0;
      return;
    }
    this.wants = new Set(own);
    this.core.log.info(`joined wanting shard(s) ${own.join(', ')} of ${this.params.shards}`);
    await this.startEngine(new Array<number>(d).fill(0), 0, 1, 0, []);
  }

  /** The caps peers sent in their HELLO (field 6); a peer that sent none has none (K). */
  private peerMaxShards(): Map<string, number> {
    const caps = new Map<string, number>();
    for (const s of this.protocol.sessions())
      if (s.hello?.maxShards !== undefined) caps.set(s.peerId, s.hello.maxShards);
    return caps;
  }

  /**
   * A forming node (a lab's) starts a shard no member of its neighbourhood took (unformedToStart),
   * from its initial state. It waits UNFORMED_WAIT cycles after it formed, so that the members'
   * first SDMs (each one forms after joinCycles, and is heard a cycle later) have come.
   */
  private async startUnformed(
    engine: Engine,
    peers: readonly string[],
    held: Set<number>,
    holders: ReadonlyMap<number, readonly HeardHolder[]>,
    cycleNo: number,
  ): Promise<void> {
    const initial = this.core.initialState;
    if (!initial || this.formedAt === null || cycleNo - this.formedAt < UNFORMED_WAIT) return;
    const seen = (k: number) => this.losses.seen(k) || (holders.get(k)?.length ?? 0) > 0;
    const K = this.params.shards;
    const start = unformedToStart(
      {
        self: this.sessionId,
        peers,
        held,
        seen,
        room: this.maxShards - held.size,
        full: fullPeers(holders, this.peerMaxShards(), K),
      },
      K,
    );
    const S = genesisState(initial, this.params.dimensions);
    for (const k of start) {
      const { first, width } = this.ranges[k]!;
      this.last = await engine.adopt(k, S.slice(first, first + width));
      held.add(k);
      this.core.log.info(
        `shard ${k} started from the initial state: no member of the neighbourhood took it`,
      );
      this.emit('shard', { type: 'adopted', shard: k, cycle: cycleNo, holders: 0 });
    }
  }

  /** "shard lost": a log line, an event in the store's log and to listeners (the lab). */
  private shardLost(k: number, cycle: number): void {
    const reason = `shard ${k} lost: no peer holds it and this node does not`;
    this.core.log.warn(reason);
    const at = new Date().toISOString();
    this.parts.store.update((doc) => {
      doc.events.push({ at, cycle, rule: 'shard-lost', value: k, limit: null, reason });
    });
    this.emit('shard', { type: 'lost', shard: k, cycle, holders: 0 });
  }

  /**
   * K > 1: a report of every open session: its fresh SDMs' shards laid into a d-vector (NaN
   * elsewhere), their weights, its newest EP. A peer that sends none is still a peer (a
   * non-holder of every shard), as in the simulator's degree.
   */
  private shardReports(): Array<{ report: ShardPeerReport; shards: number[] }> {
    const d = this.params.dimensions;
    const eps = new Map(this.protocol.sessions().map((s) => [s.peerId, s.ep?.message.entropy]));
    const open = new Set(this.sessionPeers());
    return this.protocol
      .freshShardSdms()
      .filter(({ peerId }) => open.has(peerId))
      .map(({ peerId, sdms }) => {
        const state = new Array<number>(d).fill(NaN);
        const shardWeights = new Array<number>(this.params.shards).fill(NaN);
        for (const sdm of sdms) {
          const { first } = this.ranges[sdm.shard]!;
          sdm.state.forEach((x, c) => (state[first + c] = x));
          shardWeights[sdm.shard] = sdm.weight;
        }
        const entropy = eps.get(peerId);
        return {
          report: {
            id: peerId,
            state,
            weight: 0,
            shardWeights,
            ...(entropy && entropy.length === d ? { entropy } : {}),
          },
          shards: sdms.map((m) => m.shard),
        };
      });
  }

  /** Fresh SDMs (with each peer's newest EP) as the engine wants them. */
  private reports(): PeerReport[] {
    const eps = new Map(this.protocol.sessions().map((s) => [s.peerId, s.ep?.message.entropy]));
    return this.protocol.freshSdms().map(({ peerId, sdm }) => {
      const entropy = eps.get(peerId);
      return { id: peerId, state: sdm.state, weight: sdm.weight, ...(entropy ? { entropy } : {}) };
    });
  }

  private save(s: EngineSnapshot, events: readonly VaultEvent[]): void {
    const at = new Date();
    this.parts.store.update((doc) => {
      doc.state = {
        S: [...s.S],
        D: [...s.D],
        earned: s.earned,
        tcSelf: s.tcSelf,
        recovery: s.recovery,
        cycle: s.cycle,
        // K > 1 only: a K = 1 store is written exactly as before shards.
        ...(s.holds ? { holds: [...s.holds] } : {}),
      };
      doc.trust = { ...s.trust };
      doc.counters = countsByRule(s.counts);
      doc.history.push({ cycle: s.cycle, at: at.toISOString(), S: [...s.S] });
    });
    if (events.length > 0) this.parts.store.appendEvents(events, s.cycle, at);
  }

  private publish(cycle: number, events: readonly VaultEvent[]): void {
    const at = Date.now();
    for (const e of events) this.emit('event', { ...e, cycle, at });
    // The status reads libp2p's addresses and every session: in a browser node, whose page reads
    // the core on its own clock and does not listen, building it every cycle for nobody was a
    // tenth of a point of the page's CPU (docs/benchmarks.md, bench:browser).
    if (!this.listens('snapshot') || at - this.lastSnapshotAt < SNAPSHOT_EVERY_MS) return;
    this.lastSnapshotAt = at;
    this.emit('snapshot', { status: this.status(), state: this.state() });
  }
}

/** The drift parameters that differ from the defaults: what the store keeps as config. */
export function changedParams(p: DriftParams): Record<string, unknown> {
  const defaults = resolveParams({});
  return Object.fromEntries(
    Object.entries(p).filter(([k, v]) => defaults[k as keyof DriftParams] !== v),
  );
}

/** Refuses a stored state of another dimension than the node's (`where` names the store). */
export function checkStoredDimensions(
  doc: Readonly<StoreDocument>,
  d: number,
  where: string,
): void {
  const stored = doc.state;
  if (stored.cycle > 0 && stored.S.length !== d)
    throw new NodeConfigError(
      `${where} holds a ${stored.S.length}-dimensional state; dimensions ${d} cannot use it (choose another data folder)`,
    );
}

/**
 * A node's cap on the shards it holds, checked against K (1..K; only 1 with K = 1); absent: K.
 * Refused in one line, naming the setting.
 */
export function nodeMaxShards(value: number | undefined, K: number): number {
  if (value === undefined) return K;
  try {
    return checkMaxShards(value, K);
  } catch (err) {
    if (err instanceof MaxShardsError) throw new NodeConfigError(`maxShards ${err.message}`);
    throw err;
  }
}

/**
 * Refuses a stored state that holds a shard the node's K does not have (`where` names the
 * store): the engine would otherwise fail on it later, far from the cause. A store written with
 * K shards opened with fewer is one; with K = 1 a store without `holds` is the usual case.
 */
export function checkStoredShards(doc: Readonly<StoreDocument>, K: number, where: string): void {
  const holds = doc.state.holds;
  if (doc.state.cycle === 0 || holds === undefined) return;
  const beyond = holds.filter((k) => k >= K);
  if (beyond.length > 0)
    throw new NodeConfigError(
      `${where} holds shard(s) ${beyond.join(', ')}; shards ${K} has only 0 to ${K - 1} (set shards as the store was written, or choose another data folder)`,
    );
}

/** The genesis state as a vector of d finite components >= 0, or a NodeConfigError. */
export function genesisState(genesis: number | readonly number[], d: number): number[] {
  const S = typeof genesis === 'number' ? new Array<number>(d).fill(genesis) : [...genesis];
  if (S.length !== d || !S.every((x) => Number.isFinite(x) && x >= 0))
    throw new NodeConfigError(
      `the genesis state must have ${d} finite components >= 0 (got [${S.join(', ')}])`,
    );
  return S;
}

/**
 * A joiner's coordinate: the shard rule's median (the one an adopter starts from) of the finite
 * values (a report of the wrong shape is NaN and left out), 0 if none is.
 */
function joinMedian(xs: readonly number[]): number {
  const finite = xs.filter(Number.isFinite);
  return finite.length > 0 ? medianOf(finite) : 0;
}

/** The scheduler's jitter from its own stream of the seed (the engine's entropy uses stream 0). */
function seededUnit(seed: number | undefined): (() => number) | undefined {
  if (seed === undefined) return undefined;
  const rng = seededRng(seed, JITTER_STREAM);
  return () => rng.float();
}
