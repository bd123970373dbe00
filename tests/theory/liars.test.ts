import { describe, expect, it } from 'vitest';
import { resolveParams, type DriftParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import { withLiars, writeLies, type LiarLayout } from '../../src-shared/sim/liars';
import { Simulation } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';

/*
 * docs/model.md, "What the theory says": clamping limits how fast a liar pulls, not where its
 * listeners end up. A liar that always reports a state just inside the anomaly bound, toward its target, is accepted
 * every cycle; under `mean` it drags the honest nodes all the way, under trimmed(F = k) it
 * cannot move them out of the honest range.
 */

const H = 500;
const DEGREE = 20;
const D = 2;
const TARGET = [200, 200];
const honestGraph = randomRegular(H, DEGREE, seededRng(11, 0));

function honestStart(n: number): Float64Array {
  const rng = seededRng(11, 1);
  const x = new Float64Array(n * D);
  for (let i = 0; i < H * D; i++) x[i] = 100 + 2 * (rng.float() - 0.5);
  return x;
}

function setUp(
  k: number,
  params: DriftParams,
): { sim: Simulation; layout: LiarLayout; start: Float64Array } {
  const layout = withLiars(honestGraph, k);
  const start = honestStart(layout.graph.n);
  return {
    sim: new Simulation({ graph: layout.graph, params, seed: 11, initial: start }),
    layout,
    start,
  };
}

function honestBox(x: Float64Array): { lo: number[]; hi: number[] } {
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < H; i++)
    for (let c = 0; c < D; c++) {
      lo[c] = Math.min(lo[c], x[i * D + c]);
      hi[c] = Math.max(hi[c], x[i * D + c]);
    }
  return { lo, hi };
}

function distanceToTarget(x: Float64Array, i: number): number {
  return Math.hypot(TARGET[0] - x[i * D], TARGET[1] - x[i * D + 1]);
}

const base = resolveParams({ alpha: 0, beta: 0.1, weighting: 'uniform' });
const reach = base.anomalyLimit * (1 - 1e-6);

describe.each([1, 3])(
  '%i liar(s) attached to every honest node of a random 20-regular graph',
  (k) => {
    it('drag a mean network more than half-way to their target, at the speed the clamps allow', () => {
      const { sim, layout } = setUp(k, base);
      // Each liar's diff is clamped to maxDiff along the target direction; honest diffs cancel
      // over the honest group (uniform weights, equal degrees, equal trust), so the group moves
      // beta_eff * k * maxDiff / (degree + k) per cycle. Recovery mode doubles beta (cap 0.5)
      // when the mean accepted |diff|, about k * reach / (degree + k), exceeds forceLimit.
      const meanForce = (k * reach) / (DEGREE + k);
      const betaEff = meanForce > base.forceLimit ? Math.min(2 * base.beta, 0.5) : base.beta;
      const speed = (betaEff * k * base.maxDiff) / (DEGREE + k);
      const d0 = Math.hypot(TARGET[0] - 100, TARGET[1] - 100);
      // 10% either side of the derived count covers the initial honest spread of +-1 VU.
      const halfWay = d0 / 2 / speed;
      const run = (until: number) => {
        while (sim.cycle < until) {
          writeLies(sim.state, D, layout, TARGET, reach);
          sim.advance();
        }
      };
      run(Math.floor(0.9 * halfWay));
      // Not sooner than derived: the clamps really are what limits the pull...
      for (let i = 0; i < H; i++) expect(distanceToTarget(sim.state, i)).toBeGreaterThan(d0 / 2);
      run(Math.ceil(1.1 * halfWay));
      // ...and not later: every honest node is past half-way.
      for (let i = 0; i < H; i++) expect(distanceToTarget(sim.state, i)).toBeLessThan(d0 / 2);
    });

    it('cannot move a trimmed(F = k) network out of the honest initial range', () => {
      const params = resolveParams({ ...base, aggregator: 'trimmed', trimF: k });
      const { sim, layout, start } = setUp(k, params);
      const box = honestBox(start);
      for (let t = 0; t < 400; t++) {
        writeLies(sim.state, D, layout, TARGET, reach);
        sim.advance();
        const now = honestBox(sim.state);
        for (let c = 0; c < D; c++) {
          expect(now.lo[c]).toBeGreaterThanOrEqual(box.lo[c]);
          expect(now.hi[c]).toBeLessThanOrEqual(box.hi[c]);
        }
      }
    });

    it('are simply excluded as anomalies when they report the target itself', () => {
      const { sim, layout, start } = setUp(k, base);
      const box = honestBox(start);
      for (let t = 0; t < 100; t++) {
        writeLies(sim.state, D, layout, TARGET, Infinity);
        const m = sim.step();
        expect(m.interventions['anomaly-bound']).toBe(H * k);
      }
      const now = honestBox(sim.state);
      for (let c = 0; c < D; c++) {
        expect(now.lo[c]).toBeGreaterThanOrEqual(box.lo[c]);
        expect(now.hi[c]).toBeLessThanOrEqual(box.hi[c]);
      }
    });
  },
);
