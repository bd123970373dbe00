import { describe, expect, it } from 'vitest';
import type { NodeSample } from '../../src-shared/api/lab-api';
import { RULES, type RuleName } from '../../src-shared/drift/rules';
import { tickMetrics, type TrafficMark } from '../../src-shared/lab/metrics';

const noInterventions = () =>
  Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;

function sample(slot: number, S: number[], more: Partial<NodeSample> = {}): NodeSample {
  return {
    slot,
    kind: 'node',
    condition: 'up',
    liar: null,
    cycle: 10,
    S,
    D: S.map(() => 0),
    earned: 0,
    peers: [],
    framesOut: 0,
    framesIn: 0,
    bytesOut: 0,
    bytesIn: 0,
    interventions: noInterventions(),
    ...more,
  };
}

const metricsOf = (samples: NodeSample[], groups: number[][] = [], previous = null) =>
  tickMetrics({ t: 1000, samples, groups, previous }).metrics;

describe('tickMetrics: the swarm', () => {
  it('two nodes at (0,0) and (2,0): mean (1,0), spread 1, diameter 2', () => {
    const m = metricsOf([sample(0, [0, 0]), sample(1, [2, 0])]);
    expect(m.counted).toBe(2);
    expect(m.mean).toEqual([1, 0]);
    expect(m.spread).toBeCloseTo(1, 12);
    expect(m.maxDistance).toBeCloseTo(2, 12);
    expect(m.distances).toEqual([1, 1]);
  });

  it('three nodes: spread is the RMS distance from the mean', () => {
    // (0,0), (3,0), (0,3): mean (1,1); squared distances 2, 5, 5 -> spread sqrt(4) = 2.
    const m = metricsOf([sample(0, [0, 0]), sample(1, [3, 0]), sample(2, [0, 3])]);
    expect(m.mean).toEqual([1, 1]);
    expect(m.spread).toBeCloseTo(2, 12);
    expect(m.maxDistance).toBeCloseTo(Math.sqrt(18), 12);
    expect(m.distances[1]).toBeCloseTo(Math.sqrt(5), 12);
  });

  it('liars, dead, frozen, starting and stateless nodes are not counted', () => {
    const m = metricsOf([
      sample(0, [0]),
      sample(1, [2]),
      sample(2, [100], { liar: 'constant' }),
      sample(3, [100], { condition: 'dead' }),
      sample(4, [100], { condition: 'frozen' }),
      sample(5, [100], { condition: 'starting' }),
      sample(7, [], { cycle: 0 }),
    ]);
    expect(m.counted).toBe(2);
    expect(m.mean).toEqual([1]);
    expect(m.spread).toBeCloseTo(1, 12);
    expect(m.distances).toHaveLength(8);
    expect(m.distances.slice(0, 2)).toEqual([1, 1]);
    expect(m.distances.slice(2).every(Number.isNaN)).toBe(true);
  });

  it('no counted nodes: spread 0, diameter 0, no mean', () => {
    const m = metricsOf([sample(0, [1], { condition: 'dead' })]);
    expect(m).toMatchObject({ counted: 0, spread: 0, maxDistance: 0, mean: [], cycle: 0 });
    expect(m.distances).toEqual([NaN]);
    expect(metricsOf([]).distances).toEqual([]);
  });

  it('cycle is the median of the counted nodes (the lower middle for an even count)', () => {
    const at = (cycles: number[]) => cycles.map((cycle, i) => sample(i, [0], { cycle }));
    expect(metricsOf(at([5, 1, 9])).cycle).toBe(5);
    expect(metricsOf(at([4, 1, 9, 7])).cycle).toBe(4);
    expect(metricsOf([...at([3, 4]), sample(2, [0], { cycle: 99, liar: 'noise' })]).cycle).toBe(3);
  });

  it('group means and spreads over their counted members', () => {
    const m = metricsOf(
      [
        sample(0, [0]),
        sample(1, [2]),
        sample(2, [10]),
        sample(3, [14]),
        sample(4, [50], { condition: 'frozen' }),
      ],
      [
        [0, 1],
        [2, 3, 4],
        [4, 9],
      ],
    );
    expect(m.groups).toEqual([
      { mean: [1], spread: 1 },
      { mean: [12], spread: 2 },
      { mean: [], spread: 0 },
    ]);
  });

  it('interventions are the honest nodes’ totals by rule, whatever their condition', () => {
    const withCounts = (counts: Partial<Record<RuleName, number>>) => ({
      interventions: { ...noInterventions(), ...counts },
    });
    const m = metricsOf([
      sample(0, [0], withCounts({ 'diff-clamp': 2 })),
      sample(1, [0], { ...withCounts({ 'diff-clamp': 1, 'anomaly-bound': 4 }), condition: 'dead' }),
      sample(2, [0], { ...withCounts({ 'diff-clamp': 50 }), liar: 'pull' }),
    ]);
    expect(m.interventions['diff-clamp']).toBe(3);
    expect(m.interventions['anomaly-bound']).toBe(4);
    expect(m.interventions['drift-clamp']).toBe(0);
    expect(Object.keys(m.interventions)).toEqual([...RULES]);
  });
});

describe('tickMetrics: traffic rates', () => {
  const traffic = (framesOut: number, bytesOut: number) => ({ framesOut, bytesOut });

  it('are 0 on the first tick', () => {
    const m = metricsOf([sample(0, [0], traffic(100, 1000))]);
    expect(m.framesPerNodeS).toBe(0);
    expect(m.bytesPerNodeS).toBe(0);
  });

  it('per counted node per second, a restart counted from 0, the mark carried on', () => {
    const previous: TrafficMark = {
      t: 1000,
      byNode: new Map([
        [0, traffic(100, 1000)],
        [1, traffic(50, 800)],
        [2, traffic(0, 0)],
      ]),
    };
    const { metrics, traffic: mark } = tickMetrics({
      t: 3000,
      samples: [
        sample(0, [0], traffic(120, 1400)), // +20 frames, +400 bytes
        sample(1, [0], traffic(10, 100)), // restarted: +10, +100
        sample(2, [0], { ...traffic(999, 9999), condition: 'frozen' }), // not counted
        sample(3, [0], traffic(6, 60)), // new since the last tick: +6, +60
      ],
      groups: [],
      previous,
    });
    // 36 frames and 560 bytes over 3 counted nodes and 2 s.
    expect(metrics.framesPerNodeS).toBeCloseTo(36 / 6, 12);
    expect(metrics.bytesPerNodeS).toBeCloseTo(560 / 6, 12);
    expect(mark.t).toBe(3000);
    expect(mark.byNode.get(1)).toEqual(traffic(10, 100));
    expect(mark.byNode.get(2)).toEqual(traffic(999, 9999));
  });
});

describe('tickMetrics: K > 1 shards, each component over its shard’s holders', () => {
  // d = 4, K = 2: shard 0 is components 0..1, shard 1 is 2..3. A node reports 0 (here: garbage,
  // 999) for the components it does not hold; none of it may reach a measure.
  const G = 999;
  const sharded = (samples: NodeSample[], groups: number[][] = []) =>
    tickMetrics({ t: 1000, samples, groups, previous: null, shards: 2 }).metrics;
  const swarm = () => [
    sample(0, [0, 0, G, G], { holds: [0] }),
    sample(1, [2, 0, G, G], { holds: [0] }),
    sample(2, [G, G, 10, 4], { holds: [1] }),
    sample(3, [G, G, 14, 4], { holds: [1] }),
    sample(4, [4, 3, 12, 7], { holds: [0, 1] }),
  ];

  it('mean, spread, distances and diameter, worked by hand', () => {
    const m = sharded(swarm());
    // Shard 0 over nodes 0, 1, 4: c0 = 0, 2, 4 -> mean 2, variance 8/3; c1 = 0, 0, 3 -> mean 1,
    // variance (1 + 1 + 4) / 3 = 2. Shard 1 over nodes 2, 3, 4: c2 = 10, 14, 12 -> mean 12,
    // variance 8/3; c3 = 4, 4, 7 -> mean 5, variance 2.
    expect(m.mean).toEqual([2, 1, 12, 5]);
    // spread^2 = shard 0's spread^2 + shard 1's = (8/3 + 2) + (8/3 + 2) = 28/3.
    expect(m.spread).toBeCloseTo(Math.sqrt(28 / 3), 12);
    // Distances over the components each node holds: node 0 (0 - 2, 0 - 1): sqrt 5; node 1
    // (0, -1): 1; node 2 (-2, -1): sqrt 5; node 3 (2, -1): sqrt 5; node 4 (2, 2, 0, 2): sqrt 12.
    expect(m.distances[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.distances[1]).toBeCloseTo(1, 12);
    expect(m.distances[2]).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.distances[3]).toBeCloseTo(Math.sqrt(5), 12);
    expect(m.distances[4]).toBeCloseTo(Math.sqrt(12), 12);
    // Pairs over the components both hold: 0-1 (2, 0): 2; 0-4 (4, 3): 5; 1-4 (2, 3): sqrt 13;
    // 2-3 (4, 0): 4; 2-4 (2, 3): sqrt 13; 3-4 (2, 3): sqrt 13; shard 0 and shard 1 holders
    // share nothing: 0. The largest is 5.
    expect(m.maxDistance).toBeCloseTo(5, 12);
  });

  it('the garbage outside the held shards changes nothing', () => {
    const clean = sharded(swarm());
    const other = sharded(
      swarm().map((s) => ({
        ...s,
        S: s.S.map((x, c) => (s.holds!.includes(c < 2 ? 0 : 1) ? x : -1e9 * (c + 1))),
      })),
    );
    expect(other.mean).toEqual(clean.mean);
    expect(other.spread).toBe(clean.spread);
    expect(other.maxDistance).toBe(clean.maxDistance);
    expect(other.distances).toEqual(clean.distances);
  });

  it('group means and spreads over the holders among the group’s members', () => {
    // Group [0, 2]: c0, c1 from node 0 only, c2, c3 from node 2 only: spread 0.
    // Group [1, 3, 4]: shard 0 over 1, 4: c0 = 2, 4 (variance 1), c1 = 0, 3 (variance 9/4);
    // shard 1 over 3, 4: c2 = 14, 12 (1), c3 = 4, 7 (9/4): spread sqrt(13/2).
    const m = sharded(swarm(), [
      [0, 2],
      [1, 3, 4],
    ]);
    expect(m.groups[0]).toEqual({ mean: [0, 0, 10, 4], spread: 0 });
    expect(m.groups[1]!.mean).toEqual([3, 1.5, 13, 5.5]);
    expect(m.groups[1]!.spread).toBeCloseTo(Math.sqrt(13 / 2), 12);
  });

  it('a shard nobody holds has no mean and adds no spread', () => {
    const m = sharded([
      sample(0, [0, 0, G, G], { holds: [0] }),
      sample(1, [2, 0, G, G], { holds: [0] }),
    ]);
    expect(m.mean.slice(0, 2)).toEqual([1, 0]);
    expect(m.mean.slice(2).every(Number.isNaN)).toBe(true);
    expect(m.spread).toBeCloseTo(1, 12);
    expect(m.maxDistance).toBeCloseTo(2, 12);
    expect(m.distances).toEqual([1, 1]);
  });

  it('every node holding every shard gives the K = 1 numbers', () => {
    const states = [
      [0, 0, 1, 5],
      [3, 0, 2, 5],
      [0, 3, 6, 1],
    ];
    const whole = metricsOf(states.map((S, i) => sample(i, S)));
    const all = sharded(states.map((S, i) => sample(i, S, { holds: [0, 1] })));
    expect(all.mean).toEqual(whole.mean);
    expect(all.spread).toBeCloseTo(whole.spread, 12);
    expect(all.maxDistance).toBeCloseTo(whole.maxDistance, 12);
    all.distances.forEach((x, i) => expect(x).toBeCloseTo(whole.distances[i]!, 12));
  });
});
