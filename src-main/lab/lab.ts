import { EventEmitter } from 'node:events';
import { ShardTally, type ShardTick } from '../../src-shared/lab/shard-tally';
import { mkdir, readdir } from 'node:fs/promises';
import {
  checkLabCommand,
  checkLabRequest,
  isLabQuery,
  MAX_LAB_BROWSERS,
  MAX_LAB_NODES,
  NO_LINK_FAULTS,
  type LabApi,
  type LabCommand,
  type LabCommandInput,
  type LabEvent,
  type LabQuery,
  type LabRequest,
  type LabResponseTo,
  type LabSnapshot,
  type LabStatus,
  type LiarBehaviour,
  type NodeKind,
  type NodeSample,
  type PartitionSpec,
  type TickMetrics,
  type CappedSlots,
} from '../../src-shared/api/lab-api';
import type { NodeStatus } from '../../src-shared/api/node-api';
import { ParamError, resolveParams, type DriftParams } from '../../src-shared/drift/params';
import { LabCommandError } from '../../src-shared/lab/errors';
import { ConvergenceTracker } from '../../src-shared/lab/convergence';
import { tickMetrics, type TrafficMark } from '../../src-shared/lab/metrics';
import { planNemesis } from '../../src-shared/lab/nemesis';
import { countChanged, PaceTracker } from '../../src-shared/lab/pace';
import {
  canTalk,
  describeSlots,
  planPartition,
  type PartitionPlan,
} from '../../src-shared/lab/partitions';
import { statesOf } from '../../src-shared/lab/recording';
import { SCENARIO_DEFAULT_DEGREE } from '../../src-shared/lab/scenario';
import { seededRng, type Rng } from '../../src-shared/random';
import { buildTopology, parseTopology, TopologyError } from '../../src-shared/sim/topology';
import { STREAM_INITIAL, STREAM_TOPOLOGY } from '../../src-shared/sim/simulator';
import { LoopDelay } from '../runtime/loop-delay';
import { RecordingWriter } from './recording-file';
import { defaultPoolCount, PoolClient, type LabPool } from './pool-client';
import { LabState } from './lab-state';
import type {
  DirectoryEntry,
  FaultTable,
  PoolInit,
  PoolNotice,
  PoolRequest,
} from '../../src-shared/lab/pool-protocol';
import { BrowserTabs, type BrowserNodeSetup } from './browser-tabs';
import type { Transport } from '../../src-shared/net/address-group';
import { errorMessage } from '../../src-shared/error-message';
import { CapDraw } from '../../src-shared/lab/capped-slots';
import {
  CappedNodesError,
  checkCappedNodes,
  type CappedNodes,
} from '../../src-shared/sim/shard-book';

/*
 * The lab's controller: it plans (topology, partitions, faults, schedules), checks every command
 * against the lab as it is, records it, and has the node pools carry it out. It runs on the
 * caller's thread (the CLI's, or the desktop app's main process, where the monitor lives), so it
 * does little per tick: one sample from each pool, the metrics over them, one recording line.
 */

export interface LabOptions {
  readonly nodes: number;
  /** A topology form as `lvs sim --topology` takes it (random:8, ws:6:0.1, ring:4, ...). */
  readonly topology: string;
  readonly seed: number;
  readonly cycleMs: number;
  readonly params: DriftParams;
  /** Each node starts from a seeded state, uniform in [min, max] per component. */
  readonly initial: { readonly min: number; readonly max: number };
  /** The lab folder: empty or new. Stores and the recording go here. */
  readonly dir: string;
  /** The spread under which the lab counts as converged. */
  readonly epsilon: number;
  readonly appVersion: string;
  /** Worker threads hosting the nodes (default: one per core). */
  readonly workers?: number;
  /** How often the lab is sampled (default: once per cycle, at least every 100 ms). */
  readonly tickMs?: number;
  readonly persistMs?: number;
  /** Write a recording (default true). */
  readonly record?: boolean;
  readonly scenario?: string;
  /** Wiring must be complete by then, or the start fails (default 30 s + 50 ms per node). */
  readonly wireTimeoutMs?: number;
  /**
   * Browser nodes: the last `count` of the `nodes` slots are Chromium tabs (0: none yet, but the
   * lab can add some). Absent: a lab of Node.js nodes only, which cannot take browser nodes
   * (its nodes have no WebSocket listener and no relay).
   */
  readonly browsers?: BrowserNodeSetup & { readonly count: number };
  /**
   * Nodes of small capacity (docs/shards.md, "In the lab"): each slot, the first nodes' and every
   * one added later, is capped with probability `share` from the lab's seed (capped-slots.ts) and
   * starts with maxShards = `shards`. Absent: every node holds up to K.
   */
  readonly capped?: CappedNodes;
}

/** How the lab keeps up: its controller's thread, and the nodes' cycle against their target. */
export interface LabHealth {
  /** From the first pool started to every node wired and released. */
  readonly startMs: number;
  /** Event-loop delay of the controller's thread since the release (the monitor lives there). */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Median over the honest nodes that are up of cycles run per second since the release. */
  readonly cyclesPerS: number;
  readonly targetCyclesPerS: number;
}

interface LabEvents {
  snapshot: [LabSnapshot];
  event: [LabEvent];
}

/** A lab that cannot start, as one line. */
export class LabStartError extends Error {
  override readonly name: string = 'LabStartError';
}

/** The lab folder holds files already: the user's to fix by naming another folder. */
export class LabFolderNotEmptyError extends LabStartError {
  override readonly name = 'LabFolderNotEmptyError';
  constructor(
    readonly dir: string,
    /** How many entries it holds. */
    readonly entries: number,
  ) {
    super(`the lab folder ${dir} is not empty (${entries} entries); choose a new folder`);
  }
}

/** The topology does not fit the lab's node count (or cannot be built): the setup's to fix. */
export class LabTopologyError extends LabStartError {
  override readonly name = 'LabTopologyError';
  constructor(
    readonly topology: string,
    readonly nodes: number,
    readonly reason: string,
  ) {
    super(`topology ${topology} on ${nodes} nodes: ${reason}`);
  }
}

const MAX_EVENTS = 10_000;
/** Seeded streams of the lab's own choices (beside the simulator's topology and initial ones). */
const STREAM_COMMANDS = 5;
const STREAM_RELAYS = 6;

export class Lab extends EventEmitter<LabEvents> implements LabApi {
  private readonly edges: Array<[number, number]>;
  private readonly neighbours = new Map<number, Set<number>>();
  private readonly directory = new Map<number, DirectoryEntry>();
  /** What the lab has been asked to be: nodes, parameters, conditions (lab-state.ts). */
  private readonly state: LabState;
  private readonly tracker: ConvergenceTracker;
  private readonly rng: Rng;
  /** Draws the Node.js neighbour a browser node without one is given (wireBrowsers). */
  private readonly relayRng: Rng;
  /** Draws each new slot's cap (null: a lab without capped nodes draws nothing). */
  private readonly capDraw: CapDraw | null;
  private readonly eventLog: LabEvent[] = [];
  private readonly pace = new PaceTracker();
  /** The nodes the pace was measured over: another count moves the median cycle by itself. */
  private paceCounted = -1;
  private last: { metrics: TickMetrics; samples: NodeSample[]; traffic: TrafficMark } | null = null;
  /** K > 1: holders, repairs and losses per shard, from the samples (docs/shards.md). */
  private shardTally: ShardTally | null = null;
  private shardTick: ShardTick | null = null;
  private t0 = 0;
  private startMs = 0;
  private startedAt = 0;
  private readonly loopDelay = new LoopDelay(5);
  private tickTimer: ReturnType<typeof setTimeout> | undefined;
  /** The nemesis schedule under way, if any. */
  private nemesis: NemesisRun | null = null;
  private nemesisUndo: LabCommand[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private stopping: Promise<string | null> | null = null;
  private recorder: RecordingWriter | null = null;
  private recorded: string | null = null;

  /** The browser nodes' tabs, each a pool of one node; the rest are on `pools`. */
  private readonly tabs = new Map<number, LabPool>();
  private constructor(
    private readonly opts: LabOptions,
    private readonly pools: PoolClient[],
    edges: Array<[number, number]>,
    private readonly browserTabs: BrowserTabs | null,
  ) {
    super();
    this.state = new LabState(opts.nodes, opts.params);
    const browsers = opts.browsers?.count ?? 0;
    for (let s = opts.nodes - browsers; s < opts.nodes; s++) this.state.browsers.add(s);
    this.edges = edges;
    for (const [a, b] of edges) this.link(a, b);
    this.tracker = new ConvergenceTracker(opts.epsilon);
    this.rng = seededRng(opts.seed, STREAM_COMMANDS);
    this.relayRng = seededRng(opts.seed, STREAM_RELAYS);
    this.capDraw = opts.capped ? new CapDraw(opts.seed, opts.capped) : null;
    this.drawCaps(0, opts.nodes, true);
  }

  /**
   * Each new slot's draw, in slot order, so that slot s is capped or not whatever was added
   * before it; a Sybil draws (keeping the slots after it as they would be) and holds up to K.
   */
  private drawCaps(first: number, count: number, capable: boolean): void {
    if (!this.capDraw) return;
    for (let s = first; s < first + count; s++) {
      const cap = this.capDraw.next();
      if (cap !== null && capable) this.state.caps.set(s, cap);
    }
  }

  /**
   * Starts the lab: its nodes (paused), their links, then every node at once; resolves when the
   * topology's links are all up and the nodes cycle. Throws LabStartError for a bad setup.
   */
  static async start(opts: LabOptions): Promise<Lab> {
    checkOptions(opts);
    const edges = topologyEdges(opts);
    await prepareFolder(opts.dir);
    const browsers = opts.browsers?.count ?? 0;
    const count = Math.min(opts.workers ?? defaultPoolCount(), opts.nodes - browsers);
    let lab: Lab | null = null;
    const onNotice = (notice: PoolNotice) => lab?.onNotice(notice);
    const init: PoolInit = {
      appVersion: opts.appVersion,
      cycleMs: opts.cycleMs,
      params: opts.params,
      seed: opts.seed,
      persistMs: opts.persistMs ?? 2_000,
      maintainMs: Math.max(250, opts.cycleMs),
    };
    // Chromium first: a browser setup that cannot run fails before any worker or store exists.
    const browserTabs = opts.browsers
      ? await BrowserTabs.start(opts.browsers, init, onNotice).catch((err: unknown) => {
          throw new LabStartError(errorMessage(err));
        })
      : null;
    const pools = Array.from({ length: count }, (_, i) =>
      PoolClient.start(i, { init, dir: opts.dir, browsers: opts.browsers !== undefined }, onNotice),
    );
    const started = new Lab(opts, pools, edges, browserTabs);
    lab = started;
    try {
      started.wireBrowsers([...started.state.browsers]);
      await started.launch();
      return started;
    } catch (err) {
      await started.stop().catch(() => undefined);
      throw err;
    }
  }

  private async launch(): Promise<void> {
    const started = performance.now();
    await this.all({ op: 'pause' });
    const rng = seededRng(this.opts.seed, STREAM_INITIAL);
    const { min, max } = this.opts.initial;
    const initial = Array.from({ length: this.state.nodes }, () =>
      Array.from({ length: this.state.params.dimensions }, () => min + (max - min) * rng.float()),
    );
    await this.startNodes(
      initial.map((state, slot) => ({ slot, initial: state })),
      STARTS_IN_FLIGHT,
    );
    await this.sendWiring();
    await this.waitForLinks(this.opts.wireTimeoutMs ?? 30_000 + 50 * this.state.nodes);
    if (this.opts.record ?? true) {
      this.recorder = await RecordingWriter.create(this.opts.dir, {
        startedAt: new Date().toISOString(),
        seed: this.opts.seed,
        nodes: this.state.nodes,
        topology: this.opts.topology,
        cycleMs: this.opts.cycleMs,
        params: this.state.params,
        edges: this.edges,
        ...(this.opts.scenario ? { scenario: this.opts.scenario } : {}),
        epsilon: this.opts.epsilon,
        ...(this.state.browsers.size > 0 ? { browsers: [...this.state.browsers] } : {}),
        ...(this.opts.capped ? { capped: this.cappedNow() } : {}),
      });
    }
    this.startedAt = Date.now();
    this.t0 = performance.now();
    this.startMs = this.t0 - started;
    this.loopDelay.enable();
    await this.all({ op: 'resume' });
    this.note({
      type: 'started',
      t: 0,
      nodes: this.state.nodes,
      links: this.edges.length,
      ms: this.startMs,
    });
    this.tracker.mark('start', 0, 0);
    this.scheduleTick();
  }

  /** What a pool says unasked: a node's line for the event log, or a node's new addresses. */
  private onNotice(notice: PoolNotice): void {
    if (notice.type === 'node') {
      this.note({ type: 'node', t: this.now(), slot: notice.slot, what: notice.what });
      return;
    }
    const entry = this.directory.get(notice.slot);
    if (!entry || this.stopping) return;
    this.directory.set(notice.slot, { ...entry, addresses: notice.addresses });
    this.sendDirectory().catch((err: unknown) =>
      this.note({ type: 'error', t: this.now(), message: `directory: ${errorMessage(err)}` }),
    );
  }

  /** Milliseconds since the nodes were released. */
  now(): number {
    return performance.now() - this.t0;
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** The lab API, typed: still checked, since a typed caller can be handed bad data. */
  request<R extends LabRequest>(req: R): Promise<LabResponseTo<R>> {
    return this.handle(req) as Promise<LabResponseTo<R>>;
  }

  /** The lab API for a transport: checks the request's shape, then answers or applies it. */
  async handle(raw: unknown): Promise<unknown> {
    if (!isLabQuery(raw)) return this.apply(raw as LabCommandInput);
    const v = checkLabRequest(raw);
    if (!v.ok) throw new LabCommandError(v.reason);
    return this.query(v.value as LabQuery);
  }

  private async query(req: LabQuery): Promise<unknown> {
    switch (req.op) {
      case 'status':
        return this.status();
      case 'snapshot':
        return this.snapshot();
      case 'links':
        return this.links();
      case 'node':
        return this.nodeStatus(req.node);
      case 'events':
        return this.events(req.limit);
    }
  }

  /**
   * Checks a command's shape, then against the lab as it is (nothing changes when either fails),
   * records it, and carries it out. Commands run one at a time, in the order they were given.
   */
  apply(input: LabCommandInput): Promise<LabStatus> {
    const checked = checkLabCommand(input);
    if (!checked.ok) return Promise.reject(new LabCommandError(checked.reason));
    // A stop preempts the schedule: from now on it queues nothing, and a command of it still
    // waiting in the queue is dropped, so the stop waits for one nemesis command at most.
    if (checked.value.op === 'nemesis-stop') this.clearNemesis();
    return this.enqueue(checked.value, null);
  }

  /** Queues a checked command; one of a nemesis schedule that has stopped since is dropped. */
  private enqueue(command: LabCommand, from: NemesisRun | null): Promise<LabStatus> {
    const run = this.queue.then(async () => {
      if (this.stopping) throw new LabCommandError('the lab is stopping');
      if (from?.stopped) return this.status();
      const prepared = this.prepare(command);
      this.note({ type: 'command', t: this.now(), command });
      await prepared();
      return this.status();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  onSnapshot(listener: (s: LabSnapshot) => void): () => void {
    this.on('snapshot', listener);
    return () => this.off('snapshot', listener);
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.on('event', listener);
    return () => this.off('event', listener);
  }

  status(): LabStatus {
    return {
      running: this.stopping === null,
      paused: this.state.paused,
      nodes: this.state.nodes,
      up: this.state.up,
      seed: this.opts.seed,
      topology: this.opts.topology,
      cycleMs: this.opts.cycleMs,
      params: this.state.params,
      partition: this.state.partition?.spec ?? null,
      cut: this.state.partition ? this.cutLinks(this.state.partition.plan) : [],
      groups: this.state.partition?.plan.groups ?? [],
      dir: this.opts.dir,
      startedAt: this.startedAt,
      epsilon: this.opts.epsilon,
      ...(this.opts.browsers ? { browsers: [...this.state.browsers].sort((a, b) => a - b) } : {}),
      ...(this.opts.capped ? { capped: this.cappedNow() } : {}),
    };
  }

  /** The capped nodes asked for, and the slots capped so far (ascending). */
  private cappedNow(): CappedSlots {
    const { share, shards } = this.opts.capped!;
    return { share, shards, slots: [...this.state.caps.keys()].sort((a, b) => a - b) };
  }

  snapshot(): LabSnapshot {
    return {
      status: this.status(),
      metrics: this.last?.metrics ?? null,
      samples: this.last?.samples ?? [],
      ...(this.shardTick ? { shards: this.shardTick } : {}),
      pace: this.pace.pace,
    };
  }

  health(): LabHealth {
    const m = this.last?.metrics;
    return {
      startMs: this.startMs,
      loopDelayP99Ms: this.loopDelay.percentileMs(99),
      loopDelayMaxMs: this.loopDelay.maxMs(),
      cyclesPerS: m && m.t > 0 ? m.cycle / (m.t / 1000) : 0,
      targetCyclesPerS: 1000 / this.opts.cycleMs,
    };
  }

  /** The recording: the file being written, or once stopped the final (maybe gzipped) file. */
  get recordingPath(): string | null {
    return this.recorded ?? this.recorder?.path ?? null;
  }

  /** The newest tick's metrics (null before the first tick). */
  get metrics(): TickMetrics | null {
    return this.last?.metrics ?? null;
  }

  /**
   * The links on the live connections, each once, lower slot first, sorted. A link counts when
   * both ends hold an open connection to each other: one end alone is a dial being refused.
   */
  async links(): Promise<Array<[number, number]>> {
    const parts = await Promise.all(this.allPools().map((p) => p.request({ op: 'links' })));
    const ends = new Map<number, Set<number>>();
    for (const [from, [a, b]] of parts.flat().map((l) => [l.from, l.link] as const)) {
      const key = a * MAX_LAB_NODES + b;
      const seen = ends.get(key) ?? new Set<number>();
      seen.add(from);
      ends.set(key, seen);
    }
    return [...ends]
      .filter(([, seen]) => seen.size === 2)
      .map(([k]) => k)
      .sort((x, y) => x - y)
      .map((k) => [Math.floor(k / MAX_LAB_NODES), k % MAX_LAB_NODES] as [number, number]);
  }

  /**
   * What carries each open connection between lab nodes, keyed `a-b` (lower slot first), as
   * each end that holds one sees it: TCP between Node.js nodes, WebSockets from a browser node
   * to a Node.js one, WebRTC between browser nodes.
   */
  async linkTransports(): Promise<Map<string, Transport[]>> {
    const parts = await Promise.all(this.allPools().map((p) => p.request({ op: 'links' })));
    const out = new Map<string, Transport[]>();
    for (const l of parts.flat()) {
      const key = `${l.link[0]}-${l.link[1]}`;
      out.set(key, [...(out.get(key) ?? []), l.transport]);
    }
    return out;
  }

  private cutLinks(plan: PartitionPlan): Array<[number, number]> {
    return this.edges.filter(([a, b]) => !canTalk(plan, a, b));
  }

  /** The topology's links as planned (the partition aside), lower slot first, sorted. */
  plannedEdges(): Array<[number, number]> {
    return [...this.edges].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  }

  nodeStatus(slot: number): Promise<NodeStatus> {
    this.mustExist([slot]);
    if (this.state.dead.has(slot))
      throw new LabCommandError(`node ${slot} is down; revive it first`);
    return this.poolOf(slot).request({ op: 'node-status', slot });
  }

  events(limit = MAX_EVENTS): LabEvent[] {
    return this.eventLog.slice(-limit);
  }

  /** Stops every node gracefully and closes the recording; resolves to its path (or null). */
  stop(): Promise<string | null> {
    this.stopping ??= (async () => {
      clearTimeout(this.tickTimer);
      this.loopDelay.disable();
      this.clearNemesis();
      await this.queue;
      await Promise.all(this.allPools().map((p) => p.stop()));
      await this.browserTabs?.close();
      this.recorded = (await this.recorder?.close()) ?? null;
      return this.recorded;
    })();
    return this.stopping;
  }

  // ------------------------------------------------------------------ commands

  /** Checks a command and returns the work that carries it out (or throws, changing nothing). */
  private prepare(c: LabCommand): () => Promise<void> {
    switch (c.op) {
      case 'partition': {
        const plan = planPartition(c.partition, this.slots(), this.rng);
        return () => this.setPartition({ spec: c.partition, plan });
      }
      case 'heal':
        return () => this.setPartition(null);
      case 'kill':
      case 'stop': {
        this.mustExist(c.nodes);
        this.mustBe(c.nodes, (s) => !this.state.dead.has(s), 'is already down');
        return () => this.takeDown(c.nodes, c.op === 'stop');
      }
      case 'revive': {
        this.mustExist(c.nodes);
        this.mustBe(c.nodes, (s) => this.state.dead.has(s), 'is running');
        return () => this.revive(c.nodes);
      }
      case 'freeze':
      case 'thaw': {
        const on = c.op === 'freeze';
        this.mustExist(c.nodes);
        this.mustBe(c.nodes, (s) => !this.state.dead.has(s), 'is dead');
        this.mustBe(
          c.nodes,
          (s) => this.state.frozen.has(s) !== on,
          on ? 'is frozen already' : 'is not frozen',
        );
        return async () => {
          for (const s of c.nodes) {
            if (on) this.state.frozen.add(s);
            else this.state.frozen.delete(s);
          }
          await this.bySlot(c.nodes, (slots) => ({ op: 'freeze', slots, on }));
        };
      }
      case 'link-faults': {
        if (c.links) this.mustExist(c.links.flat());
        const table = c.links
          ? this.withLinkFaults(c.links, c.faults)
          : { all: c.faults, links: [] };
        return async () => {
          this.state.faults = table;
          await this.all({ op: 'faults', table });
        };
      }
      case 'clock-skew':
        this.mustExist(c.nodes);
        return () => this.bySlot(c.nodes, (slots) => ({ op: 'skew', slots, factor: c.factor }));
      case 'liar': {
        this.mustExist(c.nodes);
        this.checkBehaviour(c.behaviour);
        return async () => {
          for (const s of c.nodes) this.state.liars.set(s, c.behaviour);
          await this.bySlot(c.nodes, (slots) => ({ op: 'liar', slots, behaviour: c.behaviour }));
        };
      }
      case 'honest':
        this.mustExist(c.nodes);
        return async () => {
          for (const s of c.nodes) this.state.liars.delete(s);
          await this.bySlot(c.nodes, (slots) => ({ op: 'liar', slots, behaviour: null }));
        };
      case 'sybil': {
        this.mustExist(c.targets);
        this.checkBehaviour(c.behaviour);
        this.mustFit(c.count);
        return () => this.addSybils(c.count, c.targets, c.behaviour);
      }
      case 'set-params': {
        if (c.nodes) this.mustExist(c.nodes);
        const next = this.checkParams(c.params);
        return async () => {
          if (!c.nodes) this.state.params = next;
          await (c.nodes
            ? this.bySlot(c.nodes, (slots) => ({ op: 'params', slots, params: c.params }))
            : this.all({ op: 'params', slots: null, params: c.params }));
        };
      }
      case 'add-nodes': {
        const kind = c.kind ?? 'node';
        this.mustFit(c.count);
        if (kind === 'browser') this.mustFitBrowsers(c.count);
        return () => this.addNodes(c.count, kind);
      }
      case 'nemesis': {
        const plan = planNemesis(c.schedule, this.slots(), this.rng);
        return () => Promise.resolve(this.startNemesis(plan));
      }
      case 'nemesis-stop':
        return () => this.stopNemesis();
      case 'speed':
        return async () => {
          this.state.speed = c.factor;
          this.pace.reset();
          await this.all({ op: 'speed', factor: c.factor });
        };
      case 'pause':
      case 'resume':
        return async () => {
          this.state.paused = c.op === 'pause';
          this.pace.reset();
          await this.all({ op: c.op });
        };
      case 'step':
        if (!this.state.paused)
          throw new LabCommandError('step runs one cycle of a paused lab: pause it first');
        return async () => {
          this.pace.reset();
          await this.all({ op: 'step' });
        };
    }
  }

  private async setPartition(
    p: { spec: PartitionSpec; plan: PartitionPlan } | null,
  ): Promise<void> {
    const healing = this.state.partition !== null && p === null;
    this.state.partition = p;
    // Measured from the moment the ticks' groups change, before the cut reaches the nodes: a
    // tick sampled in between already has the new groups (none after a heal), and judged by the
    // old phase it would break that phase's convergence. A partition makes the groups what
    // converges, a heal the swarm again (src-shared/lab/convergence.ts).
    const cycle = this.last?.metrics.cycle ?? 0;
    if (p !== null) this.tracker.mark('partition', this.now(), cycle);
    else if (healing) this.tracker.mark('heal', this.now(), cycle);
    await this.all({ op: 'cut', cut: p?.plan.cut ?? null });
  }

  private async takeDown(slots: readonly number[], graceful: boolean): Promise<void> {
    for (const s of slots) {
      this.state.dead.add(s);
      this.state.frozen.delete(s);
      this.directory.delete(s);
    }
    await this.bySlot(slots, (group) => ({ op: 'kill', slots: group, graceful }));
    await this.sendDirectory();
  }

  private async revive(slots: readonly number[]): Promise<void> {
    try {
      for (const s of slots) {
        const entry = await this.poolOf(s).request({ op: 'revive', slot: s });
        this.state.dead.delete(s);
        this.directory.set(s, entry);
      }
    } finally {
      // Every command is checked before it starts, so a failure here is the machine's (a store
      // that cannot be read). The nodes revived before it still get their new addresses to the
      // other pools: without them their links would stay down.
      await this.sendDirectory();
    }
  }

  private async addNodes(count: number, kind: NodeKind): Promise<void> {
    const degree = parseTopology(this.opts.topology, SCENARIO_DEFAULT_DEGREE).degree;
    const existing = this.slots().filter(
      (s) => !this.state.dead.has(s) && !this.state.liars.has(s),
    );
    const first = this.state.nodes;
    this.state.nodes += count;
    const added = Array.from({ length: count }, (_, i) => first + i);
    if (kind === 'browser') for (const s of added) this.state.browsers.add(s);
    this.drawCaps(first, count, true);
    for (const s of added) {
      for (const peer of this.pickSome(existing, Math.min(degree, existing.length)))
        this.link(peer, s);
      this.edges.push(
        ...[...(this.neighbours.get(s) ?? [])].map((p) => [p, s] as [number, number]),
      );
    }
    if (kind === 'browser') this.wireBrowsers(added);
    await this.startNodes(
      Array.from({ length: count }, (_, i) => ({ slot: first + i, initial: null })),
      STARTS_IN_FLIGHT,
    );
    await this.sendWiring();
  }

  private async addSybils(count: number, targets: readonly number[], liar: LiarBehaviour) {
    const first = this.state.nodes;
    this.state.nodes += count;
    this.drawCaps(first, count, false);
    // A component nobody holds (a lost shard, K > 1) has no mean: the Sybils start it at the
    // initial range's floor, as they start every component before the first tick.
    const state = this.last?.metrics.mean.length
      ? this.last.metrics.mean.map((m) => (Number.isFinite(m) ? m : this.opts.initial.min))
      : new Array<number>(this.state.params.dimensions).fill(this.opts.initial.min);
    for (let s = first; s < this.state.nodes; s++) {
      this.state.liars.set(s, liar);
      for (const t of targets) {
        this.link(t, s);
        this.edges.push([t, s]);
      }
    }
    await this.startNodes(
      Array.from({ length: count }, (_, i) => ({ slot: first + i, initial: state, liar })),
      STARTS_IN_FLIGHT,
    );
    await this.sendWiring();
  }

  private startNemesis(plan: ReturnType<typeof planNemesis>): void {
    this.clearNemesis();
    this.nemesisUndo = plan.filter((p) => isUndo(p.command)).map((p) => p.command);
    const run = new NemesisRun();
    this.nemesis = run;
    void this.runNemesis(run, plan);
  }

  /**
   * Applies a schedule's commands at their times, each after the one before has finished: so
   * the queue holds one of its commands at most, and a stop never waits behind the rest of it
   * (a schedule of 1 ms rounds would otherwise queue all of them at once).
   */
  private async runNemesis(run: NemesisRun, plan: ReturnType<typeof planNemesis>) {
    const started = performance.now();
    for (const step of plan) {
      if (!(await run.sleepUntil(started + step.atMs))) return;
      await this.enqueue(step.command, run).catch((err: unknown) => {
        if (!run.stopped)
          this.note({ type: 'error', t: this.now(), message: `nemesis: ${errorMessage(err)}` });
      });
    }
    if (this.nemesis === run) this.nemesis = null;
  }

  /** Stops a schedule at once and undoes what it did: the schedule always ends in a heal. */
  private async stopNemesis(): Promise<void> {
    this.clearNemesis();
    const undo = this.nemesisUndo;
    this.nemesisUndo = [];
    if (this.state.dead.size > 0)
      await this.revive([...this.state.dead].filter((s) => !this.state.liars.has(s)));
    if (this.state.frozen.size > 0) {
      const slots = [...this.state.frozen];
      this.state.frozen.clear();
      await this.bySlot(slots, (group) => ({ op: 'freeze', slots: group, on: false }));
    }
    if (undo.some((c) => c.op === 'link-faults')) {
      this.state.faults = { all: NO_LINK_FAULTS, links: [] };
      await this.all({ op: 'faults', table: this.state.faults });
    }
    await this.setPartition(null);
  }

  private clearNemesis(): void {
    this.nemesis?.stop();
    this.nemesis = null;
  }

  // ------------------------------------------------------------------ checks

  private slots(): number[] {
    return this.state.slots();
  }

  private mustExist(slots: readonly number[]): void {
    const unknown = slots.find((s) => s >= this.state.nodes);
    if (unknown !== undefined)
      throw new LabCommandError(
        `unknown node ${unknown}: the lab has slots ${describeSlots(this.slots())}`,
      );
  }

  private mustBe(slots: readonly number[], ok: (s: number) => boolean, problem: string): void {
    const bad = slots.find((s) => !ok(s));
    if (bad !== undefined) throw new LabCommandError(`node ${bad} ${problem}`);
  }

  private mustFit(count: number): void {
    if (this.state.nodes + count > MAX_LAB_NODES)
      throw new LabCommandError(
        `the lab would have ${this.state.nodes + count} nodes; at most ${MAX_LAB_NODES} are allowed`,
      );
  }

  private mustFitBrowsers(count: number): void {
    if (!this.opts.browsers)
      throw new LabCommandError(
        'this lab was started without browser nodes, so its nodes cannot take any (start it with browser nodes, even 0)',
      );
    const total = this.state.browsers.size + count;
    if (total > MAX_LAB_BROWSERS)
      throw new LabCommandError(
        `the lab would have ${total} browser nodes; at most ${MAX_LAB_BROWSERS} are allowed`,
      );
  }

  private checkBehaviour(b: LiarBehaviour): void {
    const d = this.state.params.dimensions;
    const vector = b.kind === 'constant' ? b.state : b.kind === 'pull' ? b.target : null;
    if (vector && vector.length !== d)
      throw new LabCommandError(
        `a ${b.kind} liar's ${b.kind === 'constant' ? 'state' : 'target'} must have ${d} components (the lab's dimensions), not ${vector.length}`,
      );
  }

  private checkParams(patch: Partial<DriftParams>): DriftParams {
    let next: DriftParams;
    try {
      next = resolveParams(patch, this.state.params);
    } catch (err) {
      if (err instanceof ParamError) throw new LabCommandError(err.message);
      throw err;
    }
    if (next.dimensions !== this.state.params.dimensions)
      throw new LabCommandError(
        `dimensions cannot change in a running lab (${this.state.params.dimensions})`,
      );
    // Every node would refuse it (node-core's setParams), one error each: refused once here.
    if (next.shards !== this.state.params.shards)
      throw new LabCommandError(
        `shards cannot change in a running lab (${this.state.params.shards})`,
      );
    return next;
  }

  private withLinkFaults(
    links: readonly (readonly [number, number])[],
    faults: FaultTable['all'],
  ): FaultTable {
    const key = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;
    const named = new Set(links.map(([a, b]) => key(a, b)));
    const kept = this.state.faults.links.filter(([a, b]) => !named.has(key(a, b)));
    const isNone = Object.values(faults).every((v) => v === 0);
    return {
      all: this.state.faults.all,
      links: isNone ? kept : [...kept, ...links.map(([a, b]) => [a, b, faults] as const)],
    };
  }

  // ------------------------------------------------------------------ pools and nodes

  private poolOf(slot: number): LabPool {
    return this.tabs.get(slot) ?? this.pools[slot % this.pools.length]!;
  }

  private allPools(): LabPool[] {
    return [...this.pools, ...this.tabs.values()];
  }

  private async all(req: PoolRequest): Promise<void> {
    await Promise.all(this.allPools().map((p) => p.request(req)));
  }

  /** Sends each pool the request for its own slots among `slots`. */
  private async bySlot(
    slots: readonly number[],
    req: (slots: number[]) => PoolRequest,
  ): Promise<void> {
    const groups = new Map<LabPool, number[]>();
    for (const s of slots) {
      const pool = this.poolOf(s);
      groups.set(pool, [...(groups.get(pool) ?? []), s]);
    }
    await Promise.all([...groups].map(([pool, group]) => pool.request(req(group))));
  }

  private async startNodes(
    starts: ReadonlyArray<{
      slot: number;
      initial: readonly number[] | null;
      liar?: LiarBehaviour;
    }>,
    inFlight: number,
  ): Promise<void> {
    await this.openTabs(starts.map((s) => s.slot).filter((s) => this.state.browsers.has(s)));
    // Per pool, a few at a time: hundreds of libp2p nodes starting at once stall their thread.
    const perPool = new Map<LabPool, (typeof starts)[number][]>();
    for (const s of starts)
      perPool.set(this.poolOf(s.slot), [...(perPool.get(this.poolOf(s.slot)) ?? []), s]);
    await Promise.all(
      [...perPool].map(async ([pool, list]) => {
        for (let i = 0; i < list.length; i += inFlight) {
          const batch = list.slice(i, i + inFlight);
          const entries = await Promise.all(
            batch.map((s) =>
              pool.request({
                op: 'start',
                slot: s.slot,
                initial: s.initial,
                ...(s.liar ? { liar: s.liar } : {}),
                ...(this.state.caps.has(s.slot) ? { maxShards: this.state.caps.get(s.slot)! } : {}),
              }),
            ),
          );
          for (const e of entries) this.directory.set(e.slot, e);
        }
      }),
    );
  }

  /**
   * Opens the tabs of new browser nodes, a few at a time; each is a pool the lab tells what
   * every pool is told (the directory, the wiring, the conditions) from then on.
   */
  private async openTabs(slots: readonly number[]): Promise<void> {
    const tabs = this.browserTabs;
    if (!tabs) return;
    for (let i = 0; i < slots.length; i += TABS_IN_FLIGHT) {
      const opened = await Promise.all(slots.slice(i, i + TABS_IN_FLIGHT).map((s) => tabs.open(s)));
      for (const tab of opened) this.tabs.set(tab.slot, tab);
    }
    // A new tab's pool knows only the lab's start: it is told what the lab is now, as a
    // worker's pool was along the way (before the release, every pool holds its nodes paused).
    const now: PoolRequest[] = [
      { op: 'params', slots: null, params: this.state.params },
      { op: 'speed', factor: this.state.speed },
      { op: 'faults', table: this.state.faults },
      { op: this.state.paused || this.t0 === 0 ? 'pause' : 'resume' },
    ];
    for (const s of slots) for (const req of now) await this.tabs.get(s)?.request(req);
  }

  /**
   * Gives each browser node at least one Node.js neighbour: a browser node cannot listen, so
   * another browser reaches it only through a relay it holds a reservation on, and it reserves
   * on the Node.js nodes it is connected to. The neighbour is drawn from a stream of its own, so
   * a lab without browsers plans exactly as before.
   */
  private wireBrowsers(slots: readonly number[]): void {
    // Honest ones if there are any (a liar relays as well, but a browser should not depend on it);
    // there is always a Node.js node (checkOptions keeps one).
    const nodes = this.slots().filter((s) => !this.state.browsers.has(s));
    const honest = nodes.filter((s) => !this.state.liars.has(s));
    const desktops = honest.length > 0 ? honest : nodes;
    for (const s of slots) {
      if ([...(this.neighbours.get(s) ?? [])].some((p) => !this.state.browsers.has(p))) continue;
      const relay = desktops[this.relayRng.int(desktops.length)]!;
      this.link(relay, s);
      this.edges.push([Math.min(relay, s), Math.max(relay, s)]);
    }
  }

  private link(a: number, b: number): void {
    if (a === b) return;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const set = this.neighbours.get(x) ?? new Set<number>();
      set.add(y);
      this.neighbours.set(x, set);
    }
  }

  private pickSome(from: readonly number[], k: number): number[] {
    const copy = [...from];
    for (let i = 0; i < k; i++) {
      const j = i + this.rng.int(copy.length - i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, k);
  }

  private async sendDirectory(): Promise<void> {
    await this.all({ op: 'directory', entries: [...this.directory.values()] });
  }

  private async sendWiring(): Promise<void> {
    await this.sendDirectory();
    const neighbours = Object.fromEntries(
      [...this.neighbours].map(([s, set]) => [s, [...set].sort((x, y) => x - y)]),
    );
    await this.all({ op: 'wiring', neighbours });
  }

  private async waitForLinks(timeoutMs: number): Promise<void> {
    const want = this.edges.length;
    const deadline = performance.now() + timeoutMs;
    let have = 0;
    while (performance.now() < deadline) {
      have = (await this.links()).length;
      if (have >= want) return;
      await this.all({ op: 'maintain' });
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new LabStartError(
      `only ${have} of the topology's ${want} links came up within ${Math.round(timeoutMs / 1000)} s`,
    );
  }

  // ------------------------------------------------------------------ ticks

  private scheduleTick(): void {
    const every = this.opts.tickMs ?? Math.max(100, this.opts.cycleMs);
    this.tickTimer = setTimeout(() => {
      this.tick()
        .catch((err: unknown) =>
          this.note({
            type: 'error',
            t: this.now(),
            message: `sampling failed: ${errorMessage(err)}`,
          }),
        )
        .finally(() => {
          if (!this.stopping) this.scheduleTick();
        });
    }, every);
  }

  private async tick(): Promise<void> {
    const parts = await Promise.all(this.allPools().map((p) => p.request({ op: 'sample' })));
    const samples = parts.flat().sort((a, b) => a.slot - b.slot);
    const { metrics, traffic } = tickMetrics({
      t: this.now(),
      samples,
      groups: this.state.partition?.plan.groups ?? [],
      previous: this.last?.traffic ?? null,
      shards: this.opts.params.shards,
    });
    this.last = { metrics, samples, traffic };
    const p = this.opts.params;
    if (p.shards > 1) {
      this.shardTally ??= new ShardTally(p.dimensions, p.shards, p.replication);
      const { tick, notes } = this.shardTally.observe(samples);
      this.shardTick = tick;
      for (const n of notes) this.note({ ...n, t: metrics.t });
    }
    const converged = this.tracker.observe(metrics);
    if (converged) this.note(converged);
    this.observePace(metrics);
    this.recorder?.write({ type: 'tick', metrics, states: statesOf(samples) });
    this.emit('snapshot', this.snapshot());
  }

  /** Measures the pace at this tick; a crossing into or out of "behind" is an event. */
  private observePace(m: TickMetrics): void {
    if (this.state.paused || m.counted === 0) {
      this.pace.reset();
      return;
    }
    if (countChanged(this.paceCounted, m.counted)) {
      this.pace.reset();
      this.paceCounted = m.counted;
    }
    const { pace, changed } = this.pace.observe(m.t, m.cycle, {
      perS: (1000 / this.opts.cycleMs) * this.state.speed,
      nodes: this.state.up,
    });
    if (changed && pace) this.note({ type: 'pace', t: m.t, pace });
  }

  private note(e: LabEvent): void {
    this.eventLog.push(e);
    if (this.eventLog.length > MAX_EVENTS) this.eventLog.shift();
    this.recorder?.write({ type: 'event', event: e });
    this.emit('event', e);
  }
}

const STARTS_IN_FLIGHT = 8;
/** Chromium tabs opened at once: each starts a renderer process. */
const TABS_IN_FLIGHT = 4;

/** A nemesis schedule being applied; stopped by nemesis-stop, a new schedule or the lab's stop. */
class NemesisRun {
  stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;

  /** Waits until performance.now() reaches `at`; false when the run stopped first. */
  sleepUntil(at: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((done) => {
      this.wake = () => done(false);
      this.timer = setTimeout(() => done(!this.stopped), Math.max(0, at - performance.now()));
      this.timer.unref?.();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }
}

function isUndo(c: LabCommand): boolean {
  return (
    c.op === 'heal' ||
    c.op === 'revive' ||
    c.op === 'thaw' ||
    (c.op === 'link-faults' && Object.values(c.faults).every((v) => v === 0))
  );
}

function checkOptions(o: LabOptions): void {
  const fail = (what: string) => {
    throw new LabStartError(what);
  };
  if (!Number.isInteger(o.nodes) || o.nodes < 2 || o.nodes > MAX_LAB_NODES)
    fail(`a lab needs 2..${MAX_LAB_NODES} nodes (got ${o.nodes})`);
  if (!(o.epsilon > 0)) fail(`epsilon must be > 0 (got ${o.epsilon})`);
  if (!(o.initial.min >= 0 && o.initial.max >= o.initial.min))
    fail(`initial states need 0 <= min <= max (got ${o.initial.min}..${o.initial.max})`);
  if (o.browsers) {
    const b = o.browsers.count;
    if (!Number.isInteger(b) || b < 0 || b > Math.min(MAX_LAB_BROWSERS, o.nodes - 1))
      fail(
        `browser nodes must be 0..${Math.min(MAX_LAB_BROWSERS, o.nodes - 1)} (at most ${MAX_LAB_BROWSERS}, and at least one Node.js node to relay for them; got ${b})`,
      );
  }
  if (o.capped) {
    if (!(o.capped.share >= 0 && o.capped.share <= 1))
      fail(`the share of capped nodes must be in [0, 1] (got ${o.capped.share})`);
    try {
      checkCappedNodes(o.capped, o.params.shards);
    } catch (err) {
      if (!(err instanceof CappedNodesError)) throw err;
      fail(`capped nodes: ${err.fault === 'cap' ? 'their maxShards ' : ''}${err.message}`);
    }
  }
  if (
    o.workers !== undefined &&
    !(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 64)
  )
    fail(`workers must be 1..64 (got ${o.workers})`);
}

function topologyEdges(o: LabOptions): Array<[number, number]> {
  try {
    const g = buildTopology(
      parseTopology(o.topology, SCENARIO_DEFAULT_DEGREE),
      o.nodes,
      seededRng(o.seed, STREAM_TOPOLOGY),
    );
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < g.n; i++)
      for (let e = g.offsets[i]!; e < g.offsets[i + 1]!; e++) {
        const j = g.neighbors[e]!;
        if (i < j) edges.push([i, j]);
      }
    return edges;
  } catch (err) {
    if (err instanceof TopologyError) throw new LabTopologyError(o.topology, o.nodes, err.message);
    throw err;
  }
}

/** The lab folder must be new or empty: a lab never runs over another lab's stores. */
async function prepareFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) throw new LabFolderNotEmptyError(dir, entries.length);
}
