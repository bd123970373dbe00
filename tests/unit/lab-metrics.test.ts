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
