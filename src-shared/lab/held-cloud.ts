import type { NodeSample } from '../api/lab-api';
import { shardRanges } from '../drift/shard-rule';
import { EXACT_DIAMETER_MAX_NODES, heldMean, heldStd } from '../sim/metrics';

/*
 * The lab's whole-state measures when the state is split into K > 1 shards (docs/shards.md, "In
 * the lab"). A sharded node reports 0 for the components it does not hold; those zeros are not a
 * value anybody agreed on, so every measure here reads a component only from the nodes that hold
 * its shard:
 *
 * - mean[c]: the mean of component c over its shard's holders (NaN where nobody holds it);
 * - spread: sqrt(sum over components of their variance over the holders), which is
 *   sqrt(sum over shards of the shard's spread^2) and, at K = 1, the simulator's spread;
 * - a node's distance: from the mean over the components it holds, as if its other components
 *   sat on the holders' mean (they add nothing, rather than add a made-up disagreement);
 * - maxDistance: the largest distance between two nodes over the components both hold.
 *
 * With every node holding every shard these are exactly the K = 1 measures; the lab uses the
 * simulator's own code for K = 1 so those numbers stay bit for bit what they were.
 */

export interface HeldCloud {
  readonly mean: number[];
  readonly spread: number;
  readonly maxDistance: number;
  /** Per node, in the order given. */
  readonly distances: number[];
}

/** The measures of some nodes' states, each component over the nodes that hold its shard. */
export function heldCloud(nodes: readonly NodeSample[], d: number, K: number): HeldCloud {
  const n = nodes.length;
  if (n === 0) return { mean: [], spread: 0, maxDistance: 0, distances: [] };
  const ranges = shardRanges(d, K);
  const shardOf = new Int32Array(d);
  ranges.forEach(({ first, width }, k) => shardOf.fill(k, first, first + width));
  const holds = new Uint8Array(K * n);
  const state = new Float64Array(n * d);
  nodes.forEach((s, i) => {
    if (s.S.length !== d) {
      throw new RangeError(`node ${s.slot} has ${s.S.length} dimensions, the lab ${d}`);
    }
    state.set(s.S, i * d);
    // A sample without holds (none should come with K > 1) is taken to hold the whole state.
    const held = s.holds ?? ranges.map((_, k) => k);
    for (const k of held) if (Number.isInteger(k) && k >= 0 && k < K) holds[k * n + i] = 1;
  });
  const held = { holds, shardOf };
  const mean = heldMean(state, n, d, held, new Float64Array(d));
  const std = heldStd(state, n, d, held, mean, new Float64Array(d));
  let variance = 0;
  // A component nobody holds (a lost shard) has no spread to add.
  for (let c = 0; c < d; c++) if (Number.isFinite(std[c])) variance += std[c]! * std[c]!;

  // Node i's components as a mask, so the pair loop reads one byte per component.
  const mask = new Uint8Array(n * d);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < d; c++) mask[i * d + c] = holds[shardOf[c]! * n + i]!;

  const distances = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let c = 0; c < d; c++) {
      if (mask[i * d + c] === 0) continue;
      const x = state[i * d + c]! - mean[c]!;
      sq += x * x;
    }
    distances[i] = Math.sqrt(sq);
  }
  return {
    mean: Array.from(mean),
    spread: Math.sqrt(variance),
    maxDistance: maxSharedDistance(state, mask, n, d),
    distances,
  };
}

/** Squared distance of nodes i and j over the components both hold. */
function sharedSq(state: Float64Array, mask: Uint8Array, i: number, j: number, d: number): number {
  let sq = 0;
  for (let c = 0; c < d; c++) {
    if (mask[i * d + c] === 0 || mask[j * d + c] === 0) continue;
    const x = state[i * d + c]! - state[j * d + c]!;
    sq += x * x;
  }
  return sq;
}

/**
 * The largest pairwise distance over shared components: exact up to EXACT_DIAMETER_MAX_NODES, as
 * the K = 1 diameter; above it the same double sweep (an estimate from below).
 */
function maxSharedDistance(state: Float64Array, mask: Uint8Array, n: number, d: number): number {
  if (n < 2) return 0;
  if (n <= EXACT_DIAMETER_MAX_NODES) {
    let best = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) best = Math.max(best, sharedSq(state, mask, i, j, d));
    return Math.sqrt(best);
  }
  const farthest = (origin: number) => {
    let index = origin;
    let best = -1;
    for (let j = 0; j < n; j++) {
      const sq = sharedSq(state, mask, origin, j, d);
      if (sq > best) [best, index] = [sq, j];
    }
    return index;
  };
  const a = farthest(0);
  return Math.sqrt(sharedSq(state, mask, a, farthest(a), d));
}
