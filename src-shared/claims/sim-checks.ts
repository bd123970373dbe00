import { resolveParams, type DriftParams } from '../drift/params';
import { seededRng } from '../random';
import type { Graph } from '../sim/graph';
import { withLiars, writeLies } from '../sim/liars';
import { randomStates, Simulation, STREAM_TOPOLOGY } from '../sim/simulator';
import { components, inducedSubgraph } from '../sim/subgraph';
import { randomRegular } from '../sim/topology';
import { verdictOf, type CheckSize, type ClaimOutcome } from './outcome';

/*
 * The claims that the whole-network simulator can answer (docs/claims.md): each check builds
 * a seeded network, runs the drift rule the nodes run, and holds what it measures to the bound
 * its row states. Every run is seeded, so a verdict and its figure repeat exactly.
 */

const D = 2;
const SEED = 1;
/** A stream of the seed for the checks' own draws (which nodes fail), apart from the run's. */
const STREAM_FAILURES = 7;
/** "Agreement": the spread falls to this share of where it started (the simulator's 1e-6). */
const AGREED = 1e-6;
/** The lab's default convergence epsilon (docs/lab.md, "Convergence"), in VU. */
const EPSILON = 0.5;

const pick = <T>(size: CheckSize, quick: T, full: T): T => (size === 'quick' ? quick : full);
const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toPrecision(digits) : '∞');

function regular(n: number, degree: number): Graph {
  return randomRegular(n, degree, seededRng(SEED, STREAM_TOPOLOGY));
}

/** Root-mean-square distance of nodes [0, n) of `x` from their mean, over all coordinates. */
function spreadOfGroup(x: Float64Array, members: readonly number[]): number {
  if (members.length < 2) return 0;
  let sq = 0;
  for (let c = 0; c < D; c++) {
    let mean = 0;
    for (const i of members) mean += x[i * D + c];
    mean /= members.length;
    for (const i of members) sq += (x[i * D + c] - mean) ** 2;
  }
  return Math.sqrt(sq / members.length);
}

// ---------------------------------------------------------------- agreement

/**
 * Paper section 6: |S_i - S_j| -> 0. Holds when the spread falls to 1e-6 of its start within
 * the run; with alpha > 0 it cannot (docs/model.md, "What the theory says": a noise floor of
 * about alpha sigma / sqrt(beta (2 - beta)) per coordinate, and a mean that wanders).
 */
export function agreement(alpha: number, size: CheckSize): ClaimOutcome {
  const n = pick(size, 300, 3000);
  const cycles = pick(size, 1000, 3000);
  const beta = 0.1;
  const params = resolveParams({ alpha, beta, weighting: 'uniform' });
  const sim = new Simulation({
    graph: regular(n, 10),
    params,
    seed: SEED,
    initial: randomStates(n, D, SEED, 100, 10),
  });
  const start = sim.measure().spread;
  let reached: number | null = null;
  let tailSq = 0;
  let wander = 0;
  for (let t = 1; t <= cycles; t++) {
    const m = sim.step();
    if (reached === null && m.spread <= AGREED * start) reached = t;
    if (2 * t > cycles) tailSq += m.spread ** 2;
    wander = m.wander;
  }
  const floor = Math.sqrt(tailSq / (cycles - Math.floor(cycles / 2)));
  // sigma^2 per coordinate of the applied entropy for d = 2: 1 - e^(-1/2) (docs/model.md).
  const predicted = Math.sqrt((D * alpha ** 2 * (1 - Math.exp(-0.5))) / (beta * (2 - beta)));
  const figures = { nodes: n, cycles, cyclesToAgreement: reached ?? NaN, floor, predicted, wander };
  const figure =
    reached !== null
      ? `spread 1e-6 of its start after ${reached} cycles (N = ${n}); mean moved ${fmt(wander)} VU`
      : `spread settles at ${fmt(floor)} VU (theory ${fmt(predicted, 2)}), never 1e-6 of its ` +
        `start in ${cycles} cycles; the mean wandered ${fmt(wander)} VU (N = ${n})`;
  return { verdict: verdictOf(reached !== null), figure, figures };
}

// ---------------------------------------------------------------- failures

interface AfterFailure {
  readonly survivors: number;
  readonly groups: number;
  readonly largest: number;
  /** Cycles after the failure until all survivors agreed (null: not within the run). */
  readonly allAgreed: number | null;
  /** Cycles until every connected group agreed within itself (null: not within the run). */
  readonly eachAgreed: number | null;
}

/**
 * Kills a seeded share of a network 20 cycles into a run (alpha 0, so that agreement is exact)
 * and runs the survivors, linked as they were among themselves, until they agree.
 */
function afterFailure(share: number, size: CheckSize): AfterFailure {
  const n = pick(size, 300, 3000);
  const budget = pick(size, 10_000, 20_000);
  const params = resolveParams({ alpha: 0, beta: 0.1, weighting: 'uniform' });
  const graph = regular(n, 8);
  const before = new Simulation({
    graph,
    params,
    seed: SEED,
    initial: randomStates(n, D, SEED, 100, 10),
  });
  for (let t = 0; t < 20; t++) before.advance();
  const keep = new Uint8Array(n).fill(1);
  const rng = seededRng(SEED, STREAM_FAILURES);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const i of order.slice(0, Math.round(share * n))) keep[i] = 0;
  const sub = inducedSubgraph(graph, keep);
  const initial = new Float64Array(sub.graph.n * D);
  sub.original.forEach((i, k) => initial.set(before.state.subarray(i * D, (i + 1) * D), k * D));
  const sim = new Simulation({ graph: sub.graph, params, seed: SEED, initial });
  const { of, count } = components(sub.graph);
  const groups: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < sub.graph.n; i++) groups[of[i]]!.push(i);
  const startAll = sim.measure().spread;
  const startEach = groups.map((g) => spreadOfGroup(initial, g));
  let allAgreed: number | null = null;
  let eachAgreed: number | null = null;
  for (let t = 1; t <= budget && (allAgreed === null || eachAgreed === null); t++) {
    const m = sim.step();
    if (allAgreed === null && m.spread <= AGREED * startAll) allAgreed = t;
    if (
      eachAgreed === null &&
      groups.every((g, k) => spreadOfGroup(sim.state, g) <= AGREED * startEach[k]!)
    )
      eachAgreed = t;
  }
  return {
    survivors: sub.graph.n,
    groups: count,
    largest: Math.max(...groups.map((g) => g.length)),
    allAgreed,
    eachAgreed,
  };
}

/** Paper section 6, "even under partial failures": 30% of the nodes fail at once. */
export function partialFailures(size: CheckSize): ClaimOutcome {
  const r = afterFailure(0.3, size);
  const figure =
    `${r.survivors} survivors in ${r.groups} group(s): ` +
    (r.allAgreed === null
      ? 'they did not all agree within the run'
      : `all agreed (spread 1e-6 of its value at the failure) ${r.allAgreed} cycles after it`);
  return {
    verdict: verdictOf(r.allAgreed !== null),
    figure,
    figures: { ...r, allAgreed: r.allAgreed ?? NaN, eachAgreed: r.eachAgreed ?? NaN },
  };
}

/**
 * Paper section 7, "autonomous recovery": 60% of the nodes fail at once; with no command
 * given, every connected group of survivors comes to agreement on its own.
 */
export function massFailure(size: CheckSize): ClaimOutcome {
  const r = afterFailure(0.6, size);
  const figure =
    `${r.survivors} survivors in ${r.groups} group(s), the largest ${r.largest}: ` +
    (r.eachAgreed === null
      ? 'not every group agreed within the run'
      : `every group agreed within itself ${r.eachAgreed} cycles after the failure`) +
    (r.groups > 1 ? '; the groups apart cannot agree with each other' : '');
  return {
    verdict: verdictOf(r.eachAgreed !== null),
    figure,
    figures: { ...r, allAgreed: r.allAgreed ?? NaN, eachAgreed: r.eachAgreed ?? NaN },
  };
}

/**
 * Paper section 8.3, "as long as one node remains": with K = 1 every node holds the whole
 * vector, so the state one survivor holds is the network's to within the noise floor. The
 * worst survivor is the node farthest from the network mean; it holds when even that one is
 * within epsilon of the mean.
 */
export function oneNode(size: CheckSize): ClaimOutcome {
  const n = pick(size, 300, 3000);
  const cycles = pick(size, 500, 2000);
  const sim = new Simulation({
    graph: regular(n, 10),
    params: resolveParams({ weighting: 'uniform' }),
    seed: SEED,
    initial: randomStates(n, D, SEED, 100, 10),
  });
  for (let t = 0; t < cycles; t++) sim.advance();
  const mean = sim.measure().mean;
  let worst = 0;
  for (let i = 0; i < n; i++)
    worst = Math.max(worst, Math.hypot(...mean.map((m, c) => sim.state[i * D + c]! - m)));
  const size_ = Math.hypot(...mean);
  return {
    verdict: verdictOf(worst <= EPSILON),
    figure:
      `any one node's state is within ${fmt(worst)} VU of the network mean ` +
      `(${fmt((100 * worst) / size_, 2)}% of it) after ${cycles} cycles (N = ${n}, K = 1)`,
    figures: { nodes: n, cycles, worstDistance: worst, meanLength: size_ },
  };
}

// ---------------------------------------------------------------- liars

const TARGET_UP = [200, 200];

interface LiarRun {
  /** The cycle at which an honest node first left the honest initial range (null: never). */
  readonly leftAt: number | null;
  /** How far the honest mean moved toward the target, VU. */
  readonly moved: number;
  readonly cycles: number;
}

/**
 * `k` liars beside every honest node of a random regular graph, each reporting the state just
 * inside the anomaly bound toward a far target (src-shared/sim/liars.ts): the strongest lie
 * VaultGuard admits. alpha is 0 so that the honest initial range (a box, per coordinate) is
 * exactly what an honest network keeps; any exit is the liars' doing.
 */
function liarRun(
  overrides: Record<string, unknown>,
  degree: number,
  k: number,
  size: CheckSize,
): LiarRun {
  const h = pick(size, 200, 2000);
  const cycles = pick(size, 300, 1000);
  const params: DriftParams = resolveParams({
    alpha: 0,
    beta: 0.1,
    weighting: 'uniform',
    ...overrides,
  });
  const layout = withLiars(regular(h, degree), k);
  const start = new Float64Array(layout.graph.n * D);
  const rng = seededRng(SEED, 1);
  for (let i = 0; i < h * D; i++) start[i] = 100 + 2 * (rng.float() - 0.5);
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < h * D; i++) {
    lo[i % D] = Math.min(lo[i % D]!, start[i]!);
    hi[i % D] = Math.max(hi[i % D]!, start[i]!);
  }
  const sim = new Simulation({ graph: layout.graph, params, seed: SEED, initial: start });
  const reach = params.anomalyLimit * (1 - 1e-6);
  const honestMean = (x: Float64Array) =>
    [0, 1].map((c) => {
      let s = 0;
      for (let i = 0; i < h; i++) s += x[i * D + c]!;
      return s / h;
    });
  const toTarget = (m: number[]) => Math.hypot(...m.map((v, c) => TARGET_UP[c]! - v));
  const before = toTarget(honestMean(start));
  let leftAt: number | null = null;
  for (let t = 1; t <= cycles; t++) {
    writeLies(sim.state, D, layout, TARGET_UP, reach);
    sim.advance();
    if (leftAt !== null) continue;
    for (let x = 0; x < h * D && leftAt === null; x++) {
      const v = sim.state[x]!;
      if (v < lo[x % D]! || v > hi[x % D]!) leftAt = t;
    }
  }
  return { leftAt, moved: before - toTarget(honestMean(sim.state)), cycles };
}

function liarFigure(r: LiarRun, who: string): string {
  return r.leftAt === null
    ? `${who}: the honest nodes stayed inside their initial range for ${r.cycles} cycles`
    : `${who}: the honest nodes left their initial range at cycle ${r.leftAt}; their mean ` +
        `moved ${fmt(r.moved)} VU toward the liars' target in ${r.cycles} cycles`;
}

const liarFigures = (r: LiarRun) => ({ leftAt: r.leftAt ?? NaN, moved: r.moved, cycles: r.cycles });

/** Paper section 7, "no Sybil vulnerability": `k` Sybils per honest node of degree 10. */
export function sybil(aggregator: 'mean' | 'trimmed', k: number, size: CheckSize): ClaimOutcome {
  const overrides = aggregator === 'trimmed' ? { aggregator, trimF: 1 } : { aggregator };
  const r = liarRun(overrides, 10, k, size);
  const name = aggregator === 'trimmed' ? 'trimmed(F = 1)' : 'mean';
  return {
    verdict: verdictOf(r.leftAt === null),
    figure: liarFigure(r, `${name}, ${k} Sybil(s) per honest node of 10 peers`),
    figures: { sybilsPerNode: k, ...liarFigures(r) },
  };
}

/**
 * Paper section 7, "no 51% attack (no voting)": under the median, the aggregator whose
 * breakdown point is one half, attackers holding 7 of each honest node's 13 peers against 2 of
 * its 8. The verdict is the majority's; the minority's run is in the figure.
 */
export function majority(size: CheckSize): ClaimOutcome {
  const minority = liarRun({ aggregator: 'median' }, 6, 2, size);
  const major = liarRun({ aggregator: 'median' }, 6, 7, size);
  return {
    verdict: verdictOf(major.leftAt === null),
    figure: `${liarFigure(major, 'median, 7 of 13 peers attackers')}; ${liarFigure(minority, '2 of 8')}`,
    figures: {
      majorityLeftAt: major.leftAt ?? NaN,
      majorityMoved: major.moved,
      minorityLeftAt: minority.leftAt ?? NaN,
      minorityMoved: minority.moved,
      cycles: major.cycles,
    },
  };
}

// ---------------------------------------------------------------- drain and loss

interface DrainRun {
  /** The honest nodes' total value at the end, as a share of their start. */
  readonly kept: number;
  /** The largest share of its value one honest node lost in one cycle. */
  readonly worstStep: number;
  /** The lowest component any honest node held. */
  readonly lowest: number;
  readonly interventions: number;
}

/**
 * One liar per honest node pulling toward zero (the lab's `drain`): each reports its
 * listener's state moved `reach` toward 0, or 0 itself once that is nearer.
 */
function drainRun(
  overrides: Record<string, unknown>,
  opts: { degree: number; k: number; start: number; reach: number; cycles: number; h: number },
): DrainRun {
  const params = resolveParams({ weighting: 'uniform', ...overrides });
  const layout = withLiars(regular(opts.h, opts.degree), opts.k);
  const initial = new Float64Array(layout.graph.n * D);
  const rng = seededRng(SEED, 1);
  for (let i = 0; i < opts.h * D; i++) initial[i] = opts.start * (1 + 0.02 * (rng.float() - 0.5));
  const sim = new Simulation({ graph: layout.graph, params, seed: SEED, initial });
  const value = (x: Float64Array, i: number) => x[i * D]! + x[i * D + 1]!;
  let total0 = 0;
  for (let i = 0; i < opts.h; i++) total0 += value(initial, i);
  let worstStep = 0;
  let lowest = Infinity;
  let interventions = 0;
  const previous = new Float64Array(opts.h);
  for (let t = 0; t < opts.cycles; t++) {
    for (let i = 0; i < opts.h; i++) previous[i] = value(sim.state, i);
    writeLies(sim.state, D, layout, [0, 0], opts.reach);
    interventions += sim.step().interventions['catastrophic-loss'];
    for (let i = 0; i < opts.h; i++) {
      worstStep = Math.max(worstStep, 1 - value(sim.state, i) / previous[i]!);
      lowest = Math.min(lowest, sim.state[i * D]!, sim.state[i * D + 1]!);
    }
  }
  let total = 0;
  for (let i = 0; i < opts.h; i++) total += value(sim.state, i);
  return { kept: total / total0, worstStep, lowest, interventions };
}

/**
 * Master document 4.4, VaultGuard prevents "malicious drain attempts": a drain liar beside
 * every honest node (mean, the defaults). Holds when the honest nodes keep at least 90% of
 * their value over the run; the same run with the drain test switched off is in the figure.
 */
export function drain(size: CheckSize): ClaimOutcome {
  const opts = { degree: 10, k: 1, start: 100, reach: 49.9, h: pick(size, 200, 2000) };
  const cycles = pick(size, 400, 2000);
  const guarded = drainRun({}, { ...opts, cycles });
  // drainZ 100 is above the largest score the test can reach (about 4.5): it never fires.
  const open = drainRun({ drainZ: 100 }, { ...opts, cycles });
  const pct = (x: number) => `${fmt(100 * x)}%`;
  return {
    verdict: verdictOf(guarded.kept >= 0.9),
    figure:
      `the honest nodes kept ${pct(guarded.kept)} of their value over ${cycles} cycles ` +
      `with 1 drain liar per 10 peers (${pct(open.kept)} with the drain test off)`,
    figures: { cycles, kept: guarded.kept, keptWithoutDrainTest: open.kept },
  };
}

/**
 * Liars that report zero itself, 3 beside every honest node of 4 peers, with beta 0.5 and the
 * drift clamp open: each step asks a node to give up about a fifth of its value.
 */
function zeroPull(size: CheckSize): DrainRun & { readonly cycles: number } {
  const cycles = pick(size, 60, 200);
  const reach = resolveParams({}).anomalyLimit;
  const h = pick(size, 200, 2000);
  return {
    ...drainRun({ beta: 0.5, maxDrift: 1e12 }, { degree: 4, k: 3, start: 10, reach, h, cycles }),
    cycles,
  };
}

/**
 * Master document 4.4, VaultGuard prevents "catastrophic loss events": holds when, under the
 * zero pull, no honest node ever loses more than lossLimit (5%) of its value in one cycle and
 * no component goes below zero.
 */
export function catastrophicLoss(size: CheckSize): ClaimOutcome {
  const limit = resolveParams({}).lossLimit;
  const r = zeroPull(size);
  // A step that removes exactly lossLimit may read a hair over it in floating point.
  const held = r.worstStep <= limit * (1 + 1e-9) && r.lowest >= 0;
  return {
    verdict: verdictOf(held),
    figure:
      `3 liars reporting 0 beside 4 honest peers: the largest one-cycle loss was ` +
      `${fmt(100 * r.worstStep)}% of a node's value (limit ${100 * limit}%), ` +
      `${r.interventions} catastrophic-loss interventions, lowest component ${fmt(r.lowest)} VU`,
    figures: {
      cycles: r.cycles,
      worstStep: r.worstStep,
      lowest: r.lowest,
      interventions: r.interventions,
    },
  };
}

/**
 * Master document 4.4, VaultGuard prevents "zeroing value": under the same zero pull, holds
 * when the honest nodes keep at least 90% of their value. The liars' diffs shrink with the
 * state they drain, so the drain test, which counts only diffs that do not shrink, never
 * fires, and the loss limit only sets the pace.
 */
export function zeroing(size: CheckSize): ClaimOutcome {
  const r = zeroPull(size);
  return {
    verdict: verdictOf(r.kept >= 0.9),
    figure:
      `3 liars reporting 0 beside 4 honest peers: ${fmt(100 * r.kept)}% of the honest ` +
      `value left after ${r.cycles} cycles, no step over the 5% limit`,
    figures: { cycles: r.cycles, kept: r.kept },
  };
}

/** The checks the simulator answers, by the id of their row in docs/claims.md. */
export const SIM_CHECKS: Readonly<Record<string, (size: CheckSize) => ClaimOutcome>> = {
  'agreement-alpha-zero': (size) => agreement(0, size),
  'agreement-alpha': (size) => agreement(resolveParams({}).alpha, size),
  'partial-failures': partialFailures,
  'sybil-mean': (size) => sybil('mean', 1, size),
  'sybil-trimmed': (size) => sybil('trimmed', 1, size),
  'sybil-trimmed-outnumbered': (size) => sybil('trimmed', 3, size),
  'majority-attack': majority,
  drain,
  'catastrophic-loss': catastrophicLoss,
  zeroing,
  'mass-failure': massFailure,
  'one-node': oneNode,
};
