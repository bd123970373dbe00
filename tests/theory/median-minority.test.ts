import { expect, it } from 'vitest';
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import { withLiars, writeLies } from '../../src-shared/sim/liars';
import { Simulation } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';

/*
 * docs/model.md, "The drain test" and "What the theory says": the median's breakdown point is
 * one half, so liars holding fewer than half of a node's peers cannot move it outside the values
 * of its honest peers, and with alpha = 0 the honest nodes stay inside their initial range (a
 * box, per coordinate) for good. The drain test must not undo that: here the liars pull toward
 * more value, the honest nodes they pull leave their slower honest peers behind, and a drain
 * test that read those lagging peers as drains lowered their trust until the liars' values
 * became the weighted median (before the fix the nodes left the box at cycle 276).
 */

const H = 200;
const D = 2;

it('a median with 2 liars among 8 peers keeps the honest nodes inside their initial range', () => {
  const params = resolveParams({
    alpha: 0,
    beta: 0.1,
    weighting: 'uniform',
    aggregator: 'median',
  });
  const layout = withLiars(randomRegular(H, 6, seededRng(1, 0)), 2);
  const start = new Float64Array(layout.graph.n * D);
  const rng = seededRng(1, 1);
  for (let i = 0; i < H * D; i++) start[i] = 100 + 2 * (rng.float() - 0.5);
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < H * D; i++) {
    lo[i % D] = Math.min(lo[i % D], start[i]);
    hi[i % D] = Math.max(hi[i % D], start[i]);
  }
  const sim = new Simulation({ graph: layout.graph, params, seed: 1, initial: start });
  const reach = params.anomalyLimit * (1 - 1e-6);
  let leftAt: number | null = null;
  for (let t = 1; t <= 400 && leftAt === null; t++) {
    writeLies(sim.state, D, layout, [200, 200], reach);
    sim.advance();
    for (let x = 0; x < H * D; x++) {
      const v = sim.state[x];
      if (v < lo[x % D] || v > hi[x % D]) leftAt = t;
    }
  }
  expect(leftAt).toBeNull();
});
