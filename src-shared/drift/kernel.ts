import type { Aggregator, DriftParams, Weighting } from './params';
import { Rule, type InterventionSink, type RuleId } from './rules';
import {
  boundWeight,
  clampDrift,
  diffClampScale,
  drainScore,
  exclusionRule,
  floorAtZero,
  limitLoss,
  nextRecovery,
  overAnomalyLimit,
  ownStateRule,
  repairNonFinite,
  trustDrop,
  trustPenalty,
  trustRise,
} from './vaultguard';

/*
 * The drift rule: the one implementation, used by the personal node, the lab and the
 * simulator. Every VaultGuard rule it applies is a call into vaultguard.ts; what is here is
 * the order of the rules, the counting and the reporting. It works over flat typed arrays so that a single node (its own state at index 0
 * and a buffer of its peers' states) and a whole network (every state in one Float64Array,
 * neighbours in compressed rows) make the same call.
 *
 * A cycle reads `state` and writes `next`, `drift` and the node's own rows of the per-edge
 * and per-node arrays, so many nodes (or threads) can step one cycle in any order and get
 * bit-identical results.
 */

/** The arrays one cycle reads and writes. Per-edge arrays are aligned with `neighbors`. */
export interface DriftArrays {
  /** Components this cycle steps: the whole state, or one shard's range of it. */
  readonly d: number;
  /**
   * Numbers per state index in `state`, `next`, `drift` and `entropy`; the stepped range of
   * index i is [i * stride + first, i * stride + first + d). stride = d and first = 0 step the
   * whole state; a shard of a larger state is stepped with the state's own layout, so that one
   * cycle of the rule serves both (docs/shards.md).
   */
  readonly stride: number;
  readonly first: number;
  /**
   * Per state index: 1 if it holds the stepped range. A node that does not is not stepped (its
   * range is carried over to `next`) and a peer that does not is not heard. null: every index
   * holds it.
   */
  readonly holders: Uint8Array | null;
  /** Row i of the graph is neighbors[offsets[i] .. offsets[i + 1]): the peers node i hears. */
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
  /** S of every state index (read only during a cycle). */
  readonly state: Float64Array;
  /** S after the cycle (written for the stepped nodes). */
  readonly next: Float64Array;
  /**
   * In: D applied in the node's previous cycle (zeros before its first), which the drain test
   * reads. Out: D applied in this cycle.
   */
  readonly drift: Float64Array;
  /** In: the raw entropy E ~ N(0, I). Out: F, the entropy as applied (after normalisation). */
  readonly entropy: Float64Array;
  /** The weight each state index claims (its drift coefficient DC, or 1 for uniform weights). */
  readonly claims: Float64Array;
  /**
   * EDGE_FIELDS float32s per edge: TC (the trust the receiver gives the edge's sender), the
   * drain evidence (decayed counts of unshrinking diffs toward less and toward more value) and
   * |diff|^2 in the edge's previous accepted cycle. One record per edge keeps a cycle's per-edge
   * reads and writes together, on one cache line.
   */
  readonly edges: Float32Array;
  /** Per edge: 1 if a fresh SDM arrived this cycle; null when every edge is fresh. */
  readonly fresh: Uint8Array | null;
  /** Per node. */
  readonly earned: Float64Array;
  readonly tcSelf: Float64Array;
  /** Per node: 1 while in recovery mode. */
  readonly recovery: Uint8Array;
  /** VaultGuard interventions, accumulated per rule (indexed by RuleId). */
  readonly counts: Float64Array;
}

/** Offsets within an edge's record in `edges`. */
export const EDGE_FIELDS = 4;
export const EDGE_TRUST = 0;
export const EDGE_TO_LESS = 1;
export const EDGE_TO_MORE = 2;
export const EDGE_LAST_LEN_SQ = 3;

/**
 * G's coordinate c from the k accepted diffs in scratch, with their weights. F is trimF (an
 * aggregator that has no use for it takes fewer arguments).
 */
type CoordinateAggregate = (s: Scratch, k: number, d: number, c: number, F: number) => number;

/**
 * Each aggregator's function; null for the mean, which pullOfPeers sums inside its edge loop.
 * `satisfies Record` makes the compiler ask for a new aggregator's function, so none can fall
 * through to another's.
 */
const AGGREGATES = {
  mean: null,
  trimmed: trimmedMean,
  median: weightedMedian,
} as const satisfies Record<Aggregator, CoordinateAggregate | null>;

const CLAIMED = 0;
const UNIFORM = 1;
const METROPOLIS = 2;

/**
 * The hot loop's code for each weighting. The edge loop branches on UNIFORM and METROPOLIS and
 * weighs by claims otherwise, so a new weighting needs a code here and a branch there.
 */
const WEIGHTING_CODES = {
  claimed: CLAIMED,
  uniform: UNIFORM,
  metropolis: METROPOLIS,
} as const satisfies Record<Weighting, number>;

/** Parameters in the shape the hot loop wants: numeric codes and precomputed squares. */
export interface KernelParams {
  readonly alpha: number;
  readonly beta: number;
  /** The aggregator's function (AGGREGATES); null for the mean. */
  readonly aggregate: CoordinateAggregate | null;
  readonly trimF: number;
  /** Where weights come from: the senders' claims, all ones, or Metropolis-Hastings. */
  readonly weights: number;
  readonly maxDiff: number;
  readonly anomalyLimit: number;
  readonly anomalySq: number;
  readonly maxDrift: number;
  readonly wMax: number;
  readonly lossLimit: number;
  readonly forceLimit: number;
  readonly earnRate: number;
  readonly tcRise: number;
  readonly tcDrop: number;
  readonly drainPenalty: number;
  readonly drainZ: number;
  readonly drainMinSamples: number;
  readonly drainMemory: number;
  /** Sums of diffs within this of zero say nothing about direction. */
  readonly drainTie: number;
  readonly tcSelfRate: number;
}

export function compileParams(p: DriftParams): KernelParams {
  return {
    alpha: p.alpha,
    beta: p.beta,
    aggregate: AGGREGATES[p.aggregator],
    trimF: p.trimF,
    weights: WEIGHTING_CODES[p.weighting],
    maxDiff: p.maxDiff,
    anomalyLimit: p.anomalyLimit,
    anomalySq: p.anomalyLimit * p.anomalyLimit,
    maxDrift: p.maxDrift,
    wMax: p.wMax,
    lossLimit: p.lossLimit,
    forceLimit: p.forceLimit,
    earnRate: p.earnRate,
    tcRise: p.tcRise,
    tcDrop: p.tcDrop,
    drainPenalty: p.drainPenalty,
    drainZ: p.drainZ,
    drainMinSamples: p.drainMinSamples,
    drainMemory: p.drainMemory,
    drainTie: 1e-9 * p.maxDiff,
    tcSelfRate: 1 / p.tcSelfWindow,
  };
}

/** Recovery mode: alpha x 0.25, beta x 2 capped at 0.5 (never lowered by the cap). */
export function recoveryAlpha(alpha: number): number {
  return alpha * 0.25;
}
export function recoveryBeta(beta: number): number {
  return Math.max(beta, Math.min(2 * beta, 0.5));
}

/** Working space for one thread; sized for the largest row it will step. */
export interface Scratch {
  /** The stepping node's own state, repaired. */
  readonly self: Float64Array;
  /** The aggregated peer term G. */
  readonly g: Float64Array;
  /** Mean |diff| of the accepted peers this cycle (before clamping). */
  meanForce: number;
  /** What stepRange read ahead (a sum nobody needs). */
  touched: number;
  readonly w: Float64Array;
  readonly vals: Float64Array;
  readonly dropped: Uint8Array;
  readonly order: Int32Array;
  /** Interventions found in the edge loop, reported after it: the loop makes no calls. */
  readonly queued: QueuedEvents;
}

/** Up to three interventions per edge: an exclusion, or a clamp, a weight bound and a drain. */
interface QueuedEvents {
  count: number;
  readonly rule: Uint8Array;
  readonly peer: Int32Array;
  readonly value: Float64Array;
  readonly limit: Float64Array;
}

function queueEvent(q: QueuedEvents, rule: number, peer: number, value: number, limit: number) {
  const k = q.count++;
  q.rule[k] = rule;
  q.peer[k] = peer;
  q.value[k] = value;
  q.limit[k] = limit;
}

function reportQueued(q: QueuedEvents, i: number, sink: InterventionSink): void {
  for (let k = 0; k < q.count; k++) sink(q.rule[k] as RuleId, i, q.peer[k], q.value[k], q.limit[k]);
  q.count = 0;
}

export function createScratch(d: number, maxDegree: number): Scratch {
  const k = Math.max(1, maxDegree);
  return {
    self: new Float64Array(d),
    g: new Float64Array(d),
    meanForce: 0,
    touched: 0,
    w: new Float64Array(k),
    vals: new Float64Array(k * d),
    dropped: new Uint8Array(k),
    order: new Int32Array(k),
    queued: {
      count: 0,
      rule: new Uint8Array(3 * k),
      peer: new Int32Array(3 * k),
      value: new Float64Array(3 * k),
      limit: new Float64Array(3 * k),
    },
  };
}

/**
 * One drift cycle of node `i`: docs/model.md, "One cycle", with VaultGuard ("VaultGuard").
 * `load` is the node's own load in [0, 1]. `sink` hears every intervention (null: count only).
 * Returns how many peers' diffs were accepted.
 */
export function stepNode(
  a: DriftArrays,
  p: KernelParams,
  s: Scratch,
  i: number,
  load: number,
  sink: InterventionSink | null,
): number {
  const d = a.d;
  const base = i * a.stride + a.first;
  const repaired = readOwnState(a, s, i, sink);
  const accepted = pullOfPeers(a, p, s, i, sink);
  const recovering = switchRecovery(a, p, i, s.meanForce, sink);
  composeDrift(a, p, s, i, load, recovering, sink);
  const guarded = guardDrift(a, p, s, i, sink);

  const { next, drift } = a;
  const self = s.self;
  for (let c = 0; c < d; c++) next[base + c] = self[c] + drift[base + c];
  const forced = (guarded & LOSS_LIMITED) !== 0;
  if (forced && !recovering) {
    a.counts[Rule.RecoveryEnter]++;
    sink?.(Rule.RecoveryEnter, i, -1, s.meanForce, p.forceLimit);
  }
  a.recovery[i] = recovering || forced ? 1 : 0;

  const corrected = repaired || guarded !== 0;
  const tcSelf = a.tcSelf[i];
  const was = tcSelf >= 0 && tcSelf <= 1 ? tcSelf : 1;
  a.tcSelf[i] = was + ((corrected ? 0 : 1) - was) * p.tcSelfRate;
  const earned = a.earned[i];
  const degree = a.offsets[i + 1] - a.offsets[i];
  a.earned[i] =
    (earned >= 0 && earned < Infinity ? earned : 0) +
    (degree > 0 ? (p.earnRate * accepted) / degree : 0);
  return accepted;
}

/**
 * Steps nodes [from, to) in order, as a whole network does (no interventions reported, no
 * load). Before each node it reads the states of the next node's peers: in a random graph
 * those reads miss the cache, and issued a node early they overlap with this node's work
 * instead of stalling the next one's. A node that does not hold the range keeps it unchanged.
 */
export function stepRange(
  a: DriftArrays,
  p: KernelParams,
  s: Scratch,
  from: number,
  to: number,
): void {
  const { offsets, neighbors, state, stride, first, holders, d } = a;
  let touched = 0;
  for (let i = from; i < to; i++) {
    if (i + 1 < to) {
      for (let e = offsets[i + 1]; e < offsets[i + 2]; e++)
        touched += state[neighbors[e] * stride + first];
    }
    if (holders !== null && holders[i] === 0) {
      const base = i * stride + first;
      a.next.set(state.subarray(base, base + d), base);
      continue;
    }
    stepNode(a, p, s, i, 0, null);
  }
  // Kept, so that the reads above are not optimised away.
  s.touched = touched;
}

/**
 * Copies node i's state into s.self, reading a non-finite or negative component as 0 (and
 * reporting it): `state` is shared with every node stepping this cycle, so it is never written
 * here. Returns whether anything had to be repaired.
 */
function readOwnState(
  a: DriftArrays,
  s: Scratch,
  i: number,
  sink: InterventionSink | null,
): boolean {
  const d = a.d;
  const S = a.state;
  const base = i * a.stride + a.first;
  const self = s.self;
  let repaired = false;
  for (let c = 0; c < d; c++) {
    const v = S[base + c];
    const rule = ownStateRule(v);
    if (rule === -1) {
      self[c] = v;
    } else {
      self[c] = 0;
      repaired = true;
      a.counts[rule]++;
      sink?.(rule, i, -1, v, 0);
    }
  }
  return repaired;
}

/**
 * The peer term G of node i into s.g, and the mean accepted |diff| into s.meanForce: anomaly
 * exclusion, the diff clamp, weights, trust and drain evidence per edge, then the aggregator.
 * Returns how many peers were accepted.
 *
 * The edge loop is the simulator's hot path. It calls only VaultGuard's rules, which are small
 * enough for V8 to inline (interventions are queued and reported after it, not sent to the
 * sink), reads every parameter from a local, and decides the drain evidence without branches: honest peers' diffs shrink or grow and point up or down by chance, so
 * branches on them are mispredicted half the time, which cost more than the rest of an edge.
 */
function pullOfPeers(
  a: DriftArrays,
  p: KernelParams,
  s: Scratch,
  i: number,
  sink: InterventionSink | null,
): number {
  const d = a.d;
  const S = a.state;
  const self = s.self;
  const g = s.g;
  const offsets = a.offsets;
  const neighbors = a.neighbors;
  const rec = a.edges;
  const claims = a.claims;
  const fresh = a.fresh;
  const holders = a.holders;
  const stride = a.stride;
  const first = a.first;
  const vals = s.vals;
  const ws = s.w;
  const queued = s.queued;
  const report = sink !== null;
  const rowStart = offsets[i];
  const rowEnd = offsets[i + 1];
  const degree = rowEnd - rowStart;
  const aggregate = p.aggregate;
  const mean = aggregate === null;
  const metropolis = p.weights === METROPOLIS;
  const uniform = p.weights === UNIFORM;
  const anomalySq = p.anomalySq;
  const anomalyLimit = p.anomalyLimit;
  const maxDiff = p.maxDiff;
  const wMax = p.wMax;
  const memory = p.drainMemory;
  const tie = p.drainTie;
  const tcRise = p.tcRise;
  const tcDrop = p.tcDrop;
  const drainPenalty = p.drainPenalty;
  const drainZ = p.drainZ;
  const drainMin = p.drainMinSamples;
  // d = 2, the default, keeps its diff and its sum in registers: the generic loops over
  // coordinates cost a third of the cycle there.
  const two = d === 2;
  const s0 = self[0];
  const s1 = two ? self[1] : 0;
  // The node's own step of the last cycle (composeDrift overwrites it only after this loop).
  const lastD = a.drift;
  const dBase = i * stride + first;
  const l0 = lastD[dBase];
  const l1 = two ? lastD[dBase + 1] : 0;
  let g0 = 0;
  let g1 = 0;
  let weightSum = 0;
  let accepted = 0;
  let forceSum = 0;
  let anomalies = 0;
  let nonFinite = 0;
  let clamped = 0;
  let overweight = 0;
  let drains = 0;
  for (let c = 0; c < d; c++) g[c] = 0;

  for (let e = rowStart; e < rowEnd; e++) {
    if (fresh !== null && fresh[e] === 0) continue;
    if (holders !== null && holders[neighbors[e]] === 0) continue;
    const jb = neighbors[e] * stride + first;
    // The diff goes into the slot it keeps if accepted (generic d); d = 2 uses x0 and x1.
    let x0 = 0;
    let x1 = 0;
    let lenSq: number;
    let sum: number;
    let toward: number;
    if (two) {
      x0 = S[jb] - s0;
      x1 = S[jb + 1] - s1;
      lenSq = x0 * x0 + x1 * x1;
      sum = x0 + x1;
      toward = x0 * l0 + x1 * l1;
    } else {
      lenSq = 0;
      sum = 0;
      toward = 0;
      const slot = accepted * d;
      for (let c = 0; c < d; c++) {
        const diff = S[jb + c] - self[c];
        vals[slot + c] = diff;
        lenSq += diff * diff;
        sum += diff;
        toward += diff * lastD[dBase + c];
      }
    }

    const x = e * EDGE_FIELDS;
    let tc = rec[x + EDGE_TRUST];
    if (!(tc >= 0)) tc = 0;
    else if (tc > 1) tc = 1;

    if (overAnomalyLimit(lenSq, anomalySq)) {
      // Too far, infinite or NaN: excluded from this cycle, and the sender trusted less.
      rec[x + EDGE_TRUST] = trustDrop(tc, tcDrop);
      const rule = exclusionRule(S, jb, d);
      if (rule === Rule.Anomaly) anomalies++;
      else nonFinite++;
      if (report) queueEvent(queued, rule, neighbors[e], Math.sqrt(lenSq), anomalyLimit);
      continue;
    }

    const len = Math.sqrt(lenSq);
    forceSum += len;
    const scale = diffClampScale(len, maxDiff);
    if (scale !== 1) {
      clamped++;
      if (report) queueEvent(queued, Rule.DiffClamp, neighbors[e], len, maxDiff);
    }

    let w: number;
    if (uniform) {
      w = Math.sqrt(tc);
    } else if (metropolis) {
      const j = neighbors[e];
      const dj = offsets[j + 1] - offsets[j];
      w = 1 / (1 + (degree > dj ? degree : dj));
    } else {
      const claim = claims[neighbors[e]];
      w = boundWeight(claim, wMax);
      if (w !== claim) {
        overweight++;
        if (report) queueEvent(queued, Rule.WeightBound, neighbors[e], claim, wMax);
      }
      w *= Math.sqrt(tc);
    }

    // Drain evidence: only a diff that did not shrink says something about the sender.
    // lastLenSq is kept in float32, which rounds up about half the time: a diff as long as the
    // last one must count as unshrunk, so anything within float32 precision of it does.
    // A diff that did not shrink while the node's own last step went away from the peer says
    // nothing about the peer either: the node may have been pulled away by others, and a peer
    // it leaves behind is no drain. Such a cycle leaves the evidence as it was and reaches no
    // verdict (trust is left as it is); a telling cycle is one in which the node stood still or
    // stepped toward the peer and the diff still did not shrink (docs/model.md, "The drain
    // test").
    const unshrunk = +(lenSq >= rec[x + EDGE_LAST_LEN_SQ] * (1 - 1e-6));
    const away = unshrunk * +(toward < 0);
    const telling = unshrunk - away;
    const decay = away + (1 - away) * memory;
    const toLess = rec[x + EDGE_TO_LESS] * decay + telling * +(sum < -tie);
    const toMore = rec[x + EDGE_TO_MORE] * decay + telling * +(sum > tie);
    rec[x + EDGE_TO_LESS] = toLess;
    rec[x + EDGE_TO_MORE] = toMore;
    rec[x + EDGE_LAST_LEN_SQ] = lenSq;
    const z = drainScore(toLess, toMore, drainZ, drainMin);
    if (away === 1 && z >= 0) {
      // Still suspect, on evidence this cycle did not add to: no new penalty, and no rise,
      // which would hand a muted drain back its pull.
      rec[x + EDGE_TRUST] = tc;
    } else if (z >= 0) {
      rec[x + EDGE_TRUST] = trustPenalty(tc, drainPenalty);
      drains++;
      if (report) queueEvent(queued, Rule.Drain, neighbors[e], z, drainZ);
    } else {
      rec[x + EDGE_TRUST] = trustRise(tc, tcRise);
    }

    const slot = accepted * d;
    if (mean) {
      const pull = w * scale;
      weightSum += w;
      if (two) {
        g0 += pull * x0;
        g1 += pull * x1;
      } else {
        for (let c = 0; c < d; c++) g[c] += pull * vals[slot + c];
      }
    } else {
      ws[accepted] = w;
      if (two) {
        vals[slot] = scale * x0;
        vals[slot + 1] = scale * x1;
      } else if (scale !== 1) {
        for (let c = 0; c < d; c++) vals[slot + c] *= scale;
      }
    }
    accepted++;
  }

  // Counters are written only when they change: threads stepping neighbouring blocks would
  // otherwise pass the counters' cache line back and forth on every node.
  if (anomalies + nonFinite + clamped + overweight + drains > 0) {
    const counts = a.counts;
    counts[Rule.Anomaly] += anomalies;
    counts[Rule.Finite] += nonFinite;
    counts[Rule.DiffClamp] += clamped;
    counts[Rule.WeightBound] += overweight;
    counts[Rule.Drain] += drains;
  }
  if (report) reportQueued(queued, i, sink);

  s.meanForce = accepted > 0 ? forceSum / accepted : 0;
  if (mean) {
    if (two) {
      g[0] = g0;
      g[1] = g1;
    }
    // Metropolis weights are not renormalised: the remainder is the node's own weight.
    if (!metropolis) {
      // A division, not a multiplication by 1 / weightSum, which overflows for subnormal sums.
      for (let c = 0; c < d; c++) g[c] = weightSum > 0 ? g[c] / weightSum : 0;
    }
  } else {
    for (let c = 0; c < d; c++) g[c] = aggregate(s, accepted, d, c, p.trimF);
  }

  return accepted;
}

/** Recovery mode for this cycle, from the mean accepted |diff| (docs/model.md, "One cycle", 8). */
function switchRecovery(
  a: DriftArrays,
  p: KernelParams,
  i: number,
  meanForce: number,
  sink: InterventionSink | null,
): boolean {
  const was = a.recovery[i] === 1;
  const now = nextRecovery(was, meanForce, p.forceLimit);
  if (now !== was) {
    const rule = now ? Rule.RecoveryEnter : Rule.RecoveryExit;
    a.counts[rule]++;
    sink?.(rule, i, -1, meanForce, now ? p.forceLimit : p.forceLimit / 2);
  }
  return now;
}

/** D = alpha F + beta G, with F = E / max(1, |E|) * (1 - load) written back as applied. */
function composeDrift(
  a: DriftArrays,
  p: KernelParams,
  s: Scratch,
  i: number,
  load: number,
  recovering: boolean,
  sink: InterventionSink | null,
): void {
  const d = a.d;
  const base = i * a.stride + a.first;
  const alpha = recovering ? recoveryAlpha(p.alpha) : p.alpha;
  const beta = recovering ? recoveryBeta(p.beta) : p.beta;
  const E = a.entropy;
  let eSq = 0;
  for (let c = 0; c < d; c++) eSq += E[base + c] * E[base + c];
  if (!Number.isFinite(eSq)) {
    a.counts[Rule.Finite]++;
    sink?.(Rule.Finite, i, -1, eSq, 0);
    eSq = 0;
    for (let c = 0; c < d; c++) E[base + c] = 0;
  }
  const quiet = load > 0 ? (load < 1 ? 1 - load : 0) : 1;
  // max, not a branch: |E| > 1 holds for about 60% of draws at d = 2, so a branch on it would
  // be mispredicted often.
  const eScale = quiet / Math.sqrt(Math.max(1, eSq));
  const D = a.drift;
  for (let c = 0; c < d; c++) {
    const f = E[base + c] * eScale;
    E[base + c] = f;
    D[base + c] = alpha * f + beta * s.g[c];
  }
}

/** guardDrift's result bits. */
const CORRECTED = 1;
const LOSS_LIMITED = 2;

/**
 * VaultGuard on node i's drift, in order: drift clamp, catastrophic loss, VU >= 0, finite.
 * Returns CORRECTED if any rule changed D, plus LOSS_LIMITED if the loss limit did.
 */
function guardDrift(
  a: DriftArrays,
  p: KernelParams,
  s: Scratch,
  i: number,
  sink: InterventionSink | null,
): number {
  const d = a.d;
  const base = i * a.stride + a.first;
  const D = a.drift;
  const counts = a.counts;
  let result = 0;
  const driftBefore = clampDrift(D, base, d, p.maxDrift);
  if (driftBefore >= 0) {
    result |= CORRECTED;
    counts[Rule.DriftClamp]++;
    sink?.(Rule.DriftClamp, i, -1, driftBefore, p.maxDrift);
  }
  const lostShare = limitLoss(s.self, 0, D, base, d, p.lossLimit);
  if (lostShare >= 0) {
    result |= CORRECTED | LOSS_LIMITED;
    counts[Rule.CatastrophicLoss]++;
    sink?.(Rule.CatastrophicLoss, i, -1, lostShare, p.lossLimit);
  }
  const lowest = floorAtZero(s.self, 0, D, base, d);
  if (lowest < 0) {
    result |= CORRECTED;
    counts[Rule.VuNonNegative]++;
    sink?.(Rule.VuNonNegative, i, -1, lowest, 0);
  }
  // Unreachable with finite inputs; kept so that no path can put a NaN into S.
  if (repairNonFinite(D, base, d, 0) > 0) {
    result |= CORRECTED;
    counts[Rule.Finite]++;
    sink?.(Rule.Finite, i, -1, NaN, 0);
  }
  return result;
}

/**
 * W-MSR for coordinate c over the k accepted diffs in scratch: drops the F largest positive
 * and the F most negative values (all of them if fewer), then the weighted mean of the rest.
 */
function trimmedMean(s: Scratch, k: number, d: number, c: number, F: number): number {
  const { vals, w, dropped } = s;
  dropped.fill(0, 0, k);
  for (let side = 1; side >= -1; side -= 2) {
    for (let r = 0; r < F; r++) {
      let pick = -1;
      let extreme = 0;
      for (let q = 0; q < k; q++) {
        const v = vals[q * d + c] * side;
        if (dropped[q] === 0 && v > extreme) {
          extreme = v;
          pick = q;
        }
      }
      if (pick < 0) break;
      dropped[pick] = 1;
    }
  }
  let sum = 0;
  let weight = 0;
  for (let q = 0; q < k; q++) {
    if (dropped[q] === 0) {
      sum += w[q] * vals[q * d + c];
      weight += w[q];
    }
  }
  return weight > 0 ? sum / weight : 0;
}

/**
 * Weighted median of coordinate c: the first value at which the cumulative weight reaches
 * half of the total (the midpoint of two values when it lands on half exactly).
 */
function weightedMedian(s: Scratch, k: number, d: number, c: number): number {
  const { vals, w, order } = s;
  let total = 0;
  for (let q = 0; q < k; q++) {
    order[q] = q;
    total += w[q];
  }
  if (!(total > 0)) return 0;
  if (k > 32) {
    order.subarray(0, k).sort((x, y) => vals[x * d + c] - vals[y * d + c]);
  } else {
    insertionSort(order, vals, k, d, c);
  }
  const half = total / 2;
  // The running sum adds the weights in another order than `total` did, so it can miss half
  // by a few ulps where it lands on it exactly in real numbers (eight equal weights do).
  const tie = total * 1e-12;
  let cum = 0;
  for (let q = 0; q < k; q++) {
    const o = order[q];
    cum += w[o];
    if (cum > half + tie) return vals[o * d + c];
    if (cum >= half - tie)
      return q + 1 < k ? (vals[o * d + c] + vals[order[q + 1] * d + c]) / 2 : vals[o * d + c];
  }
  return vals[order[k - 1] * d + c];
}

/** Short rows sort fastest by insertion, without a comparator call per step. */
function insertionSort(
  order: Int32Array,
  vals: Float64Array,
  k: number,
  d: number,
  c: number,
): void {
  for (let q = 1; q < k; q++) {
    const o = order[q];
    const v = vals[o * d + c];
    let r = q - 1;
    while (r >= 0 && vals[order[r] * d + c] > v) {
      order[r + 1] = order[r];
      r--;
    }
    order[r + 1] = o;
  }
}
