import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src-shared/random';
import type { Graph } from '../../src-shared/sim/graph';
import { barabasiAlbert, randomRegular, wattsStrogatz } from '../../src-shared/sim/topology';
import { secondEigenpair, type Eigenpair } from '../helpers/spectral';
import { coordinateMean, linearParams, simulate } from '../helpers/runs';

/*
 * alpha = 0, symmetric Metropolis-Hastings weights, static connected graph (docs/model.md,
 * "What the theory says"; Xiao & Boyd 2004): the spread shrinks at least as fast as lambda^t, the slowest mode decays
 * at exactly lambda, and the network mean never moves.
 */

const N = 2000;
const BETA = 0.1;
const D = 2;
const params = linearParams({ alpha: 0, beta: BETA, weighting: 'metropolis' });

const graphs: [string, () => Graph][] = [
  ['random 20-regular', () => randomRegular(N, 20, seededRng(7, 0))],
  ['Watts-Strogatz k=20 p=0.1', () => wattsStrogatz(N, 20, 0.1, seededRng(7, 0))],
];

function randomStart(seed: number): Float64Array {
  const rng = seededRng(seed, 1);
  return Float64Array.from({ length: N * D }, () => 100 + 10 * (rng.float() - 0.5));
}

/** The slowest mode in coordinate 0, a constant in coordinate 1. */
function eigenStart(v: Float64Array): Float64Array {
  const x = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    x[i * D] = 100 + 1000 * v[i];
    x[i * D + 1] = 50;
  }
  return x;
}

describe.each(graphs)('consensus without entropy on a %s graph (N = 2000)', (_name, make) => {
  const graph = make();
  let eig: Eigenpair;

  it('finds lambda, the second-largest eigenvalue modulus of the iteration matrix', () => {
    eig = secondEigenpair(graph, BETA);
    expect(eig.residual).toBeLessThan(1e-7);
    expect(eig.lambda).toBeGreaterThan(0);
    expect(eig.lambda).toBeLessThan(1);
  });

  it('(a) from random starts the spread never exceeds lambda^t times the initial spread', () => {
    for (const seed of [1, 2, 3]) {
      const sim = simulate(graph, params, randomStart(seed), seed);
      const s0 = sim.measure().spread;
      for (let t = 1; t <= 150; t++) {
        const s = sim.step().spread;
        expect(s).toBeLessThanOrEqual(eig.lambda ** t * s0 * (1 + 1e-9));
      }
    }
  });

  it('(b) started on the slowest eigenvector the spread falls by lambda per cycle, and reaches 1e-6 on time', () => {
    const sim = simulate(graph, params, eigenStart(eig.vector));
    const s0 = sim.measure().spread;
    let previous = s0;
    let reached: number | null = null;
    for (let t = 1; reached === null && t < 20_000; t++) {
      const s = sim.step().spread;
      expect(Math.abs(s / previous / eig.lambda - 1)).toBeLessThan(0.01);
      previous = s;
      if (s <= 1e-6 * s0) reached = t;
    }
    const predicted = Math.ceil(Math.log(1e6) / Math.log(1 / eig.lambda));
    expect(reached).not.toBeNull();
    expect(Math.abs((reached ?? 0) - predicted)).toBeLessThanOrEqual(1);
  });

  it('(c) the network mean stays at the initial mean, and every node ends there', () => {
    const initial = randomStart(4);
    const mean0 = [0, 1].map((c) => coordinateMean(initial, N, D, c));
    const sim = simulate(graph, params, initial);
    const s0 = sim.measure().spread;
    while (sim.measure().spread > 1e-11 * s0) {
      sim.advance();
      for (let c = 0; c < D; c++)
        expect(Math.abs(coordinateMean(sim.state, N, D, c) - mean0[c])).toBeLessThan(1e-9);
    }
    for (let i = 0; i < N; i++)
      for (let c = 0; c < D; c++)
        expect(Math.abs(sim.state[i * D + c] - mean0[c])).toBeLessThan(1e-9);
  });
});

describe('uniform per-neighbour weights on a graph of unequal degrees', () => {
  it('end at the degree-weighted mean of the initial states, not the plain mean', () => {
    const n = 1000;
    const graph = barabasiAlbert(n, 2, seededRng(3, 0));
    const rng = seededRng(3, 1);
    const initial = Float64Array.from({ length: n }, () => 100 + 20 * (rng.float() - 0.5));
    let weighted = 0;
    let degrees = 0;
    for (let i = 0; i < n; i++) {
      const deg = graph.offsets[i + 1] - graph.offsets[i];
      weighted += deg * initial[i];
      degrees += deg;
    }
    const target = weighted / degrees;
    const plain = coordinateMean(initial, n, 1, 0);
    const sim = simulate(
      graph,
      linearParams({ alpha: 0, beta: 0.5, weighting: 'uniform', dimensions: 1 }),
      initial,
    );
    const s0 = sim.measure().spread;
    while (sim.measure().spread > 1e-10 * s0) sim.advance();
    const spreadOfTargets = Math.abs(target - plain);
    expect(spreadOfTargets).toBeGreaterThan(0.01);
    for (let i = 0; i < n; i++)
      expect(Math.abs(sim.state[i] - target)).toBeLessThan(1e-6 * spreadOfTargets);
  });
});
