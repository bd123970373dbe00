import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileParams,
  createScratch,
  EDGE_FIELDS,
  EDGE_TRUST,
  stepNode,
  type DriftArrays,
} from '../../src-shared/drift/kernel';
import { resolveParams } from '../../src-shared/drift/params';
import { emptyCounts, Rule, RULES } from '../../src-shared/drift/rules';
import {
  boundWeight,
  clampDrift,
  diffClampScale,
  drainScore,
  exclusionRule,
  floorAtZero,
  guard,
  limitLoss,
  nextRecovery,
  norm,
  overAnomalyLimit,
  ownStateRule,
  repairNonFinite,
  squaredNorm,
  TRUST_PRIOR,
  trustDrop,
  trustPenalty,
  trustRise,
} from '../../src-shared/drift/vaultguard';

/*
 * VaultGuard's rules one by one (docs/model.md, "VaultGuard"). Expected values are worked out
 * by hand in the comments beside them.
 */

const SEED = 20261121;
const close = (a: number, b: number, rel = 1e-12) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

describe('guard.driftClamp', () => {
  it('scales [3, 4] at maxDrift 1 to [0.6, 0.8] and reports |D| = 5', () => {
    const { D, event } = guard.driftClamp([3, 4], 1);
    expect(D[0]).toBeCloseTo(0.6, 15);
    expect(D[1]).toBeCloseTo(0.8, 15);
    expect(event).toMatchObject({ rule: 'drift-clamp', value: 5, limit: 1 });
    expect(event?.peer).toBeUndefined();
    expect(event?.reason).toContain('5');
  });

  it('leaves a drift within the limit (including exactly at it) alone', () => {
    expect(guard.driftClamp([0.6, 0.8], 1)).toEqual({ D: [0.6, 0.8], event: null });
    // |[3, 4]| = 5 exactly: the limit itself is allowed.
    expect(guard.driftClamp([3, 4], 5)).toEqual({ D: [3, 4], event: null });
    expect(guard.driftClamp([0, 0, 0], 1e-9)).toEqual({ D: [0, 0, 0], event: null });
  });

  it('does not modify its input', () => {
    const input = [30, -40];
    guard.driftClamp(input, 1);
    expect(input).toEqual([30, -40]);
  });

  it('clamps a 3-dimensional drift: [2, -2, 1] (norm 3) at 1.5 halves it', () => {
    const { D, event } = guard.driftClamp([2, -2, 1], 1.5);
    expect(D).toEqual([1, -1, 0.5]);
    expect(event?.value).toBe(3);
  });
});

describe('guard.diffClamp', () => {
  it('scales [-6, 8] (length 10) at maxDiff 5 to [-3, 4]', () => {
    const { diff, event } = guard.diffClamp([-6, 8], 5);
    expect(diff).toEqual([-3, 4]);
    expect(event).toMatchObject({ rule: 'diff-clamp', value: 10, limit: 5 });
  });

  it('leaves a diff at or under maxDiff alone', () => {
    expect(guard.diffClamp([-6, 8], 10)).toEqual({ diff: [-6, 8], event: null });
    expect(guard.diffClamp([1], 10)).toEqual({ diff: [1], event: null });
  });
});

describe('guard.anomaly', () => {
  it('excludes a diff longer than the limit, with its length as the value', () => {
    // Own [1, 1], peer [6, 13]: diff [5, 12], length 13.
    const r = guard.anomaly([1, 1], [6, 13], 12.9);
    expect(r.excluded).toBe(true);
    expect(r.event).toMatchObject({ rule: 'anomaly-bound', value: 13, limit: 12.9 });
  });

  it('accepts a diff exactly at the limit', () => {
    expect(guard.anomaly([0, 0], [5, 12], 13)).toEqual({ excluded: false, event: null });
  });

  it('excludes a non-finite report as a finite-state violation', () => {
    for (const peer of [
      [NaN, 0],
      [Infinity, 0],
      [0, -Infinity],
    ]) {
      const r = guard.anomaly([0, 0], peer, 1e12);
      expect(r.excluded).toBe(true);
      expect(r.event?.rule).toBe('finite-state');
    }
  });

  it('excludes a diff that overflows from finite states as an anomaly', () => {
    // (1e200)^2 is past the largest double: the squared length is Infinity, the states finite.
    const r = guard.anomaly([0, 0], [1e200, 0], 1e12);
    expect(r.excluded).toBe(true);
    expect(r.event).toMatchObject({ rule: 'anomaly-bound', value: Infinity, limit: 1e12 });
  });
});

describe('guard.ownState', () => {
  it('reads NaN, infinities and negative components as 0, one event each', () => {
    const { S, events } = guard.ownState([3, -2, Infinity, 0, NaN]);
    expect(S).toEqual([3, 0, 0, 0, 0]);
    expect(events.map((e) => [e.rule, e.value])).toEqual([
      ['vu-nonnegative', -2],
      ['finite-state', Infinity],
      ['finite-state', NaN],
    ]);
  });

  it('keeps zero (also -0) and finite extremes as they are', () => {
    expect(guard.ownState([0, -0, 1e308, Number.MIN_VALUE])).toEqual({
      S: [0, -0, 1e308, Number.MIN_VALUE],
      events: [],
    });
  });
});

describe('guard.catastrophicLoss', () => {
  it('scales a step removing 10% of sum(S) back to the 5% limit', () => {
    // sum(S) = 20, sum(D) = -2: a 10% loss; allowed 5% = 1 VU, so D is halved.
    const { D, event } = guard.catastrophicLoss([10, 10], [-1, -1], 0.05);
    expect(D).toEqual([-0.5, -0.5]);
    expect(event).toMatchObject({ rule: 'catastrophic-loss', value: 0.1, limit: 0.05 });
  });

  it('scales by the total, not per component: [+1, -4] on sum 30 at 5%', () => {
    // sum(D) = -3 on sum(S) = 30: 10%; allowed 1.5, scale 0.5 -> [0.5, -2].
    const { D, event } = guard.catastrophicLoss([10, 20], [1, -4], 0.05);
    expect(D).toEqual([0.5, -2]);
    expect(event?.value).toBeCloseTo(0.1, 15);
  });

  it('leaves gains, small losses and a loss exactly at the limit alone', () => {
    expect(guard.catastrophicLoss([10, 10], [5, 5], 0.05).event).toBeNull();
    expect(guard.catastrophicLoss([10, 10], [-0.4, -0.4], 0.05).event).toBeNull();
    expect(guard.catastrophicLoss([10, 10], [-0.5, -0.5], 0.05)).toEqual({
      D: [-0.5, -0.5],
      event: null,
    });
  });

  it('does not act on an empty state (sum 0), which the VU floor handles', () => {
    expect(guard.catastrophicLoss([0, 0], [-1, -1], 0.05)).toEqual({ D: [-1, -1], event: null });
  });
});

describe('guard.vuNonNegative', () => {
  it('takes components that would go negative to zero exactly and reports the lowest', () => {
    // S + D = [-1, 1.5, -3]: components 0 and 2 go to zero, D = -S there.
    const { D, event } = guard.vuNonNegative([2, 1, 0.5], [-3, 0.5, -3.5]);
    expect(D).toEqual([-2, 0.5, -0.5]);
    expect(event).toMatchObject({ rule: 'vu-nonnegative', value: -3, limit: 0 });
  });

  it('allows a step that lands exactly on zero', () => {
    expect(guard.vuNonNegative([2, 1], [-2, -1])).toEqual({ D: [-2, -1], event: null });
  });
});

describe('guard.finite', () => {
  it('replaces NaN and infinities by zero and reports the first bad value', () => {
    const { S, event } = guard.finite([1, Infinity, NaN, -Infinity, 2]);
    expect(S).toEqual([1, 0, 0, 0, 2]);
    expect(event).toMatchObject({ rule: 'finite-state', value: Infinity, limit: 0 });
  });

  it('keeps finite extremes (including negative ones, which are the VU floor`s job)', () => {
    const s = [1e308, -1e308, 0, -0, Number.MIN_VALUE];
    expect(guard.finite(s)).toEqual({ S: s, event: null });
  });
});

describe('guard.weightBound', () => {
  it('caps a claim over wMax at wMax', () => {
    expect(guard.weightBound(10, 4)).toEqual({
      weight: 4,
      event: expect.objectContaining({ rule: 'weight-bound', value: 10, limit: 4 }),
    });
    expect(guard.weightBound(Infinity, 4).weight).toBe(4);
  });

  it('counts negative and NaN claims for nothing', () => {
    expect(guard.weightBound(-1, 4).weight).toBe(0);
    expect(guard.weightBound(-1, 4).event?.value).toBe(-1);
    expect(guard.weightBound(NaN, 4).weight).toBe(0);
    expect(guard.weightBound(NaN, 4).event?.rule).toBe('weight-bound');
    expect(guard.weightBound(-Infinity, 4).weight).toBe(0);
  });

  it('passes claims in [0, wMax] unchanged and silently', () => {
    for (const claim of [0, 1e-300, 2.5, 4]) {
      expect(guard.weightBound(claim, 4)).toEqual({ weight: claim, event: null });
    }
  });
});

describe('in-place helpers (offsets into shared buffers)', () => {
  it('norm reads only its slice', () => {
    const buf = Float64Array.of(100, 3, 4, 100);
    expect(norm(buf, 1, 2)).toBe(5);
    expect(norm(buf, 0, 0)).toBe(0);
  });

  it('repairNonFinite repairs only its slice, with the fallback, and counts', () => {
    const buf = Float64Array.of(NaN, 1, NaN, Infinity, NaN);
    expect(repairNonFinite(buf, 1, 3, 7)).toBe(2);
    expect(Number.isNaN(buf[0])).toBe(true);
    expect([...buf.subarray(1, 4)]).toEqual([1, 7, 7]);
    expect(Number.isNaN(buf[4])).toBe(true);
  });

  it('clampDrift returns the norm before (or -1) and scales only its slice', () => {
    const buf = Float64Array.of(9, 6, 8, 9);
    expect(clampDrift(buf, 1, 2, 5)).toBe(10);
    expect([...buf]).toEqual([9, 3, 4, 9]);
    expect(clampDrift(buf, 1, 2, 5)).toBe(-1);
  });

  it('diffClampScale is maxDiff / len over the limit and 1 otherwise', () => {
    expect(diffClampScale(20, 5)).toBe(0.25);
    expect(diffClampScale(5, 5)).toBe(1);
    expect(diffClampScale(0, 5)).toBe(1);
  });

  it('diffClampScale is below 1 even one ulp over the limit (so "not 1" means clamped)', () => {
    // The next double after x is at least x (1 + 2^-53); x / that is at most 1 - 2^-53.
    const nextUp = (x: number) => {
      const f = new Float64Array([x]);
      const bits = new BigInt64Array(f.buffer);
      bits[0] = bits[0]! + 1n;
      return f[0]!;
    };
    for (const maxDiff of [1, 1.9999999999999998, 5, 10, 3e-300, 1e12, Number.MIN_VALUE]) {
      expect(diffClampScale(nextUp(maxDiff), maxDiff)).toBeLessThan(1);
    }
  });

  it('overAnomalyLimit compares squares: at the limit accepted, NaN and Infinity over', () => {
    expect(overAnomalyLimit(169, 169)).toBe(false);
    expect(overAnomalyLimit(169.00000000000003, 169)).toBe(true);
    expect(overAnomalyLimit(NaN, 169)).toBe(true);
    expect(overAnomalyLimit(Infinity, 1e24)).toBe(true);
  });

  it('exclusionRule reads only its slice of the senders` states', () => {
    const states = Float64Array.of(NaN, 1, 2, Infinity);
    expect(exclusionRule(states, 1, 2)).toBe(Rule.Anomaly);
    expect(exclusionRule(states, 2, 2)).toBe(Rule.Finite);
    expect(exclusionRule(states, 0, 1)).toBe(Rule.Finite);
  });

  it('ownStateRule: -1 for usable components, else the rule broken', () => {
    expect(ownStateRule(0)).toBe(-1);
    expect(ownStateRule(-0)).toBe(-1);
    expect(ownStateRule(1e308)).toBe(-1);
    expect(ownStateRule(-1e-300)).toBe(Rule.VuNonNegative);
    expect(ownStateRule(-Infinity)).toBe(Rule.Finite);
    expect(ownStateRule(Infinity)).toBe(Rule.Finite);
    expect(ownStateRule(NaN)).toBe(Rule.Finite);
  });

  it('squaredNorm adds squares in index order over its slice', () => {
    expect(squaredNorm([9, 3, 4, 9], 1, 2)).toBe(25);
    expect(squaredNorm(Float64Array.of(1, 2, 2), 0, 3)).toBe(9);
  });

  it('boundWeight bounds to [0, wMax]', () => {
    expect(boundWeight(3, 2)).toBe(2);
    expect(boundWeight(1.5, 2)).toBe(1.5);
    expect(boundWeight(-3, 2)).toBe(0);
    expect(boundWeight(NaN, 2)).toBe(0);
  });

  it('limitLoss works on offsets: S at 2, D at 1', () => {
    const S = Float64Array.of(0, 0, 4, 6);
    const D = Float64Array.of(99, -2, -2, 99);
    // sum S = 10, sum D = -4 (40%); allowed 20% = 2 -> D halved.
    expect(limitLoss(S, 2, D, 1, 2, 0.2)).toBeCloseTo(0.4, 15);
    expect([...D]).toEqual([99, -1, -1, 99]);
    expect([...S]).toEqual([0, 0, 4, 6]);
  });

  it('floorAtZero works on offsets and returns the lowest would-be value', () => {
    const S = Float64Array.of(5, 1, 2);
    const D = Float64Array.of(0, -1.5, -4, 0);
    expect(floorAtZero(S, 1, D, 1, 2)).toBe(-2);
    expect([...D]).toEqual([0, -1, -2, 0]);
    expect(floorAtZero(S, 1, D, 1, 2)).toBe(0);
  });

  it('trustRise closes `rise` of the gap to 1; trustDrop loses `drop` of itself', () => {
    expect(trustRise(0.5, 0.1)).toBeCloseTo(0.55, 15);
    expect(trustRise(1, 0.5)).toBe(1);
    expect(trustRise(0.2, 0)).toBe(0.2);
    expect(trustDrop(0.5, 0.5)).toBe(0.25);
    expect(trustDrop(0.8, 1)).toBe(0);
    expect(TRUST_PRIOR).toBe(0.5);
  });

  it('trustPenalty loses `penalty` outright and stops at 0', () => {
    expect(trustPenalty(0.5, 0.125)).toBe(0.375);
    expect(trustPenalty(0.05, 0.1)).toBe(0);
    expect(trustPenalty(0.3, 0)).toBe(0.3);
  });
});

describe('drainScore', () => {
  it('returns the one-sided z-score (toLess - toMore) / sqrt(n) when it exceeds z', () => {
    // n = 20, excess 20: z = 20 / sqrt(20) = sqrt(20) = 4.47 > 4.
    expect(drainScore(20, 0, 4, 16)).toBeCloseTo(Math.sqrt(20), 12);
    // n = 25, excess 15: z = 3 > 2.
    expect(drainScore(20, 5, 2, 16)).toBeCloseTo(3, 12);
  });

  it('needs enough evidence', () => {
    // excess 15 on n = 15 would be z = 3.9, but n < 16.
    expect(drainScore(15, 0, 1, 16)).toBe(-1);
  });

  it('does not fire at or under the threshold, nor toward more value', () => {
    // n = 20, excess 16: z = 3.58 < 4.
    expect(drainScore(18, 2, 4, 16)).toBe(-1);
    // n = 16, excess 16: z = 4 exactly is not over 4.
    expect(drainScore(16, 0, 4, 16)).toBe(-1);
    expect(drainScore(0, 40, 1, 16)).toBe(-1);
    expect(drainScore(20, 20, 1, 16)).toBe(-1);
  });
});

describe('nextRecovery (hysteresis)', () => {
  it('switches on only over forceLimit', () => {
    expect(nextRecovery(false, 5, 5)).toBe(false);
    expect(nextRecovery(false, 5.000001, 5)).toBe(true);
    expect(nextRecovery(false, 0, 5)).toBe(false);
  });

  it('stays on between half the limit and the limit, and switches off under half', () => {
    expect(nextRecovery(true, 4, 5)).toBe(true);
    expect(nextRecovery(true, 2.5, 5)).toBe(true);
    expect(nextRecovery(true, 2.499999, 5)).toBe(false);
    expect(nextRecovery(true, 100, 5)).toBe(true);
  });
});

describe('properties of the pure rules', () => {
  const vec = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
    minLength: 1,
    maxLength: 8,
  });
  const limit = fc.double({ min: 1e-6, max: 1e6, noNaN: true });

  it('driftClamp: |out| <= limit, direction kept, and clamping twice changes nothing more', () => {
    fc.assert(
      fc.property(vec, limit, (D, maxDrift) => {
        const once = guard.driftClamp(D, maxDrift);
        const n = Math.hypot(...once.D);
        expect(n).toBeLessThanOrEqual(maxDrift * (1 + 1e-12));
        const before = Math.hypot(...D);
        // out = k * in with one k in (0, 1] for every component.
        const k = before > maxDrift ? maxDrift / before : 1;
        for (let c = 0; c < D.length; c++) expect(close(once.D[c], k * D[c])).toBe(true);
        expect(once.event === null).toBe(before <= maxDrift);
        const twice = guard.driftClamp(once.D, maxDrift);
        for (let c = 0; c < D.length; c++) expect(close(twice.D[c], once.D[c])).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('diffClamp: |out| <= limit, direction kept, idempotent', () => {
    fc.assert(
      fc.property(vec, limit, (diff, maxDiff) => {
        const once = guard.diffClamp(diff, maxDiff);
        expect(Math.hypot(...once.diff)).toBeLessThanOrEqual(maxDiff * (1 + 1e-12));
        const len = Math.hypot(...diff);
        const k = len > maxDiff ? maxDiff / len : 1;
        for (let c = 0; c < diff.length; c++) expect(close(once.diff[c], k * diff[c])).toBe(true);
        const twice = guard.diffClamp(once.diff, maxDiff);
        for (let c = 0; c < diff.length; c++) expect(close(twice.diff[c], once.diff[c])).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('catastrophicLoss: never removes more than lossLimit of sum(S); a pure rescale', () => {
    const state = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
      minLength: 1,
      maxLength: 8,
    });
    const share = fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true });
    fc.assert(
      fc.property(state, vec, share, (S, D0, lossLimit) => {
        const D = S.map((_, c) => D0[c % D0.length]);
        const sumS = S.reduce((a, b) => a + b, 0);
        const sumBefore = D.reduce((a, b) => a + b, 0);
        const once = guard.catastrophicLoss(S, D, lossLimit);
        const sumAfter = once.D.reduce((a, b) => a + b, 0);
        expect(sumAfter).toBeGreaterThanOrEqual(-lossLimit * sumS * (1 + 1e-9) - 1e-9);
        const k = once.event ? (-lossLimit * sumS) / sumBefore : 1;
        expect(k).toBeGreaterThan(0);
        expect(k).toBeLessThanOrEqual(1);
        for (let c = 0; c < D.length; c++) expect(close(once.D[c], k * D[c], 1e-9)).toBe(true);
        const twice = guard.catastrophicLoss(S, once.D, lossLimit);
        for (let c = 0; c < D.length; c++) expect(close(twice.D[c], once.D[c], 1e-9)).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('vuNonNegative: S + D >= 0 exactly, only failing components change, idempotent', () => {
    const state = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(state, vec, (S, D0) => {
        const D = S.map((_, c) => D0[c % D0.length]);
        const once = guard.vuNonNegative(S, D);
        for (let c = 0; c < S.length; c++) {
          expect(S[c] + once.D[c]).toBeGreaterThanOrEqual(0);
          if (S[c] + D[c] >= 0) expect(once.D[c]).toBe(D[c]);
          else expect(once.D[c]).toBe(-S[c]);
        }
        expect(guard.vuNonNegative(S, once.D)).toEqual({ D: once.D, event: null });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('finite and weightBound: always sane outputs, idempotent', () => {
    const hostile = fc.oneof(
      fc.double(),
      fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -1),
    );
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 8 }), hostile, limit, (S, claim, wMax) => {
        const f = guard.finite(S);
        expect(f.S.every(Number.isFinite)).toBe(true);
        expect(f.event === null).toBe(S.every(Number.isFinite));
        expect(guard.finite(f.S).event).toBeNull();
        const w = guard.weightBound(claim, wMax);
        expect(w.weight).toBeGreaterThanOrEqual(0);
        expect(w.weight).toBeLessThanOrEqual(wMax);
        expect(w.event === null).toBe(claim >= 0 && claim <= wMax);
        expect(guard.weightBound(w.weight, wMax).event).toBeNull();
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/*
 * The kernel runs the functions above: on one crafted node, every intervention the kernel
 * reports is the event the pure form gives for the same peer, and both are the values worked
 * out by hand.
 */
describe('the kernel and the pure forms agree', () => {
  const NO_PEER = -1;

  /** Node 0 of a one-row graph hearing peers 1..k, trust 1 on every edge, entropy 0. */
  function oneNode(own: number[], peers: number[][], claims: number[]) {
    const d = own.length;
    const k = peers.length;
    const arrays: DriftArrays = {
      d,
      stride: d,
      first: 0,
      holders: null,
      offsets: Int32Array.of(0, k, ...peers.map(() => k)),
      neighbors: Int32Array.from(peers, (_, q) => q + 1),
      state: Float64Array.from([own, ...peers].flat()),
      next: new Float64Array((k + 1) * d),
      drift: new Float64Array((k + 1) * d),
      entropy: new Float64Array((k + 1) * d),
      claims: Float64Array.from([1, ...claims]),
      edges: new Float32Array(k * EDGE_FIELDS).map((_, x) => (x % EDGE_FIELDS === 0 ? 1 : 0)),
      fresh: null,
      earned: new Float64Array(k + 1),
      tcSelf: new Float64Array(k + 1).fill(1),
      recovery: new Uint8Array(k + 1),
      counts: emptyCounts(),
    };
    return arrays;
  }

  function step(arrays: DriftArrays, params: Record<string, unknown>) {
    const p = resolveParams({ dimensions: arrays.d, ...params });
    const events: Array<{ rule: string; peer: number; value: number; limit: number }> = [];
    const accepted = stepNode(
      arrays,
      compileParams(p),
      createScratch(arrays.d, arrays.neighbors.length),
      0,
      0,
      (rule, _node, peer, value, limit) => events.push({ rule: RULES[rule], peer, value, limit }),
    );
    return { accepted, events };
  }

  it('on exclusions, clamps and weight bounds, peer by peer', () => {
    const own = [10, 10];
    const peers = [
      [16, 18], // diff [6, 8], length 10 > maxDiff 5: halved to [3, 4]; claim 10 bounded to 4
      [10, 40], // diff [0, 30], length 30 > 20: excluded (anomaly-bound)
      [NaN, 10], // non-finite report: excluded (finite-state)
      [1e200, 10], // finite, but its squared length overflows: excluded (anomaly-bound)
      [13, 6], // diff [3, -4], length 5 = maxDiff: kept; claim -1 counts for nothing
      [11, 10], // diff [1, 0]; claim 2 within [0, 4]
    ];
    const claims = [10, 1, 1, 1, -1, 2];
    const params = {
      alpha: 0,
      beta: 0.5,
      maxDiff: 5,
      anomalyLimit: 20,
      wMax: 4,
      maxDrift: 100,
      forceLimit: 1e6,
      weighting: 'claimed',
    };
    const arrays = oneNode(own, peers, claims);
    const { accepted, events } = step(arrays, params);

    const expected = [
      { rule: 'diff-clamp', peer: 1, value: 10, limit: 5 },
      { rule: 'weight-bound', peer: 1, value: 10, limit: 4 },
      { rule: 'anomaly-bound', peer: 2, value: 30, limit: 20 },
      { rule: 'finite-state', peer: 3, value: NaN, limit: 20 },
      { rule: 'anomaly-bound', peer: 4, value: Infinity, limit: 20 },
      { rule: 'weight-bound', peer: 5, value: -1, limit: 4 },
    ];
    expect(events).toEqual(expected);

    // The same peers through the pure forms, in the kernel's order for each edge.
    const pure = peers.flatMap((peer, q) => {
      const anomaly = guard.anomaly(own, peer, params.anomalyLimit);
      if (anomaly.excluded) return [anomaly.event];
      const diff = peer.map((x, c) => x - own[c]!);
      return [
        guard.diffClamp(diff, params.maxDiff).event,
        guard.weightBound(claims[q]!, params.wMax).event,
      ];
    });
    expect(
      pure.filter((e) => e !== null).map(({ rule, value, limit }) => ({ rule, value, limit })),
    ).toEqual(expected.map(({ rule, value, limit }) => ({ rule, value, limit })));

    // Accepted: peers 1, 5, 6 with weights 4, 0, 2 (sqrt(TC) = 1) and clamped diffs
    // [3, 4], [3, -4], [1, 0]: G = (4 [3, 4] + 2 [1, 0]) / 6 = [7/3, 8/3], D = G / 2.
    expect(accepted).toBe(3);
    expect(arrays.drift[0]).toBeCloseTo(7 / 6, 14);
    expect(arrays.drift[1]).toBeCloseTo(4 / 3, 14);
    // Each exclusion halves the sender's trust (tcDrop 0.5); accepted peers stay at 1.
    const trust = [0, 1, 2, 3, 4, 5].map((e) => arrays.edges[e * EDGE_FIELDS + EDGE_TRUST]);
    expect(trust).toEqual([1, 0.5, 0.5, 0.5, 1, 1]);
    expect(arrays.counts[Rule.Anomaly]).toBe(2);
    expect(arrays.counts[Rule.Finite]).toBe(1);
    expect(arrays.counts[Rule.DiffClamp]).toBe(1);
    expect(arrays.counts[Rule.WeightBound]).toBe(2);
  });

  it('on a diff clamp at a length that Math.hypot rounds otherwise', () => {
    // A diff whose length, as the square root of the sum of squares, is one ulp away from
    // Math.hypot's: with maxDiff at the smaller of the two, only the kernel's own rounding
    // decides whether the clamp acts, and the pure form must decide the same.
    let diff: number[] = [];
    for (let i = 1; diff.length === 0; i++) {
      const x = i / 10;
      const y = 1 + i * 0.37;
      if (Math.hypot(x, y) !== Math.sqrt(x * x + y * y)) diff = [x, y];
    }
    const [x, y] = diff as [number, number];
    const maxDiff = Math.min(Math.hypot(x, y), Math.sqrt(x * x + y * y));
    const arrays = oneNode([0, 0], [[x, y]], [1]);
    const { events } = step(arrays, {
      alpha: 0,
      beta: 0.5,
      maxDiff,
      anomalyLimit: 100,
      maxDrift: 100,
      weighting: 'uniform',
    });
    const kernelClamped = events.some((e) => e.rule === 'diff-clamp');
    expect(guard.diffClamp([x, y], maxDiff).event !== null).toBe(kernelClamped);
  });

  it('on the node`s own state', () => {
    const own = [-2, Infinity, 3];
    const arrays = oneNode(own, [], []);
    const { events } = step(arrays, { alpha: 0, weighting: 'uniform' });
    const expected = [
      { rule: 'vu-nonnegative', peer: NO_PEER, value: -2, limit: 0 },
      { rule: 'finite-state', peer: NO_PEER, value: Infinity, limit: 0 },
    ];
    expect(events).toEqual(expected);
    expect(
      guard.ownState(own).events.map(({ rule, value, limit }) => ({ rule, value, limit })),
    ).toEqual(expected.map(({ rule, value, limit }) => ({ rule, value, limit })));
    // Read as [0, 0, 3]; no peers and no entropy: S stays there.
    expect([...arrays.next]).toEqual([0, 0, 3]);
  });
});
