import './p2p/polyfill';
import { EventEmitter } from 'node:events';
import {
  checkNodeRequest,
  MAX_EVENTS,
  MAX_HISTORY,
  type HistoryPoint,
  type LoggedEvent,
  type NodeRequest,
  type NodeResponses,
  type NodeSnapshot,
  type NodeStateView,
  type NodeStatus,
  type PeerView,
} from '../../src-shared/api/node-api';
import type { PeerReport } from '../../src-shared/drift/node-drift';
import { resolveParams, type DriftParams } from '../../src-shared/drift/params';
import {
  countsByRule,
  emptyCounts,
  RULES,
  type RuleName,
  type VaultEvent,
} from '../../src-shared/drift/rules';
import { seededRng } from '../../src-shared/random';
import type { StateDiffMessage } from '../../src-shared/protocol/messages';
import { startEngine, type Engine, type EngineKind } from './engine/drift-engine';
import type { EngineSnapshot } from './engine/engine-protocol';
import { CycleScheduler } from './engine/scheduler';
import { Discovery, type DiscoveryOptions } from './p2p/discovery';
import { createHost, toMultiaddr, type Host, type HostOptions } from './p2p/host';
import { EVICTION_DEFAULTS, type EvictionPolicy, type PeerFacts } from './p2p/inbound-eviction';
import { DriftProtocol } from '../../src-shared/protocol';
import { sessionFacts } from './session-facts';
import type { FrameShaper } from '../../src-shared/protocol/link-shaper';
import { NodeStore, STORE_FILE, type Recovered } from './store';
import type { StoreLimits } from './store/schema';
import { errorMessage } from '../../src-shared/error-message';

/** A minimal structured logger; `lvs node` passes pino, tests pass a collector. */
export interface NodeLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

export interface LvsNodeOptions {
  /** The data folder (store and lock). */
  readonly dataDir: string;
  readonly appVersion: string;
  /** Drift parameters; the dimension must match a stored state, if there is one. */
  readonly params: DriftParams;
  readonly cycleMs: number;
  readonly host: HostOptions;
  /**
   * Bootstrap addresses, the address book and peer exchange (a personal node); absent, the node
   * dials nobody by itself (a lab's node, whose links are the lab's topology).
   */
  readonly discovery?: DiscoveryOptions;
  /** S of the very first node of a swarm: one value for every component, or the vector. */
  readonly genesis: number | readonly number[];
  /** Cycles a node without a stored state waits for its peers' states before genesis. */
  readonly joinCycles?: number;
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
  /** Network faults on the frames this node sends (a lab). */
  readonly shaper?: FrameShaper;
  /**
   * Low-power mode when the event loop lags (default true). A lab turns it off: its nodes share
   * a thread, so one node's lag is everyone's, and a histogram timer per node would add to it.
   */
  readonly lowPowerOnLag?: boolean;
  readonly log: NodeLog;
}

/**
 * A node that lies (a lab's attack): it runs its cycle as usual, but chooses what each peer is
 * told from the honest SDM and the peer's own newest one, or sends undecodable frames instead.
 */
export type Liar =
  | {
      readonly kind: 'tell';
      tell(
        peerId: string,
        theirs: StateDiffMessage | undefined,
        honest: StateDiffMessage,
      ): StateDiffMessage;
    }
  | { readonly kind: 'garbage'; body(): Uint8Array };

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

/** Refused configuration: one line for the user. */
export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
}

interface LvsNodeEvents {
  snapshot: [NodeSnapshot];
  event: [LoggedEvent];
}

const DEFAULT_JOIN_CYCLES = 3;
const JITTER_STREAM = 1;

/**
 * A personal LVS node: the libp2p host and the drift protocol on this thread, the drift engine
 * in a worker, the store on disk, and a scheduler that runs one cycle every cycleMs:
 * fresh peer states in, one engine step, EP and SDM out, the result saved (coalesced).
 */
export class LvsNode extends EventEmitter<LvsNodeEvents> {
  private engine: Engine | null = null;
  private liar: Liar | null = null;
  private last: EngineSnapshot | null = null;
  private params: DriftParams;
  private waited = 0;
  private lastSnapshotAt = 0;
  private readonly startedAt = Date.now();
  private readonly scheduler: CycleScheduler;
  private stopping: Promise<void> | null = null;
  private discovery: Discovery | null = null;

  private constructor(
    private readonly opts: LvsNodeOptions,
    private readonly store: NodeStore,
    private readonly host: Host,
    private readonly protocol: DriftProtocol,
    readonly recovered: Recovered,
  ) {
    super();
    this.params = opts.params;
    const random = seededUnit(opts.seed);
    this.scheduler = new CycleScheduler({
      cycleMs: opts.cycleMs,
      ...(random ? { random } : {}),
      ...(opts.lowPowerOnLag === false ? { lagLimitMs: null } : {}),
      onTick: () => this.cycle(),
      onLowPower: (on, reasons) =>
        opts.log.info(on ? `low-power mode on (${reasons.join(', ')})` : 'low-power mode off'),
      onError: (err) => opts.log.error(`drift cycle failed: ${errorMessage(err)}`),
    });
  }

  /** Opens the store (taking its lock), starts the host, the protocol and the cycle. */
  static async start(opts: LvsNodeOptions): Promise<LvsNode> {
    const d = opts.params.dimensions;
    const genesis = genesisState(opts.genesis, d);
    const opened = await NodeStore.open(opts.dataDir, {
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
      const stored = store.data.state;
      if (stored.cycle > 0 && stored.S.length !== d)
        throw new NodeConfigError(
          `${opts.dataDir} holds a ${stored.S.length}-dimensional state; dimensions ${d} cannot use it (choose another data folder)`,
        );
      host = await createHost({
        ...opts.host,
        evictionPolicy: { ...evictionTimes(opts.cycleMs), ...opts.host.evictionPolicy },
      });
      const protocol = new DriftProtocol({
        dimensions: d,
        cycleMs: opts.cycleMs,
        log: (line) => opts.log.info(line),
        ...(opts.shaper ? { shaper: opts.shaper } : {}),
      });
      const node = new LvsNode(opts, store, host, protocol, opened.recovered);
      protocol.addEventListener('session:refused', (e) =>
        opts.log.warn(`refused peer ${e.detail.peerId}: ${e.detail.reason}`),
      );
      // Every bad frame costs its sender trust, as an anomaly would (docs/model.md, "Messages").
      protocol.addEventListener('frame:bad', (e) => node.penalise(e.detail.peerId));
      // The inbound evictor weighs peers by what they sent and how far the node trusts them.
      host.inbound?.provide(() => node.peerFacts());
      // A refusal at debug: under a flood of dials there is one per dial.
      host.inbound?.onEvict((e) =>
        e.evicted === undefined
          ? opts.log.debug(`inbound slots full, every peer protected: refused ${e.newcomer}`)
          : opts.log.info(`evicted inbound peer ${e.evicted} (${e.reason}) to admit ${e.newcomer}`),
      );
      await protocol.start(host);
      if (opts.discovery) {
        node.discovery = await Discovery.start(opts.discovery, {
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
        });
      }
      store.update((doc) => {
        doc.config = { ...doc.config, params: changedParams(opts.params), cycleMs: opts.cycleMs };
      });
      if (stored.cycle === 0 && opts.initialState) {
        await node.startEngine(genesisState(opts.initialState, d), 0, 1, 0);
      } else if (stored.cycle > 0) {
        await node.startEngine(stored.S, stored.earned, stored.tcSelf, stored.cycle);
        const from = opened.recovered === 'backup' ? `${STORE_FILE}.bak` : STORE_FILE;
        opts.log.info(
          `resumed cycle ${stored.cycle} from ${from}: S = [${stored.S.map((x) => x.toPrecision(6)).join(', ')}]`,
          { resumed: { cycle: stored.cycle, from, S: [...stored.S] } },
        );
      }
      node.scheduler.start();
      opts.log.info(`listening on ${host.addresses().join(' ')}`);
      return node;
    } catch (err) {
      await host?.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  get sessionId(): string {
    return this.host.peerId.toString();
  }

  /** The peers with an open drift session (their HELLO arrived). */
  sessionPeers(): string[] {
    return this.protocol
      .sessions()
      .filter((s) => s.hello !== undefined)
      .map((s) => s.peerId);
  }

  /** What each drift session has sent, with the engine's trust in it (for inbound eviction). */
  private peerFacts(): PeerFacts[] {
    const trust = this.last?.trust ?? {};
    return this.protocol.sessions().map((s) => sessionFacts(s, trust[s.peerId]));
  }

  /** The libp2p host (a lab cuts, dials and hangs up on it). */
  get p2p(): Host {
    return this.host;
  }

  /** Frames and bytes this node's drift protocol sent and received since start. */
  traffic(): ReturnType<DriftProtocol['traffic']> {
    return this.protocol.traffic();
  }

  /** VaultGuard interventions since the engine started, by rule. */
  interventions(): Record<RuleName, number> {
    return countsByRule(this.last?.counts ?? emptyCounts());
  }

  /** Makes the node lie from its next cycle (a lab's attack); null makes it honest again. */
  setLiar(liar: Liar | null): void {
    this.liar = liar;
  }

  /** A frozen node stops cycling and answering (a lab's fault, like a stopped process). */
  freeze(on: boolean): void {
    this.protocol.setFrozen(on);
    if (on) this.scheduler.pause();
    else this.scheduler.resume();
  }

  get frozen(): boolean {
    return this.protocol.isFrozen;
  }

  /** Stretches (factor > 1) or shortens this node's cycle period: a skewed clock. */
  setClockSkew(factor: number): void {
    this.scheduler.setSkew(factor);
  }

  /** One cycle now while paused (a lab stepping cycle by cycle). */
  step(): Promise<void> {
    return this.scheduler.stepOnce();
  }

  /**
   * Stops as a crash would: no final save (the store keeps its last coalesced write), peers cut
   * off without a goodbye. Only the lock is given back, so the node can be revived in-process.
   */
  crash(): Promise<void> {
    this.stopping ??= (async () => {
      this.scheduler.stop();
      this.discovery?.halt();
      await this.store.abandon();
      await this.host.stop().catch(() => undefined);
      await this.protocol.stop().catch(() => undefined);
      await this.engine?.stop();
    })();
    return this.stopping;
  }

  addresses(): string[] {
    return this.host.addresses().map(String);
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
    for (const p of peers) {
      const theirs = p.sdm?.message.state;
      if (!theirs || theirs.length !== S.length) continue;
      for (let c = 0; c < S.length; c++) sq += (theirs[c]! - S[c]!) ** 2;
      n++;
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
      ...(this.discovery ? { network: this.discovery.view() } : {}),
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
    };
  }

  peers(): PeerView[] {
    const trust = this.last?.trust ?? {};
    return this.protocol.sessions().map((s) => ({
      sessionId: s.peerId,
      address: s.remoteAddr,
      trust: trust[s.peerId] ?? 0.5,
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
    return this.store.data.events.slice(-limit).flatMap((e) =>
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
    return this.store.data.history
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
    if (this.engine) this.last = await this.engine.setParams(next);
    this.params = next;
    this.store.update((doc) => {
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
    const connection = await this.host.libp2p.dial(toMultiaddr(address));
    return connection.remotePeer.toString();
  }

  async disconnect(peer: string): Promise<void> {
    const conns = this.host.libp2p.getConnections().filter((c) => c.remotePeer.toString() === peer);
    await Promise.all(conns.map((c) => c.close()));
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

  /** The node API, typed: still checked, since a typed caller can be handed bad data. */
  request<R extends NodeRequest>(req: R): Promise<NodeResponses[R['op']]> {
    return this.handle(req) as Promise<NodeResponses[R['op']]>;
  }

  /** The node API for a transport (IPC, WebSocket): checks the request, then answers it. */
  async handle(raw: unknown): Promise<NodeResponses[NodeRequest['op']]> {
    const v = checkNodeRequest(raw);
    if (!v.ok) throw new NodeConfigError(v.reason);
    return this.answer(v.request);
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

  /** Graceful stop: no new cycle, a final save, peers closed, the lock given back. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.scheduler.stop();
      // The book's last changes go to the store with the final save.
      await this.discovery
        ?.stop()
        .catch((err) => this.opts.log.warn(`stopping discovery: ${errorMessage(err)}`));
      await this.protocol
        .stop()
        .catch((err) => this.opts.log.warn(`stopping the protocol: ${errorMessage(err)}`));
      await this.host
        .stop()
        .catch((err) => this.opts.log.warn(`stopping the host: ${errorMessage(err)}`));
      await this.engine?.stop();
      await this.store.close();
    })();
    return this.stopping;
  }

  private async startEngine(
    S: readonly number[],
    earned: number,
    tcSelf: number,
    cycle: number,
  ): Promise<void> {
    const engine = await startEngine(this.opts.engine ?? 'worker', {
      params: this.params,
      state: S,
      earned,
      tcSelf,
      cycle,
      ...(this.opts.seed === undefined ? {} : { seed: this.opts.seed }),
    });
    // The state first, then the engine: `joined` (engine set) must mean the state is readable.
    this.last = await engine.snapshot();
    this.engine = engine;
  }

  private penalise(peerId: string): void {
    this.engine
      ?.penalise(peerId)
      .catch((err) => this.opts.log.warn(`penalising ${peerId}: ${errorMessage(err)}`));
  }

  /**
   * One drift cycle (docs/model.md, "One cycle"), or a step of joining while the node has no
   * state yet.
   */
  private async cycle(): Promise<void> {
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
    const liar = this.liar;
    if (!liar) this.protocol.broadcastCycle(ep, sdm);
    else if (liar.kind === 'garbage') this.protocol.broadcastRaw(liar.body());
    else this.protocol.broadcastCycle(ep, sdm, (peer, theirs) => liar.tell(peer, theirs, sdm));
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
    const waitFor = this.opts.joinCycles ?? DEFAULT_JOIN_CYCLES;
    if (reports.length === 0 && ++this.waited < waitFor) return;
    const S =
      reports.length > 0
        ? Array.from({ length: d }, (_, c) => median(reports.map((r) => Number(r.state[c]))))
        : genesisState(this.opts.genesis, d);
    this.opts.log.info(
      reports.length > 0
        ? `joined from ${reports.length} peer(s): S = [${S.map((x) => x.toPrecision(6)).join(', ')}]`
        : `no peers after ${waitFor} cycles: starting from the genesis state`,
    );
    await this.startEngine(S, 0, 1, 0);
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
    this.store.update((doc) => {
      doc.state = {
        S: [...s.S],
        D: [...s.D],
        earned: s.earned,
        tcSelf: s.tcSelf,
        recovery: s.recovery,
        cycle: s.cycle,
      };
      doc.trust = { ...s.trust };
      doc.counters = countsByRule(s.counts);
      doc.history.push({ cycle: s.cycle, at: at.toISOString(), S: [...s.S] });
    });
    if (events.length > 0) this.store.appendEvents(events, s.cycle, at);
  }

  private publish(cycle: number, events: readonly VaultEvent[]): void {
    const at = Date.now();
    for (const e of events) this.emit('event', { ...e, cycle, at });
    if (at - this.lastSnapshotAt < 200) return;
    this.lastSnapshotAt = at;
    this.emit('snapshot', { status: this.status(), state: this.state() });
  }
}

/** The drift parameters that differ from the defaults: what the store keeps as config. */
function changedParams(p: DriftParams): Record<string, unknown> {
  const defaults = resolveParams({});
  return Object.fromEntries(
    Object.entries(p).filter(([k, v]) => defaults[k as keyof DriftParams] !== v),
  );
}

function genesisState(genesis: number | readonly number[], d: number): number[] {
  const S = typeof genesis === 'number' ? new Array<number>(d).fill(genesis) : [...genesis];
  if (S.length !== d || !S.every((x) => Number.isFinite(x) && x >= 0))
    throw new NodeConfigError(
      `the genesis state must have ${d} finite components >= 0 (got [${S.join(', ')}])`,
    );
  return S;
}

function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The scheduler's jitter from its own stream of the seed (the engine's entropy uses stream 0). */
function seededUnit(seed: number | undefined): (() => number) | undefined {
  if (seed === undefined) return undefined;
  const rng = seededRng(seed, JITTER_STREAM);
  return () => rng.float();
}
