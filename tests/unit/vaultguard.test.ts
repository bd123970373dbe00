import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundWeight,
  clampDrift,
  diffClampScale,
  drainScore,
  floorAtZero,
  guard,
  limitLoss,
  nextRecovery,
  norm,
  repairNonFinite,
  TRUST_PRIOR,
  trustDrop,
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
    const r = guard.anomaly([5, 12], 12.9);
    expect(r.excluded).toBe(true);
    expect(r.event).toMatchObject({ rule: 'anomaly-bound', value: 13, limit: 12.9 });
  });

  it('accepts a diff exactly at the limit', () => {
    expect(guard.anomaly([5, 12], 13)).toEqual({ excluded: false, event: null });
  });

  it('excludes NaN and infinite diffs', () => {
    expect(guard.anomaly([NaN, 0], 1e12).excluded).toBe(true);
    expect(guard.anomaly([Infinity, 0], 1e12).excluded).toBe(true);
    expect(guard.anomaly([0, -Infinity], 1e12).excluded).toBe(true);
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
