import { makeEvent, Rule, type RuleId, type VaultEvent } from './rules';

/*
 * VaultGuard's rules as small functions over numbers and flat buffers: the one implementation of
 * each rule. The drift kernel calls them in place on its typed arrays (no allocation on the hot
 * path; V8 inlines functions this small into the kernel's loops); `guard` below wraps each one
 * as a pure function on plain arrays that returns the corrected values and the event, which is
 * the form the rules are specified and tested in. A wrapper adds nothing but the copying and
 * the event, so a test of `guard` tests the code every node runs.
 */

/** Replaces non-finite components of buf[off..off+d) by `fallback`; returns how many. */
export function repairNonFinite(
  buf: Float64Array,
  off: number,
  d: number,
  fallback: number,
): number {
  let repaired = 0;
  for (let c = 0; c < d; c++) {
    if (!Number.isFinite(buf[off + c])) {
      buf[off + c] = fallback;
      repaired++;
    }
  }
  return repaired;
}

/**
 * Sum of squares of buf[off..off+d), added in index order: the squared length the bounds
 * compare. Not Math.hypot, which rounds differently and would make the pure forms disagree
 * with the kernel in the last bit.
 */
export function squaredNorm(buf: ArrayLike<number>, off: number, d: number): number {
  let sq = 0;
  for (let c = 0; c < d; c++) sq += buf[off + c] * buf[off + c];
  return sq;
}

/** Euclidean norm of buf[off..off+d). */
export function norm(buf: ArrayLike<number>, off: number, d: number): number {
  return Math.sqrt(squaredNorm(buf, off, d));
}

/**
 * Own state: the rule a component of the node's own S breaks (finite-state for NaN and
 * infinities, vu-nonnegative for a negative number), or -1 when it can be used as it is. A
 * broken component is read as 0; the shared state buffer itself is never written.
 */
export function ownStateRule(v: number): RuleId | -1 {
  if (v >= 0 && v !== Infinity) return -1;
  return Number.isFinite(v) ? Rule.VuNonNegative : Rule.Finite;
}

/**
 * Anomaly bound on a diff of squared length `lenSq`: true when the peer is excluded. Squares
 * are compared so that an accepted diff, the common case, costs no square root; NaN (from a
 * non-finite report) and an overflow to Infinity are over the bound.
 */
export function overAnomalyLimit(lenSq: number, anomalySq: number): boolean {
  return !(lenSq <= anomalySq);
}

/**
 * The rule an excluded report broke: finite-state when the sender's state holds a non-finite
 * number (whether its diff came out NaN or infinite), anomaly-bound otherwise (an infinite diff
 * from finite numbers is an overflow: a true anomaly).
 */
export function exclusionRule(peerState: ArrayLike<number>, off: number, d: number): RuleId {
  let finite = true;
  for (let c = 0; c < d; c++) if (!Number.isFinite(peerState[off + c])) finite = false;
  return finite ? Rule.Anomaly : Rule.Finite;
}

/** Drift clamp: scales D so that |D| <= maxDrift. Returns |D| before, or -1 if within. */
export function clampDrift(D: Float64Array, off: number, d: number, maxDrift: number): number {
  const n = norm(D, off, d);
  if (n <= maxDrift) return -1;
  const s = maxDrift / n;
  for (let c = 0; c < d; c++) D[off + c] *= s;
  return n;
}

/**
 * Diff clamp: the factor that brings a diff of length `len` within maxDiff, exactly 1 when it
 * is within already. The rule acted if and only if the factor is not 1: over the bound,
 * maxDiff / len is at most 1 - 2^-53 (lengths one ulp apart differ by at least 2^-53 of
 * themselves, and the quotient is correctly rounded).
 */
export function diffClampScale(len: number, maxDiff: number): number {
  return len > maxDiff ? maxDiff / len : 1;
}

/**
 * Weight bound: a peer's claimed weight held to [0, wMax]; NaN and negative claims count for
 * nothing. The rule acted if and only if the result differs from the claim.
 */
export function boundWeight(claim: number, wMax: number): number {
  return claim > 0 ? (claim < wMax ? claim : wMax) : 0;
}

/**
 * Catastrophic loss: if D would lower sum(S) by more than `lossLimit` of it, scales D back so
 * that it removes exactly that share. Returns the share it would have removed, or -1.
 */
export function limitLoss(
  S: Float64Array,
  sOff: number,
  D: Float64Array,
  dOff: number,
  d: number,
  lossLimit: number,
): number {
  let sumS = 0;
  let sumD = 0;
  for (let c = 0; c < d; c++) {
    sumS += S[sOff + c];
    sumD += D[dOff + c];
  }
  const allowed = lossLimit * sumS;
  if (!(sumD < -allowed) || sumS <= 0) return -1;
  const s = allowed / -sumD;
  for (let c = 0; c < d; c++) D[dOff + c] *= s;
  return -sumD / sumS;
}

/**
 * VU >= 0: where S + D would go below zero, D takes that component to zero exactly (and it
 * drifts no further this cycle). Returns the lowest value S + D would have reached, or 0.
 */
export function floorAtZero(
  S: Float64Array,
  sOff: number,
  D: Float64Array,
  dOff: number,
  d: number,
): number {
  let lowest = 0;
  for (let c = 0; c < d; c++) {
    const v = S[sOff + c] + D[dOff + c];
    if (v < 0) {
      if (v < lowest) lowest = v;
      D[dOff + c] = -S[sOff + c];
    }
  }
  return lowest;
}

/**
 * Drain test: `toLess` and `toMore` are decayed counts of cycles in which the peer's diff
 * pointed toward less (more) total value without shrinking. Honest peers split these by
 * chance; returns the one-sided z-score when it exceeds `z` with enough evidence, else -1.
 */
export function drainScore(toLess: number, toMore: number, z: number, minSamples: number): number {
  const n = toLess + toMore;
  const excess = toLess - toMore;
  if (n < minSamples || excess <= 0 || excess * excess <= z * z * n) return -1;
  return excess / Math.sqrt(n);
}

/** Recovery mode with hysteresis: on over forceLimit, off under half of it. */
export function nextRecovery(inRecovery: boolean, meanForce: number, forceLimit: number): boolean {
  return inRecovery ? !(meanForce < forceLimit / 2) : meanForce > forceLimit;
}

/** Moves trust toward 1 by `rise` of the gap (a peer whose diffs stay within bounds). */
export function trustRise(tc: number, rise: number): number {
  return tc + rise * (1 - tc);
}

/** Trust after an anomaly: loses `drop` of itself. */
export function trustDrop(tc: number, drop: number): number {
  return tc * (1 - drop);
}

/** Trust of a peer flagged as draining: loses `penalty` outright, never below 0. */
export function trustPenalty(tc: number, penalty: number): number {
  return Math.max(0, tc - penalty);
}

/** The prior that trust decays back toward while a peer is gone. */
export const TRUST_PRIOR = 0.5;

/** Pure forms of the rules: corrected values and the event (null when the rule did not act). */
export const guard = {
  driftClamp(D: readonly number[], maxDrift: number): { D: number[]; event: VaultEvent | null } {
    const buf = Float64Array.from(D);
    const before = clampDrift(buf, 0, buf.length, maxDrift);
    return { D: [...buf], event: before < 0 ? null : makeEvent(Rule.DriftClamp, before, maxDrift) };
  },

  catastrophicLoss(
    S: readonly number[],
    D: readonly number[],
    lossLimit: number,
  ): { D: number[]; event: VaultEvent | null } {
    const buf = Float64Array.from(D);
    const share = limitLoss(Float64Array.from(S), 0, buf, 0, buf.length, lossLimit);
    return {
      D: [...buf],
      event: share < 0 ? null : makeEvent(Rule.CatastrophicLoss, share, lossLimit),
    };
  },

  vuNonNegative(
    S: readonly number[],
    D: readonly number[],
  ): { D: number[]; event: VaultEvent | null } {
    const buf = Float64Array.from(D);
    const lowest = floorAtZero(Float64Array.from(S), 0, buf, 0, buf.length);
    return { D: [...buf], event: lowest < 0 ? makeEvent(Rule.VuNonNegative, lowest, 0) : null };
  },

  finite(S: readonly number[]): { S: number[]; event: VaultEvent | null } {
    const buf = Float64Array.from(S);
    const bad = S.find((x) => !Number.isFinite(x));
    const repaired = repairNonFinite(buf, 0, buf.length, 0);
    return { S: [...buf], event: repaired === 0 ? null : makeEvent(Rule.Finite, bad ?? NaN, 0) };
  },

  ownState(S: readonly number[]): { S: number[]; events: VaultEvent[] } {
    const events: VaultEvent[] = [];
    const read = S.map((v) => {
      const rule = ownStateRule(v);
      if (rule === -1) return v;
      events.push(makeEvent(rule, v, 0));
      return 0;
    });
    return { S: read, events };
  },

  diffClamp(
    diff: readonly number[],
    maxDiff: number,
  ): { diff: number[]; event: VaultEvent | null } {
    const len = norm(diff, 0, diff.length);
    const s = diffClampScale(len, maxDiff);
    return {
      diff: diff.map((x) => x * s),
      event: s === 1 ? null : makeEvent(Rule.DiffClamp, len, maxDiff),
    };
  },

  /** The peer's diff is its state less the node's own, as the receiver computes it. */
  anomaly(
    own: readonly number[],
    peer: readonly number[],
    anomalyLimit: number,
  ): { excluded: boolean; event: VaultEvent | null } {
    const diff = peer.map((x, c) => x - (own[c] ?? 0));
    const lenSq = squaredNorm(diff, 0, diff.length);
    if (!overAnomalyLimit(lenSq, anomalyLimit * anomalyLimit))
      return { excluded: false, event: null };
    const rule = exclusionRule(peer, 0, peer.length);
    return { excluded: true, event: makeEvent(rule, Math.sqrt(lenSq), anomalyLimit) };
  },

  weightBound(claim: number, wMax: number): { weight: number; event: VaultEvent | null } {
    const weight = boundWeight(claim, wMax);
    return { weight, event: weight === claim ? null : makeEvent(Rule.WeightBound, claim, wMax) };
  },
} as const;
