import { resolveParams } from '../drift/params';
import { seededRng } from '../random';
import { randomStates, Simulation } from '../sim/simulator';
import { components, inducedSubgraph } from '../sim/subgraph';
import { AGREED, D, EPSILON, fmt, pick, regular, SEED, STREAM_FAILURES } from './check-setup';
import { verdictOf, type CheckSize, type ClaimOutcome } from './outcome';

/*
 * The claims about agreement and failures that the whole-network simulator answers
 * (docs/claims.md): whether the states agree, with and without entropy, after nodes fail, and
 * what one node left holds. Each run is seeded, so a verdict and its figure repeat exactly.
 */

/** Root-mean-square distance of the nodes `members` of `x` from their mean, over all coordinates. */
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
