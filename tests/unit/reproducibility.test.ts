import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import { BLOCK, randomStates, Simulation, STREAM_TOPOLOGY } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';
import { ThreadedSimulation } from '../../src-main/sim/threaded-simulation';

// Every part of the rule at once: entropy, claimed (DC) weights, trust, clamps and recovery.
const params = resolveParams({ alpha: 0.08, beta: 0.15, weighting: 'claimed' });

function run(seed: number, n: number, cycles: number): Float64Array {
  const graph = randomRegular(n, 8, seededRng(seed, STREAM_TOPOLOGY));
  const sim = new Simulation({ graph, params, seed, initial: randomStates(n, 2, seed, 100, 10) });
  for (let t = 0; t < cycles; t++) sim.advance();
  return sim.state.slice();
}

describe('reproducibility', () => {
  it('gives a bit-identical run for the same seed', () => {
    expect(run(5, 3000, 40)).toEqual(run(5, 3000, 40));
  });

  it('gives another run for another seed', () => {
    const a = run(5, 3000, 40);
    const b = run(6, 3000, 40);
    let differing = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
    expect(differing).toBe(a.length);
  });

  it('gives the same bits on two worker threads as on one thread', async () => {
    const n = 3 * BLOCK + 123;
    const seed = 9;
    const graph = randomRegular(n, 8, seededRng(seed, STREAM_TOPOLOGY));
    const initial = randomStates(n, 2, seed, 100, 10);
    const single = new Simulation({ graph, params, seed, initial });
    const threaded = await ThreadedSimulation.start(graph, { params, seed }, initial, 2);
    try {
      expect(threaded.threads).toBe(2);
      for (let t = 0; t < 25; t++) {
        single.advance();
        await threaded.advance();
      }
      expect(threaded.state).toEqual(single.state);
      expect(threaded.measure()).toEqual(single.measure());
    } finally {
      await threaded.close();
    }
  });
});
