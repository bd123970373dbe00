import { resolveParams, type DriftParams } from '../drift/params';
import { seededRng } from '../random';
import { withLiars, writeLies } from '../sim/liars';
import { Simulation, STREAM_INITIAL } from '../sim/simulator';
import { D, fmt, pick, regular, SEED } from './check-setup';
import { verdictOf, type CheckSize, type ClaimOutcome } from './outcome';

/*
 * The claims about attacks that the whole-network simulator answers (docs/claims.md): Sybils,
 * majorities, drains and pulls to zero, each a set of liars beside every honest node
 * (src-shared/sim/liars.ts) telling the strongest lie VaultGuard admits. Each run is seeded.
 */

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
  const rng = seededRng(SEED, STREAM_INITIAL);
  for (let i = 0; i < h * D; i++) start[i] = 100 + 2 * (rng.float() - 0.5);
  const lo: number[] = new Array<number>(D).fill(Infinity);
  const hi: number[] = new Array<number>(D).fill(-Infinity);
  for (let i = 0; i < h * D; i++) {
    lo[i % D] = Math.min(lo[i % D]!, start[i]!);
    hi[i % D] = Math.max(hi[i % D]!, start[i]!);
  }
  const sim = new Simulation({ graph: layout.graph, params, seed: SEED, initial: start });
  const reach = params.anomalyLimit * (1 - 1e-6);
  const honestMean = (x: Float64Array) =>
    Array.from({ length: D }, (_, c) => {
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
 * breakdown point is one half, attackers holding 7 of each honest node's 13 peers.
 */
export function majority(size: CheckSize): ClaimOutcome {
  const r = liarRun({ aggregator: 'median' }, 6, 7, size);
  return {
    verdict: verdictOf(r.leftAt === null),
    figure: liarFigure(r, 'median, 7 of 13 peers attackers'),
    figures: liarFigures(r),
  };
}

/**
 * The same attack by a minority, 2 of each honest node's 8 peers: below the median's
 * breakdown point, so the honest nodes must stay inside their initial range. This is also
 * the drain test's check against false alarms: honest peers left behind by a node the liars
 * pull must not lose the trust that keeps the median theirs (docs/model.md, "The drain test").
 */
export function medianMinority(size: CheckSize): ClaimOutcome {
  const r = liarRun({ aggregator: 'median' }, 6, 2, size);
  return {
    verdict: verdictOf(r.leftAt === null),
    figure: liarFigure(r, 'median, 2 of 8 peers attackers'),
    figures: liarFigures(r),
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
  const rng = seededRng(SEED, STREAM_INITIAL);
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
      `value left after ${r.cycles} cycles, the largest step ${fmt(100 * r.worstStep)}% of a node's value`,
    figures: { cycles: r.cycles, kept: r.kept },
  };
}
