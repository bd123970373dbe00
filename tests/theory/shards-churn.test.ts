import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import type { ShardCycleMetrics } from '../../src-shared/sim/shard-book';
import { randomStates, Simulation, STREAM_TOPOLOGY } from '../../src-shared/sim/simulator';
import { randomRegular, ringLattice } from '../../src-shared/sim/topology';

/*
 * Shards under churn (docs/shards.md): N = 10,000 nodes on a random 8-regular graph, d = K = 8,
 * 2% of the nodes replaced every cycle. The neighbourhood of a node is itself and its 8 peers;
 * "holders" of a shard there are the members that hold it, counted at the end of a cycle (after
 * its churn and its repair round) and, for the low point, right after the churn.
 */

const N = 10_000;
const K = 8;
const CHURN = 0.02;
const LEAVERS = Math.round(CHURN * N); // the churn model: exactly this many leave each cycle

function run(r: number, cycles: number, seed: number): ShardCycleMetrics[] {
  const params = resolveParams({ dimensions: K, shards: K, replication: r, weighting: 'uniform' });
  const graph = randomRegular(N, 8, seededRng(seed, STREAM_TOPOLOGY));
  const initial = randomStates(N, K, seed, 100, 10);
  const sim = new Simulation({ graph, params, seed, churn: CHURN, initial });
  const out = [sim.measure().shards!];
  for (let t = 0; t < cycles; t++) out.push(sim.step().shards!);
  return out;
}

/**
 * P(all h given nodes leave in one cycle). The churn model draws the LEAVERS leavers uniformly
 * without replacement from the N slots, so the h holders are all among them with probability
 * C(N - h, L - h) / C(N, L) = prod_{m < h} (L - m) / (N - m): for h = 1, L / N = 0.02; for
 * h = 3, about 7.9e-6. Holders that leave are replaced by newcomers that hold nothing yet.
 */
function allLeave(h: number): number {
  let p = 1;
  for (let m = 0; m < h; m++) p *= (LEAVERS - m) / (N - m);
  return p;
}

/**
 * Expected neighbourhood-shard pairs that lose every holder in cycle t, given the holders at the
 * end of cycle t - 1: each pair with h >= 1 holders loses them all with allLeave(h).
 */
function expectedGaps(before: ShardCycleMetrics): number {
  return before.histogram.reduce((sum, count, h) => sum + (h >= 1 ? count * allLeave(h) : 0), 0);
}

describe('shards under 2% churn per cycle, N = 10,000, K = 8', () => {
  it('r = 3: no shard is lost and every neighbourhood keeps at least r - 1 holders of every shard', () => {
    const r = 3;
    const m = run(r, 40, 21);
    for (const [t, c] of m.entries()) {
      expect(c.lost, `cycle ${t}`).toEqual([]);
      for (const h of c.holders) expect(h, `cycle ${t}`).toBeGreaterThan(0);
      expect(Math.min(...c.holdersMin), `cycle ${t}`).toBeGreaterThanOrEqual(r - 1);
    }
    const cycles = m.slice(1);
    // The churn did bite: every cycle replaced 200 nodes, some neighbourhoods fell under r
    // before the repair round, and the repair round brought them back.
    expect(cycles.every((c) => c.left === LEAVERS)).toBe(true);
    expect(Math.min(...cycles.map((c) => c.lowPoint))).toBeLessThan(r);
    expect(cycles.reduce((s, c) => s + c.repaired, 0)).toBeGreaterThan(0);
    // Losing all of three or more holders at once is rare: the expected count over the run,
    // from the holders at the end of each cycle, is a fraction of one; a Poisson count with
    // mean mu stays under mu + 4 sqrt(mu) + 1 but for odds far below 1e-3.
    const mu = cycles.reduce((s, _, t) => s + expectedGaps(m[t]!), 0);
    const seen = cycles.reduce((s, c) => s + c.gapsOpened, 0);
    expect(seen).toBeLessThanOrEqual(mu + 4 * Math.sqrt(mu) + 1);
  });

  it('r = 1: neighbourhoods lose shards at the rate the churn model gives', () => {
    const m = run(1, 40, 22);
    const cycles = m.slice(1);
    // X_t: pairs that lost every holder in cycle t; E_t: its expectation given cycle t - 1.
    const X = cycles.map((c) => c.gapsOpened);
    const E = cycles.map((_, t) => expectedGaps(m[t]!));
    const excess = X.reduce((s, x, t) => s + x - E[t]!, 0);
    const total = E.reduce((s, e) => s + e, 0);
    // Each cycle's leavers are drawn afresh, so the X_t - E_t are martingale differences: the
    // variance of their sum is the sum of their conditional variances, which the squared
    // residuals estimate (this allows for the positive correlation of pairs that share their one
    // holder, which a binomial variance would miss). |sum| < 4 standard errors fails by chance
    // about once in 15,000 runs.
    const se = Math.sqrt(X.reduce((s, x, t) => s + (x - E[t]!) ** 2, 0));
    expect(total).toBeGreaterThan(1000); // shards are lost, often: about a hundred pairs a cycle
    expect(Math.abs(excess)).toBeLessThan(4 * se);
    // And the standard error is small enough for the check to mean something: a few percent.
    expect(se / total).toBeLessThan(0.05);
    // With r = 1 the low point is 0 (a neighbourhood lost its holder), but repair from the
    // neighbours' neighbours fills it again; no shard is lost from the whole swarm.
    expect(Math.min(...cycles.map((c) => c.lowPoint))).toBe(0);
    for (const c of m) expect(c.lost).toEqual([]);
  });
});

describe('a shard that loses every holder', () => {
  it('is reported lost once, in the cycle it happened, and is never made up again', () => {
    const params = resolveParams({
      dimensions: 2,
      shards: 2,
      replication: 2,
      weighting: 'uniform',
    });
    const n = 50;
    const graph = ringLattice(n, 2);
    const sim = new Simulation({
      graph,
      params,
      seed: 4,
      churn: 1, // every node leaves at once: nobody is left to copy a shard from
      initial: randomStates(n, 2, 4, 100, 10),
    });
    expect(sim.measure().shards?.lost).toEqual([]);
    const first = sim.step();
    expect(first.shards?.lost).toEqual([0, 1]);
    expect(first.shards?.holders).toEqual([0, 0]);
    for (let t = 0; t < 3; t++) {
      const later = sim.step();
      expect(later.shards?.lost).toEqual([]);
      expect(later.shards?.holders).toEqual([0, 0]);
      expect(later.shards?.adopted).toBe(0);
    }
    expect(sim.book?.lostAt).toEqual(Int32Array.of(1, 1));
  });
});
