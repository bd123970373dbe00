import { describe, expect, it } from 'vitest';
import { driftCoefficient, entropyVariance } from '../../src-shared/drift/coefficient';
import { NodeDrift, type PeerReport } from '../../src-shared/drift/node-drift';
import { resolveParams } from '../../src-shared/drift/params';
import { Rule } from '../../src-shared/drift/rules';
import { seededRng } from '../../src-shared/random';

/*
 * One drift cycle through NodeDrift (docs/model.md, "One cycle"), on examples small enough to work
 * out by hand. alpha = 0 unless said otherwise, so the entropy does not matter; the clamps
 * are set wide enough not to bind unless the example is about them.
 */

const WIDE = { maxDiff: 100, anomalyLimit: 100, maxDrift: 100, forceLimit: 1e6 } as const;

function node(params: Record<string, unknown>, state: number[], seed = 1): NodeDrift {
  return new NodeDrift({
    params: resolveParams({ alpha: 0, dimensions: state.length, ...WIDE, ...params }),
    state,
    rng: seededRng(seed),
  });
}

/** Peers reporting own state + the given diffs, weight 1 unless given. */
function peersAt(S: readonly number[], diffs: number[][], weights?: number[]): PeerReport[] {
  return diffs.map((diff, q) => ({
    id: `p${q}`,
    state: S.map((x, c) => x + diff[c]),
    weight: weights?.[q] ?? 1,
  }));
}

function expectVec(actual: readonly number[], expected: number[], digits = 12): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((x, c) => expect(x).toBeCloseTo(expected[c], digits));
}

const rules = (events: readonly { rule: string }[]) => events.map((e) => e.rule);

describe('mean aggregator', () => {
  // Own state [10, 10]; diffs [2, 0], [0, 4], [-3, 3]: average [-1/3, 7/3].
  const diffs = [
    [2, 0],
    [0, 4],
    [-3, 3],
  ];

  it('with uniform weights moves S by beta times the average diff', () => {
    const n = node({ beta: 0.5, weighting: 'uniform' }, [10, 10]);
    const r = n.step(peersAt([10, 10], diffs));
    expectVec(r.D, [-1 / 6, 7 / 6]);
    expectVec(r.S, [10 - 1 / 6, 10 + 7 / 6]);
    expect(r.events).toEqual([]);
    expect(r.accepted).toBe(1);
  });

  it('with claimed weights (trust 0.5 for everyone) gives the claim-weighted mean', () => {
    // sqrt(TC) = sqrt(0.5) multiplies every weight and cancels: weights 1, 2, 1.
    // G = ([2, 0] + 2 [0, 4] + [-3, 3]) / 4 = [-1/4, 11/4].
    const n = node({ beta: 0.4, weighting: 'claimed' }, [10, 10]);
    const r = n.step(peersAt([10, 10], diffs, [1, 2, 1]));
    expectVec(r.D, [-0.1, 1.1]);
    expect(r.events).toEqual([]);
  });

  it('bounds a claimed weight over wMax to wMax, with a weight-bound event', () => {
    // Claims 1, 10 -> 4, 1: G = ([2, 0] + 4 [0, 4] + [-3, 3]) / 6 = [-1/6, 19/6].
    const n = node({ beta: 0.6, weighting: 'claimed', wMax: 4 }, [10, 10]);
    const r = n.step(peersAt([10, 10], diffs, [1, 10, 1]));
    expectVec(r.D, [-0.1, 1.9]);
    expect(r.events).toEqual([
      expect.objectContaining({ rule: 'weight-bound', peer: 'p1', value: 10, limit: 4 }),
    ]);
  });

  it('counts a negative or NaN claim for nothing', () => {
    // Only [0, 4] (claim 3) is left with weight: G = [0, 4].
    const n = node({ beta: 0.5, weighting: 'claimed' }, [10, 10]);
    const r = n.step(peersAt([10, 10], diffs, [-2, 3, NaN]));
    expectVec(r.D, [0, 2]);
    expect(r.events.map((e) => [e.rule, e.peer])).toEqual([
      ['weight-bound', 'p0'],
      ['weight-bound', 'p2'],
    ]);
  });

  it('trust weighting: lowered trust after an anomaly weighs a peer by sqrt(TC)', () => {
    const n = node({ beta: 1, weighting: 'uniform', tcDrop: 0.5, tcRise: 0.1 }, [10]);
    // Cycle 1: p0 and p1 near (diffs 0), p2 far away (an anomaly).
    n.step([
      { id: 'p0', state: [10], weight: 1 },
      { id: 'p1', state: [10], weight: 1 },
      { id: 'p2', state: [1000], weight: 1 },
    ]);
    // Trust now: p0, p1: 0.5 + 0.1 * 0.5 = 0.55; p2: 0.5 * 0.5 = 0.25.
    expect(n.trustOf('p0')).toBeCloseTo(0.55, 7);
    expect(n.trustOf('p2')).toBe(0.25);
    // Cycle 2: diffs 0, 0, 3 with weights sqrt(0.55), sqrt(0.55), sqrt(0.25) = 0.5.
    const w = Math.sqrt(Math.fround(0.55));
    const r = n.step([
      { id: 'p0', state: [10], weight: 1 },
      { id: 'p1', state: [10], weight: 1 },
      { id: 'p2', state: [13], weight: 1 },
    ]);
    expectVec(r.D, [(0.5 * 3) / (2 * w + 0.5)]);
  });

  it('does not move without peers, and ignores zero weights altogether', () => {
    const n = node({ beta: 1, weighting: 'claimed' }, [5, 6]);
    expect(n.step([]).S).toEqual([5, 6]);
    expect(n.step(peersAt([5, 6], [[1, 1]], [0])).S).toEqual([5, 6]);
  });
});

describe('trimmed(F) aggregator (W-MSR, per coordinate)', () => {
  // Own state [100, 100]; beta = 1 so D = G.
  const diffs = [
    [5, -1], // A
    [1, 3], // B
    [-2, 2], // C
    [-4, 0], // D
  ];

  it('F = 1 drops the largest positive and the most negative diff per coordinate', () => {
    // x: drop A (+5) and D (-4): mean(1, -2) = -0.5.
    // y: drop B (+3) and A (-1): mean(2, 0) = 1 (zero is neither positive nor negative).
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 1, weighting: 'uniform' }, [100, 100]);
    expectVec(n.step(peersAt([100, 100], diffs)).D, [-0.5, 1]);
  });

  it('F = 2 drops two at each end, all of them when there are fewer', () => {
    // x: positives 5, 1 -> both dropped; negatives -2, -4 -> both dropped: nothing left, 0.
    // y: positives 3, 2 -> dropped; negatives only -1 -> dropped: left 0 (D) -> 0.
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 2, weighting: 'uniform' }, [100, 100]);
    expectVec(n.step(peersAt([100, 100], diffs)).D, [0, 0]);
  });

  it('F = 2 with fewer than F positives drops all of them and two negatives', () => {
    // 1-d diffs 2, -1, -3, -6: drop 2 (the only positive), -6 and -3: left -1.
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 2, weighting: 'uniform' }, [50]);
    expectVec(n.step(peersAt([50], [[2], [-1], [-3], [-6]])).D, [-1]);
  });

  it('F = 1 with five diffs keeps the middle three', () => {
    // 5, 3, 1, -2, -4: drop 5 and -4: mean(3, 1, -2) = 2/3.
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 1, weighting: 'uniform' }, [50]);
    expectVec(n.step(peersAt([50], [[5], [3], [1], [-2], [-4]])).D, [2 / 3]);
  });

  it('weighs what is left by the claims', () => {
    // x: 5 (w 1), 1 (w 2), -2 (w 1), -4 (w 3): drop 5 and -4; (2 * 1 + 1 * -2) / 3 = 0.
    // y: -1 (w 1), 3 (w 2), 2 (w 1), 0 (w 3): drop 3 and -1; (1 * 2 + 3 * 0) / 4 = 0.5.
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 1, weighting: 'claimed' }, [100, 100]);
    expectVec(n.step(peersAt([100, 100], diffs, [1, 2, 1, 3])).D, [0, 0.5]);
  });

  it('F = 0 is the plain mean', () => {
    const n = node({ beta: 1, aggregator: 'trimmed', trimF: 0, weighting: 'uniform' }, [50]);
    expectVec(n.step(peersAt([50], [[5], [3], [1], [-2], [-4]])).D, [3 / 5]);
  });
});

describe('median aggregator (per-coordinate weighted median)', () => {
  it('odd count: the middle value', () => {
    const n = node({ beta: 1, aggregator: 'median', weighting: 'uniform' }, [50]);
    expectVec(n.step(peersAt([50], [[3], [-1], [7]])).D, [3]);
  });

  it('even count with equal weights: the midpoint of the two middle values', () => {
    // -2, 1, 4, 10 -> (1 + 4) / 2.
    const n = node({ beta: 1, aggregator: 'median', weighting: 'uniform' }, [50]);
    expectVec(n.step(peersAt([50], [[1], [4], [-2], [10]])).D, [2.5]);
  });

  it('even count of eight with equal weights: still the midpoint', () => {
    // 1..8 in scrambled order -> (4 + 5) / 2.
    const n = node({ beta: 1, aggregator: 'median', weighting: 'uniform' }, [50]);
    const diffs = [5, 2, 8, 1, 7, 3, 6, 4].map((x) => [x]);
    expectVec(n.step(peersAt([50], diffs)).D, [4.5]);
  });

  it('even count over 32 (sorted, not insertion-sorted): the midpoint', () => {
    // 1..40 in scrambled order -> (20 + 21) / 2.
    const n = node({ beta: 1, aggregator: 'median', weighting: 'uniform', maxDiff: 50 }, [50]);
    const diffs = Array.from({ length: 40 }, (_, q) => [((q * 17) % 40) + 1]);
    expectVec(n.step(peersAt([50], diffs)).D, [20.5]);
  });

  it('weights by the claims', () => {
    // -2 (w 1), 1 (w 1), 4 (w 3): half of 5 is first passed at 4.
    const n = node({ beta: 1, aggregator: 'median', weighting: 'claimed' }, [50]);
    expectVec(n.step(peersAt([50], [[-2], [1], [4]], [1, 1, 3])).D, [4]);
    // -2 (w 1), 1 (w 1), 4 (w 2): cumulative weight is exactly half at 1 -> (1 + 4) / 2.
    const m = node({ beta: 1, aggregator: 'median', weighting: 'claimed' }, [50]);
    expectVec(m.step(peersAt([50], [[-2], [1], [4]], [1, 1, 2])).D, [2.5]);
  });

  it('works per coordinate', () => {
    // x: 1, 9, 5 -> 5; y: -3, 0, -1 -> -1.
    const n = node({ beta: 0.5, aggregator: 'median', weighting: 'uniform' }, [20, 20]);
    const r = n.step(
      peersAt(
        [20, 20],
        [
          [1, -3],
          [9, 0],
          [5, -1],
        ],
      ),
    );
    expectVec(r.D, [2.5, -0.5]);
  });
});

describe('clamps inside the cycle', () => {
  it('clamps each diff to maxDiff before averaging, and drops anomalies', () => {
    // Diffs [30, 40] (|50| -> clamped to [6, 8] at maxDiff 10), [0, 2], and [0, 200] (anomaly).
    const n = node({ beta: 0.5, weighting: 'uniform', maxDiff: 10, anomalyLimit: 100 }, [100, 100]);
    const r = n.step(
      peersAt(
        [100, 100],
        [
          [30, 40],
          [0, 2],
          [0, 200],
        ],
      ),
    );
    // G = ([6, 8] + [0, 2]) / 2 = [3, 5]; D = [1.5, 2.5].
    expectVec(r.D, [1.5, 2.5]);
    expect(r.events.map((e) => [e.rule, e.peer, e.value])).toEqual([
      ['diff-clamp', 'p0', 50],
      ['anomaly-bound', 'p2', 200],
    ]);
    expect(r.accepted).toBeCloseTo(2 / 3, 15);
  });

  it('clamps the drift to maxDrift, keeping its direction', () => {
    // G = [30, 40]; beta 0.5 -> [15, 20] (|25|) -> clamped to 5: [3, 4].
    const n = node({ beta: 0.5, weighting: 'uniform', maxDrift: 5 }, [100, 100]);
    const r = n.step(peersAt([100, 100], [[30, 40]]));
    expectVec(r.D, [3, 4]);
    expect(r.events).toEqual([
      expect.objectContaining({ rule: 'drift-clamp', value: 25, limit: 5 }),
    ]);
  });

  it('holds a component at zero instead of letting it go negative', () => {
    // S = [1, 5]; peer diff [-4, 0], beta 0.5 -> D = [-2, 0] -> floored: D = [-1, 0].
    // lossLimit 0.5 so that the 2/6 loss is not scaled first.
    const n = node({ beta: 0.5, weighting: 'uniform', lossLimit: 0.5 }, [1, 5]);
    const r = n.step(peersAt([1, 5], [[-4, 0]]));
    expect(r.S).toEqual([0, 5]);
    expect(r.events).toEqual([
      expect.objectContaining({ rule: 'vu-nonnegative', value: -1, limit: 0 }),
    ]);
  });
});

it('reports every intervention of every edge, in edge order, when each edge has three', () => {
  // Three peers each claim 10 (over wMax 4) and sit at the same long diff [-30, -40] (clamped
  // at maxDiff 10) toward less value, cycle after cycle: by the second cycle the drain test
  // (minSamples 1, z 1) fires too, so each edge reports a clamp, a weight bound and a drain.
  const n = node(
    { beta: 0.5, weighting: 'claimed', wMax: 4, maxDiff: 10, drainMinSamples: 1, drainZ: 1 },
    [100, 100],
  );
  const far = [
    [-30, -40],
    [-30, -40],
    [-30, -40],
  ];
  n.step(peersAt([100, 100], far, [10, 10, 10]));
  const r = n.step(peersAt(n.state, far, [10, 10, 10]));
  expect(r.events.map((e) => `${e.peer} ${e.rule}`)).toEqual(
    ['p0', 'p1', 'p2'].flatMap((p) => [
      `${p} diff-clamp`,
      `${p} weight-bound`,
      `${p} drain-detection`,
    ]),
  );
  expect(n.counts[Rule.Drain]).toBe(3);
});

describe('recovery mode', () => {
  it('enters when the mean accepted |diff| exceeds forceLimit: beta x 2 in the same cycle', () => {
    // 1-d, S = 100, one peer at +6 > forceLimit 5: beta 0.1 -> 0.2, D = 1.2.
    const n = node({ beta: 0.1, weighting: 'uniform', forceLimit: 5 }, [100]);
    const r = n.step([{ id: 'a', state: [106], weight: 1 }]);
    expect(r.recovery).toBe(true);
    expectVec(r.D, [1.2]);
    expect(r.events).toEqual([
      expect.objectContaining({ rule: 'recovery-enter', value: 6, limit: 5 }),
    ]);
  });

  it('stays on between half the limit and the limit, and exits under half', () => {
    const n = node({ beta: 0.1, weighting: 'uniform', forceLimit: 5 }, [100]);
    n.step([{ id: 'a', state: [106], weight: 1 }]); // S = 101.2, recovering
    // Diff 3 (>= 2.5): still recovering, beta 0.2 -> D = 0.6.
    let r = n.step([{ id: 'a', state: [n.state[0] + 3], weight: 1 }]);
    expect(r.recovery).toBe(true);
    expectVec(r.D, [0.6]);
    expect(r.events).toEqual([]);
    // Diff 2 (< 2.5): exits, back to beta 0.1 in this cycle -> D = 0.2.
    r = n.step([{ id: 'a', state: [n.state[0] + 2], weight: 1 }]);
    expect(r.recovery).toBe(false);
    expectVec(r.D, [0.2]);
    expect(r.events).toEqual([
      expect.objectContaining({ rule: 'recovery-exit', value: expect.closeTo(2, 12), limit: 2.5 }),
    ]);
    expect(n.counts[8]).toBe(1); // recovery-enter
    expect(n.counts[9]).toBe(1); // recovery-exit
  });

  it('caps the doubled beta at 0.5', () => {
    // beta 0.3 -> min(0.6, 0.5) = 0.5: D = 0.5 * 6 = 3.
    const n = node({ beta: 0.3, weighting: 'uniform', forceLimit: 5 }, [100]);
    expectVec(n.step([{ id: 'a', state: [106], weight: 1 }]).D, [3]);
  });

  it('never lowers a beta already over the cap', () => {
    // beta 0.8: doubling capped at 0.5 would slow the node down; it keeps 0.8 -> D = 4.8.
    const n = node({ beta: 0.8, weighting: 'uniform', forceLimit: 5 }, [100]);
    expectVec(n.step([{ id: 'a', state: [106], weight: 1 }]).D, [4.8]);
  });

  it('quarters alpha', () => {
    // D = alpha / 4 * F + 0.2 * 6, F recomputed from an identically seeded rng (load 0).
    const n = node({ alpha: 0.4, beta: 0.1, weighting: 'uniform', forceLimit: 5 }, [100], 77);
    const twin = seededRng(77);
    const e = twin.normal();
    const F = e / Math.max(1, Math.abs(e));
    const r = n.step([{ id: 'a', state: [106], weight: 1 }]);
    expectVec(r.F, [F]);
    expectVec(r.D, [0.1 * F + 1.2]);
  });
});

describe('catastrophic loss', () => {
  it('scales a step removing more than lossLimit of sum(S) back, and switches recovery on', () => {
    // S = [10, 10], peer at [0, 0]: G = [-10, -10], beta 0.1 -> D = [-1, -1]: 10% of 20.
    // lossLimit 5% -> D = [-0.5, -0.5].
    // forceLimit 20: the mean |diff| (14.1, then 13.4) neither enters nor leaves recovery.
    const n = node({ beta: 0.1, weighting: 'uniform', lossLimit: 0.05, forceLimit: 20 }, [10, 10]);
    let r = n.step([{ id: 'x', state: [0, 0], weight: 1 }]);
    expectVec(r.D, [-0.5, -0.5]);
    expectVec(r.S, [9.5, 9.5]);
    expect(r.recovery).toBe(true);
    expect(rules(r.events)).toEqual(['catastrophic-loss', 'recovery-enter']);
    expect(r.events[0].value).toBeCloseTo(0.1, 15);
    expect(r.events[0].limit).toBe(0.05);
    // Next cycle still in recovery (13.4 is not under forceLimit / 2 = 10): beta 0.2,
    // D = 0.2 [-9.5, -9.5] = [-1.9, -1.9], 20% of 19 -> scaled to 5%: [-0.475, -0.475].
    r = n.step([{ id: 'x', state: [0, 0], weight: 1 }]);
    expectVec(r.D, [-0.475, -0.475]);
    expect(rules(r.events)).toEqual(['catastrophic-loss']);
    expect(r.recovery).toBe(true);
  });

  it('lowers tcSelf on a corrected cycle by 1 / tcSelfWindow of the gap', () => {
    const n = node({ beta: 0.1, weighting: 'uniform', lossLimit: 0.05, tcSelfWindow: 4 }, [10]);
    n.step([{ id: 'x', state: [0], weight: 1 }]);
    expect(n.tcSelf).toBeCloseTo(0.75, 15);
    // An uncorrected cycle closes a quarter of the gap to 1 again: 0.75 + 0.25 * 0.25.
    n.step([{ id: 'x', state: [n.state[0]], weight: 1 }]);
    expect(n.tcSelf).toBeCloseTo(0.8125, 15);
  });
});

describe('entropy', () => {
  it('F = E / max(1, |E|) * (1 - load), with E from the seeded rng', () => {
    for (const [seed, load] of [
      [3, 0],
      [4, 0.3],
      [5, 0.9],
      [6, 1],
    ]) {
      const twin = seededRng(seed);
      const E = [twin.normal(), twin.normal(), twin.normal()];
      const len = Math.hypot(...E);
      const F = E.map((e) => (e / Math.max(1, len)) * (1 - load));
      const n = node({ alpha: 0.5, beta: 0.1 }, [10, 10, 10], seed);
      const r = n.step([], load);
      expectVec(r.F, F);
      expect(Math.hypot(...r.F)).toBeLessThanOrEqual(1 + 1e-15);
      // No peers: D = alpha * F.
      expectVec(
        r.D,
        F.map((f) => 0.5 * f),
      );
    }
  });

  it('treats a load over 1 as full (no entropy) and a negative load as none', () => {
    const twin = seededRng(8);
    const E = [twin.normal(), twin.normal()];
    const F = E.map((e) => e / Math.max(1, Math.hypot(...E)));
    expectVec(node({ alpha: 0.5 }, [10, 10], 8).step([], 1.5).F, [0, 0]);
    expectVec(node({ alpha: 0.5 }, [10, 10], 8).step([], -2).F, F);
  });

  it('the mean still adds beta * G on top of alpha * F', () => {
    const twin = seededRng(11);
    const E = [twin.normal(), twin.normal()];
    const F = E.map((e) => (e / Math.max(1, Math.hypot(...E))) * 0.5);
    const n = node({ alpha: 0.2, beta: 0.5, weighting: 'uniform' }, [10, 10], 11);
    const r = n.step(peersAt([10, 10], [[2, -2]]), 0.5);
    expectVec(r.D, [0.2 * F[0] + 1, 0.2 * F[1] - 1]);
  });
});

describe('earned VU and the drift coefficient', () => {
  it('earned grows by earnRate times the share of accepted peers', () => {
    const n = node({ beta: 0.1, earnRate: 0.3, weighting: 'uniform' }, [10]);
    // 3 peers, one an anomaly: + 0.3 * 2 / 3.
    n.step([
      { id: 'a', state: [11], weight: 1 },
      { id: 'b', state: [9], weight: 1 },
      { id: 'c', state: [1e6], weight: 1 },
    ]);
    expect(n.earned).toBeCloseTo(0.2, 15);
    // 4 peers, all accepted: + 0.3.
    const S = n.state[0];
    n.step(['a', 'b', 'c', 'd'].map((id) => ({ id, state: [S], weight: 1 })));
    expect(n.earned).toBeCloseTo(0.5, 15);
    // Nobody: nothing earned.
    n.step([]);
    expect(n.earned).toBeCloseTo(0.5, 15);
  });

  it('DC = log(1 + earned) * sqrt(tcSelf) / (1 + entropy variance), by hand', () => {
    // earned = e - 1 -> log = 1; tcSelf 0.25 -> 0.5; variance 1 -> DC = 0.25.
    expect(driftCoefficient(Math.E - 1, 0.25, 1, 10)).toBeCloseTo(0.25, 15);
    // Capped at wMax.
    expect(driftCoefficient(Math.E - 1, 0.25, 1, 0.1)).toBe(0.1);
    // Nothing earned, nothing claimed; nonsense inputs claim nothing.
    expect(driftCoefficient(0, 1, 0, 10)).toBe(0);
    expect(driftCoefficient(-5, 1, 0, 10)).toBe(0);
    expect(driftCoefficient(NaN, 1, 0, 10)).toBe(0);
    // tcSelf outside [0, 1] is clamped: 2 -> 1.
    expect(driftCoefficient(Math.E - 1, 2, 0, 10)).toBeCloseTo(1, 15);
  });

  it('entropy variance: population variance per coordinate, averaged over coordinates', () => {
    // [0, 0] and [2, 4]: coordinate 0 var 1, coordinate 1 var 4 -> 2.5.
    const vs = [
      [0, 0],
      [2, 4],
    ];
    expect(entropyVariance(2, 2, (k, c) => vs[k][c])).toBeCloseTo(2.5, 15);
    expect(entropyVariance(1, 2, (k, c) => vs[k][c])).toBe(0);
    // [1], [2], [3], [6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14 -> 3.5.
    const ws = [1, 2, 3, 6];
    expect(entropyVariance(4, 1, (k) => ws[k])).toBeCloseTo(3.5, 15);
  });

  it('the node claims DC from its earned VU, its tcSelf and its peers` entropy', () => {
    const n = node({ beta: 0.1, earnRate: 0.5, weighting: 'uniform', wMax: 4 }, [10, 10]);
    const r = n.step([
      { id: 'a', state: [10, 10], weight: 1, entropy: [0, 0] },
      { id: 'b', state: [10, 10], weight: 1, entropy: [2, 4] },
      // Malformed entropy is left out of the variance.
      { id: 'c', state: [10, 10], weight: 1, entropy: [NaN, 1] },
    ]);
    // earned 0.5, tcSelf 1 (no correction), variance 2.5.
    expect(n.earned).toBeCloseTo(0.5, 15);
    expect(n.tcSelf).toBe(1);
    expect(r.dc).toBeCloseTo(Math.log(1.5) / 3.5, 14);
    expect(n.dc).toBe(r.dc);
  });
});

describe('a node and Metropolis weights', () => {
  it('are refused, since a node cannot know its peers degrees', () => {
    expect(() => node({ weighting: 'metropolis' }, [1, 1])).toThrow(/simulator/);
    const n = node({}, [1, 1]);
    expect(() => n.setParams(resolveParams({ weighting: 'metropolis' }))).toThrow(/simulator/);
  });
});
