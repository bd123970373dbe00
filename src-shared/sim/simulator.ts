import { driftCoefficient, entropyVariance } from '../drift/coefficient';
import {
  compileParams,
  createScratch,
  EDGE_FIELDS,
  EDGE_TRUST,
  stepRange,
  type DriftArrays,
  type KernelParams,
  type Scratch,
} from '../drift/kernel';
import type { DriftParams } from '../drift/params';
import { countsByRule, RULE_COUNT, type RuleName } from '../drift/rules';
import { shardRanges, type ShardRange } from '../drift/shard-rule';
import { TRUST_PRIOR } from '../drift/vaultguard';
import { rngFromState, RNG_STATE_INTS, seededRng, seedStreams } from '../random';
import type { Graph } from './graph';
import {
  heldMean,
  heldStd,
  maxPairwiseDistance,
  networkMean,
  spreadOf,
  stdPerCoordinate,
  type HeldComponents,
} from './metrics';
import { ShardBook, type CappedNodes, type ShardCycleMetrics } from './shard-book';

/*
 * The whole-network simulator: every node's state in one Float64Array, neighbours in the
 * graph's compressed rows, and each node stepped by the same kernel the personal node runs.
 * The buffers can live in SharedArrayBuffers so that worker threads step disjoint blocks of
 * nodes; a run is bit-identical however many threads share it.
 */

/** Nodes per entropy stream: the unit of work a thread owns, so streams never move. */
export const BLOCK = 4096;

/**
 * Doubles per thread's row of VaultGuard counters: 128 bytes, two cache lines, so that two
 * threads' counters never share a line (RULE_COUNT of them are used).
 */
const COUNTS_ROW = 16;

/** Random streams of one seed: the topology, the initial states, then one per block. */
export const STREAM_TOPOLOGY = 0;
export const STREAM_INITIAL = 1;
const STREAM_FIRST_BLOCK = 2;

/**
 * The whole network's arrays: the kernel's, except that the states come as the pair that
 * cycles alternate between, and the counters as one row per thread.
 */
export interface SimBuffers extends Omit<
  DriftArrays,
  'state' | 'next' | 'fresh' | 'counts' | 'stride' | 'first' | 'holders'
> {
  readonly n: number;
  /**
   * K. The per-node arrays (claims, earned, tcSelf, recovery) hold K rows of n, one per shard,
   * and `edges` K rows of one record per edge: each shard drifts with its own trust and guards.
   */
  readonly shards: number;
  /** holds[k * n + i] = 1 while node i holds shard k (all ones when K = 1 and nobody churns). */
  readonly holds: Uint8Array;
  /** The two state buffers: cycle t reads states[t % 2] and writes the other. */
  readonly states: readonly [Float64Array, Float64Array];
  /**
   * Where each block's entropy stream stands (RNG_STATE_INTS per block). A block's stream moves
   * on only when the block is stepped, so any thread may step any block, cycle after cycle.
   */
  readonly streams: Int32Array;
  /** A row of COUNTS_ROW counters per thread (RULE_COUNT used), so no two threads share a line. */
  readonly counts: Float64Array;
}

/** Typed arrays in shared memory when threads will step the run, in plain memory otherwise. */
function allocator(shared: boolean) {
  const memory = (bytes: number): ArrayBufferLike =>
    shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return {
    f64: (length: number) => new Float64Array(memory(length * 8)),
    f32: (length: number) => new Float32Array(memory(length * 4)),
    i32: (length: number) => new Int32Array(memory(length * 4)),
    u8: (length: number) => new Uint8Array(memory(length)),
  };
}

export function allocateBuffers(
  graph: Graph,
  d: number,
  threads: number,
  shared: boolean,
  shards = 1,
): SimBuffers {
  const alloc = allocator(shared);
  const n = graph.n;
  const m = graph.neighbors.length;
  const offsets = alloc.i32(n + 1);
  offsets.set(graph.offsets);
  const neighbors = alloc.i32(m);
  neighbors.set(graph.neighbors);
  const edges = alloc.f32(shards * m * EDGE_FIELDS);
  for (let e = 0; e < shards * m; e++) edges[e * EDGE_FIELDS + EDGE_TRUST] = TRUST_PRIOR;
  const tcSelf = alloc.f64(shards * n);
  tcSelf.fill(1);
  const holds = alloc.u8(shards * n);
  holds.fill(1);
  return {
    n,
    d,
    shards,
    holds,
    offsets,
    neighbors,
    states: [alloc.f64(n * d), alloc.f64(n * d)],
    drift: alloc.f64(n * d),
    entropy: alloc.f64(n * d),
    claims: alloc.f64(shards * n),
    edges,
    earned: alloc.f64(shards * n),
    tcSelf,
    recovery: alloc.u8(shards * n),
    streams: alloc.i32(Math.ceil(n / BLOCK) * RNG_STATE_INTS),
    counts: alloc.f64(threads * COUNTS_ROW),
  };
}

/** The parameters of the run that every thread needs to step its share. */
export interface RunSpec {
  readonly params: DriftParams;
  readonly seed: number;
  /** Share of the nodes that leave each cycle, replaced by as many newcomers (default 0). */
  readonly churn?: number;
  /** Nodes of small capacity (docs/shards.md, "Capacity"); absent: none is capped. */
  readonly capped?: CappedNodes;
}

/**
 * The kernel's view of the buffers for one shard (the whole state when K = 1): its range of
 * the state, its holders, and its rows of the per-node and per-edge arrays.
 */
function shardView(
  b: SimBuffers,
  range: ShardRange,
  k: number,
  t: 0 | 1,
  counts: Float64Array,
  everyHolds: boolean,
): DriftArrays {
  const { n } = b;
  const m = b.neighbors.length;
  const row = <T extends Float64Array | Uint8Array>(a: T): T => a.subarray(k * n, (k + 1) * n) as T;
  return {
    d: range.width,
    stride: b.d,
    first: range.first,
    holders: everyHolds ? null : b.holds.subarray(k * n, (k + 1) * n),
    offsets: b.offsets,
    neighbors: b.neighbors,
    state: b.states[t],
    next: b.states[1 - t],
    drift: b.drift,
    entropy: b.entropy,
    claims: row(b.claims),
    edges: b.edges.subarray(k * m * EDGE_FIELDS, (k + 1) * m * EDGE_FIELDS),
    fresh: null,
    earned: row(b.earned),
    tcSelf: row(b.tcSelf),
    recovery: row(b.recovery),
    counts,
  };
}

/** The kernel's views of the buffers for cycles of each parity, and a thread's own scratch. */
export class BlockStepper {
  /** views[k][parity]: shard k's view for cycles of that parity. */
  private readonly views: readonly (readonly [DriftArrays, DriftArrays])[];
  private readonly kernel: KernelParams;
  private readonly scratch: Scratch;
  private readonly drawEntropy: boolean;
  /** The holding peers of the node whose claim is being computed. */
  private readonly heard: Int32Array;

  constructor(
    private readonly b: SimBuffers,
    private readonly spec: RunSpec,
    thread: number,
  ) {
    const counts = b.counts.subarray(thread * COUNTS_ROW, thread * COUNTS_ROW + RULE_COUNT);
    // One shard and no churn: every node holds the whole state, every cycle (today's run).
    const everyHolds = !hasShardBook(spec);
    this.views = shardRanges(b.d, b.shards).map(
      (range, k) =>
        [
          shardView(b, range, k, 0, counts, everyHolds),
          shardView(b, range, k, 1, counts, everyHolds),
        ] as const,
    );
    this.kernel = compileParams(spec.params);
    let maxDegree = 0;
    for (let i = 0; i < b.n; i++) maxDegree = Math.max(maxDegree, b.offsets[i + 1] - b.offsets[i]);
    this.scratch = createScratch(b.d, maxDegree);
    this.heard = new Int32Array(maxDegree);
    // Entropy that is multiplied by zero and read by nobody need not be drawn.
    this.drawEntropy = spec.params.alpha > 0 || spec.params.weighting === 'claimed';
  }

  /** Steps nodes [from, to) of cycle `cycle`; `from` and `to` are block-aligned (or n). */
  step(cycle: number, from: number, to: number): void {
    const parity = cycle % 2 === 0 ? 0 : 1;
    const d = this.b.d;
    for (let start = from; start < to; start += BLOCK) {
      const end = Math.min(start + BLOCK, to);
      if (this.drawEntropy) {
        const at = (start / BLOCK) * RNG_STATE_INTS;
        const rng = rngFromState(this.b.streams, at);
        const E = this.b.entropy;
        for (let x = start * d; x < end * d; x++) E[x] = rng.normal();
        rng.saveState(this.b.streams, at);
      }
      // Every shard of the block, each from its own range of the same entropy draw.
      for (const views of this.views)
        stepRange(views[parity], this.kernel, this.scratch, start, end);
    }
  }

  /**
   * Claimed weights: each node's DC for the next cycle, per shard it holds, from the entropy of
   * that shard's components its holding neighbours applied.
   */
  updateClaims(from: number, to: number): void {
    const { offsets, neighbors, entropy, d } = this.b;
    const wMax = this.spec.params.wMax;
    const heard = this.heard;
    for (const [a] of this.views) {
      const { holders, first, claims, earned, tcSelf } = a;
      for (let i = from; i < to; i++) {
        if (holders !== null && holders[i] === 0) continue;
        let count = 0;
        for (let e = offsets[i]; e < offsets[i + 1]; e++)
          if (holders === null || holders[neighbors[e]] === 1) heard[count++] = neighbors[e];
        const variance = entropyVariance(count, a.d, (q, c) => entropy[heard[q] * d + first + c]);
        claims[i] = driftCoefficient(earned[i], tcSelf[i], variance, wMax);
      }
    }
  }
}

/**
 * Sets a run's starting point: the initial states, every block's entropy stream at its start,
 * and no claims (a node that has earned nothing claims DC = log(1 + 0) = 0).
 */
export function prepareRun(b: SimBuffers, initial: Float64Array, seed: number): void {
  b.states[0].set(initial);
  seedStreams(seed, STREAM_FIRST_BLOCK, b.streams.length / RNG_STATE_INTS, b.streams);
  b.claims.fill(0);
}

/** Initial states uniform in [center - spread, center + spread) per component, from the seed. */
export function randomStates(
  n: number,
  d: number,
  seed: number,
  center: number,
  spread: number,
): Float64Array {
  const rng = seededRng(seed, STREAM_INITIAL);
  const out = new Float64Array(n * d);
  for (let x = 0; x < out.length; x++) out[x] = center + spread * (2 * rng.float() - 1);
  return out;
}

/** Whether a run needs a shard book: more than one shard, or nodes that come and go. */
export function hasShardBook(spec: RunSpec): boolean {
  return spec.params.shards > 1 || (spec.churn ?? 0) > 0;
}

/**
 * The shard book of a run (null when it needs none), its swarm formed in `b.states[0]`. Its
 * random stream is the first one after the blocks' streams.
 */
export function formShardBook(b: SimBuffers, spec: RunSpec): ShardBook | null {
  if (!hasShardBook(spec)) return null;
  const stream = STREAM_FIRST_BLOCK + Math.ceil(b.n / BLOCK);
  const rng = seededRng(spec.seed, stream);
  const book = new ShardBook(b, spec.params, spec.churn ?? 0, rng, spec.capped ?? null);
  book.form(b.states[0]);
  return book;
}

/** What a run measures after every cycle. */
export interface CycleMetrics {
  readonly cycle: number;
  /** RMS distance of the states from the network mean. */
  readonly spread: number;
  /** Standard deviation per coordinate. */
  readonly std: readonly number[];
  readonly maxDistance: number;
  readonly mean: readonly number[];
  /** Distance of the network mean from where it started. */
  readonly wander: number;
  /** VaultGuard interventions in this cycle, by rule. */
  readonly interventions: Record<RuleName, number>;
  /** Holders, churn, losses and repair, in runs with shards or churn (docs/shards.md). */
  readonly shards?: ShardCycleMetrics;
}

/** Measures the swarm after a cycle; keeps the previous counter totals for per-cycle deltas. */
export class Meter {
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  private readonly initialMean: Float64Array;
  private readonly lastTotals = new Float64Array(RULE_COUNT);
  readonly totals = new Float64Array(RULE_COUNT);
  /** With a shard book: which components count (those their nodes hold). */
  private readonly held: HeldComponents | null;

  constructor(
    private readonly b: SimBuffers,
    initialState: Float64Array,
    private readonly book: ShardBook | null = null,
  ) {
    this.mean = new Float64Array(b.d);
    this.std = new Float64Array(b.d);
    const shardOf = new Int32Array(b.d);
    shardRanges(b.d, b.shards).forEach(({ first, width }, k) =>
      shardOf.fill(k, first, first + width),
    );
    this.held = book === null ? null : { holds: b.holds, shardOf };
    this.initialMean = this.meanOf(initialState, new Float64Array(b.d));
  }

  private meanOf(state: Float64Array, out: Float64Array): Float64Array {
    const { n, d } = this.b;
    return this.held === null
      ? networkMean(state, n, d, out)
      : heldMean(state, n, d, this.held, out);
  }

  measure(cycle: number, state: Float64Array, withDistance = true): CycleMetrics {
    const { n, d } = this.b;
    this.meanOf(state, this.mean);
    if (this.held === null) stdPerCoordinate(state, n, d, this.mean, this.std);
    else heldStd(state, n, d, this.held, this.mean, this.std);
    let wanderSq = 0;
    for (let c = 0; c < d; c++) wanderSq += (this.mean[c] - this.initialMean[c]) ** 2;
    this.totals.fill(0);
    const threads = this.b.counts.length / COUNTS_ROW;
    for (let t = 0; t < threads; t++)
      for (let r = 0; r < RULE_COUNT; r++) this.totals[r] += this.b.counts[t * COUNTS_ROW + r];
    const delta = this.totals.map((v, r) => v - this.lastTotals[r]);
    this.lastTotals.set(this.totals);
    // Distances between whole states need nodes that hold every shard: none is taken then.
    const distance = withDistance && this.b.shards === 1;
    return {
      cycle,
      spread: spreadOf(this.std),
      std: [...this.std],
      maxDistance: distance ? maxPairwiseDistance(state, n, d) : NaN,
      mean: [...this.mean],
      wander: Math.sqrt(wanderSq),
      interventions: countsByRule(delta),
      ...(this.book === null ? {} : { shards: this.book.metrics() }),
    };
  }
}

export interface SimulationSetup extends RunSpec {
  readonly graph: Graph;
  /** n * d initial states. */
  readonly initial: Float64Array;
}

/** A single-threaded run: the reference the threaded runner must match bit for bit. */
export class Simulation {
  readonly buffers: SimBuffers;
  /** Who holds which shard; null when every node holds the whole state and nobody churns. */
  readonly book: ShardBook | null;
  private readonly stepper: BlockStepper;
  private readonly meter: Meter;
  private cycles = 0;

  constructor(private readonly setup: SimulationSetup) {
    const d = setup.params.dimensions;
    if (setup.initial.length !== setup.graph.n * d)
      throw new RangeError(
        `initial states: expected ${setup.graph.n * d} numbers, got ${setup.initial.length}`,
      );
    this.buffers = allocateBuffers(setup.graph, d, 1, false, setup.params.shards);
    prepareRun(this.buffers, setup.initial, setup.seed);
    this.book = formShardBook(this.buffers, setup);
    this.stepper = new BlockStepper(this.buffers, setup, 0);
    this.meter = new Meter(this.buffers, this.buffers.states[0], this.book);
  }

  get cycle(): number {
    return this.cycles;
  }

  /** The states after the last cycle. */
  get state(): Float64Array {
    return this.buffers.states[this.cycles % 2];
  }

  /** Runs one cycle and returns its metrics (the diameter only when asked: it costs O(n^2)). */
  step(withDistance = false): CycleMetrics {
    this.advance();
    return this.meter.measure(this.cycles, this.state, withDistance);
  }

  /** Runs one cycle without measuring. */
  advance(): void {
    const n = this.buffers.n;
    this.book?.beforeCycle(this.cycles + 1, this.state);
    this.stepper.step(this.cycles, 0, n);
    if (this.setup.params.weighting === 'claimed') this.stepper.updateClaims(0, n);
    this.cycles++;
  }

  measure(withDistance = false): CycleMetrics {
    return this.meter.measure(this.cycles, this.state, withDistance);
  }
}
