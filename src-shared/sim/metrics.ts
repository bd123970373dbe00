/*
 * Swarm-wide measures over a flat state buffer (node i at [i*d, (i+1)*d)). Variances are
 * taken in two passes (mean first, then squared deviations), never as E[x^2] - E[x]^2,
 * which loses every digit once the states agree to more digits than they are large.
 */

/** The network mean per coordinate, written into `out`. */
export function networkMean(
  state: Float64Array,
  n: number,
  d: number,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c] += state[i * d + c];
  for (let c = 0; c < d; c++) out[c] /= n;
  return out;
}

/** Population standard deviation per coordinate around `mean`, written into `out`. */
export function stdPerCoordinate(
  state: Float64Array,
  n: number,
  d: number,
  mean: Float64Array,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      const dev = state[i * d + c] - mean[c];
      out[c] += dev * dev;
    }
  }
  for (let c = 0; c < d; c++) out[c] = Math.sqrt(out[c] / n);
  return out;
}

/**
 * Which components count in the measures when not every node holds every shard: component c of
 * node i counts while holds[shardOf[c] * n + i] is 1 (docs/shards.md).
 */
export interface HeldComponents {
  readonly holds: Uint8Array;
  readonly shardOf: Int32Array;
}

/** networkMean over the components their nodes hold; NaN for a component nobody holds. */
export function heldMean(
  state: Float64Array,
  n: number,
  d: number,
  held: HeldComponents,
  out: Float64Array,
): Float64Array {
  for (let c = 0; c < d; c++) {
    const row = held.shardOf[c] * n;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (held.holds[row + i] === 0) continue;
      sum += state[i * d + c];
      count++;
    }
    out[c] = count > 0 ? sum / count : NaN;
  }
  return out;
}

/** stdPerCoordinate over the components their nodes hold, around `mean`. */
export function heldStd(
  state: Float64Array,
  n: number,
  d: number,
  held: HeldComponents,
  mean: Float64Array,
  out: Float64Array,
): Float64Array {
  for (let c = 0; c < d; c++) {
    const row = held.shardOf[c] * n;
    let sq = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (held.holds[row + i] === 0) continue;
      const dev = state[i * d + c] - mean[c];
      sq += dev * dev;
      count++;
    }
    out[c] = count > 0 ? Math.sqrt(sq / count) : NaN;
  }
  return out;
}

/**
 * The spread: root-mean-square distance of the states from the network mean,
 * sqrt(sum over coordinates of the variance). It is |x - mean|_2 / sqrt(n), so consensus
 * theory's bounds on |x - mean|_2 apply to it unchanged.
 */
export function spreadOf(std: Float64Array): number {
  let v = 0;
  for (let c = 0; c < std.length; c++) v += std[c] * std[c];
  return Math.sqrt(v);
}

/** Up to this many nodes the maximum pairwise distance is computed exactly (n^2 / 2 pairs). */
export const EXACT_DIAMETER_MAX_NODES = 1024;

/**
 * The maximum distance between two states. Exact up to EXACT_DIAMETER_MAX_NODES; above it,
 * the double sweep (farthest point from node 0, then farthest from that), which is exact for
 * most clouds and never below half the true value.
 */
export function maxPairwiseDistance(state: Float64Array, n: number, d: number): number {
  if (n < 2) return 0;
  if (n <= EXACT_DIAMETER_MAX_NODES) {
    let best = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const sq = distSq(state, i, j, d);
        if (sq > best) best = sq;
      }
    }
    return Math.sqrt(best);
  }
  const a = farthestFrom(state, n, d, 0);
  const b = farthestFrom(state, n, d, a);
  return Math.sqrt(distSq(state, a, b, d));
}

function distSq(state: Float64Array, i: number, j: number, d: number): number {
  let sq = 0;
  for (let c = 0; c < d; c++) {
    const x = state[i * d + c] - state[j * d + c];
    sq += x * x;
  }
  return sq;
}

function farthestFrom(state: Float64Array, n: number, d: number, origin: number): number {
  let index = origin;
  let best = -1;
  for (let j = 0; j < n; j++) {
    const sq = distSq(state, origin, j, d);
    if (sq > best) {
      best = sq;
      index = j;
    }
  }
  return index;
}

/** Euclidean distance between two vectors of equal length. */
export function distance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let sq = 0;
  for (let c = 0; c < x.length; c++) sq += (x[c] - y[c]) ** 2;
  return Math.sqrt(sq);
}
