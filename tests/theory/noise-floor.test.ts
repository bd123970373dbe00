import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src-shared/random';
import { randomStates } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';
import { linearParams, simulate } from '../helpers/runs';

/*
 * alpha > 0 with symmetric weights (docs/model.md, "What the theory says"; Xiao, Boyd & Kim
 * 2007): the states settle into a cloud whose mean-square deviation from the network mean is about
 * alpha^2 sigma^2 / (beta (2 - beta)) per coordinate on a good expander, while the network
 * mean itself wanders as a random walk whose variance grows like t alpha^2 sigma^2 / N.
 * sigma^2 is measured from the entropy the nodes actually applied (after normalisation).
 */

const ALPHA = 0.05;
const BETA = 0.1;
const D = 2;

/** Mean square of the applied entropy components (their mean is zero by symmetry). */
function meanSquare(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s / x.length;
}

describe('the noise floor with alpha > 0', () => {
  it('is alpha^2 sigma^2 / (beta (2 - beta)) per coordinate on a random regular graph, within 10%', () => {
    const n = 2000;
    const graph = randomRegular(n, 20, seededRng(21, 0));
    const params = linearParams({ alpha: ALPHA, beta: BETA, weighting: 'uniform' });
    const sim = simulate(graph, params, randomStates(n, D, 21, 100, 0), 21);
    const burnIn = 200;
    const cycles = 1500;
    let msd = 0;
    let sigma2 = 0;
    for (let t = 0; t < burnIn + cycles; t++) {
      const m = sim.step();
      if (t < burnIn) continue;
      // std is the population standard deviation per coordinate around the network mean.
      msd += m.std.reduce((a, s) => a + s * s, 0) / D;
      sigma2 += meanSquare(sim.buffers.entropy);
    }
    msd /= cycles;
    sigma2 /= cycles;
    const predicted = (ALPHA ** 2 * sigma2) / (BETA * (2 - BETA));
    // For d = 2, |E|^2 is exponential with mean 2, so E[F_c^2] = E[min(|E|^2, 1)] / 2 = 1 - e^-1/2.
    expect(sigma2).toBeCloseTo(1 - Math.exp(-0.5), 3);
    expect(Math.abs(msd / predicted - 1)).toBeLessThan(0.1);
  });

  it('lets the network mean wander with a variance that grows linearly in time', () => {
    const n = 200;
    const graph = randomRegular(n, 10, seededRng(22, 0));
    const params = linearParams({ alpha: ALPHA, beta: BETA, weighting: 'uniform' });
    const sim = simulate(graph, params, randomStates(n, D, 22, 100, 0), 22);
    const cycles = 20_000;
    const track = new Float64Array(cycles + 1);
    let sigma2 = 0;
    track[0] = sim.measure().mean[0];
    for (let t = 1; t <= cycles; t++) {
      track[t] = sim.step().mean[0];
      sigma2 += meanSquare(sim.buffers.entropy);
    }
    sigma2 /= cycles;
    const perCycle = (ALPHA ** 2 * sigma2) / n;
    // Variance of the mean's displacement over non-overlapping windows of each length.
    for (const lag of [1, 10, 100]) {
      const windows = Math.floor(cycles / lag);
      let sq = 0;
      for (let w = 0; w < windows; w++) sq += (track[(w + 1) * lag] - track[w * lag]) ** 2;
      const variance = sq / windows;
      // A variance estimated from M windows has a relative standard error of sqrt(2 / M).
      const tolerance = 4 * Math.sqrt(2 / windows);
      expect(Math.abs(variance / (lag * perCycle) - 1)).toBeLessThan(tolerance);
    }
  });
});
