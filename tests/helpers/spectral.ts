import type { Graph } from '../../src-shared/sim/graph';

/*
 * Linear algebra the theory tests derive their expectations from. It is written here, from
 * the graph and the published formulas, and shares no code with the kernel it checks.
 */

/** Metropolis-Hastings weight of edge (i, j): 1 / (1 + max(deg i, deg j)). */
export function metropolisWeight(g: Graph, i: number, j: number): number {
  const di = g.offsets[i + 1] - g.offsets[i];
  const dj = g.offsets[j + 1] - g.offsets[j];
  return 1 / (1 + Math.max(di, dj));
}

/** y = M x for the iteration matrix M = I - beta (Deg_w - W) of Metropolis weights. */
export function iterationMatVec(g: Graph, beta: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < g.n; i++) {
    let acc = 0;
    for (let e = g.offsets[i]; e < g.offsets[i + 1]; e++) {
      const j = g.neighbors[e];
      acc += metropolisWeight(g, i, j) * (x[j] - x[i]);
    }
    y[i] = x[i] + beta * acc;
  }
}

/** A lower bound of M's spectrum: Gershgorin on Deg_w - W gives eigenvalues <= 2 max_i deg_w(i). */
export function spectrumFloor(g: Graph, beta: number): number {
  let maxRow = 0;
  for (let i = 0; i < g.n; i++) {
    let row = 0;
    for (let e = g.offsets[i]; e < g.offsets[i + 1]; e++)
      row += metropolisWeight(g, i, g.neighbors[e]);
    maxRow = Math.max(maxRow, row);
  }
  return 1 - 2 * beta * maxRow;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Removes the component along the all-ones vector (M's eigenvector for eigenvalue 1). */
function deflate(x: Float64Array): void {
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  for (let i = 0; i < x.length; i++) x[i] -= mean;
}

function normalise(x: Float64Array): void {
  const n = Math.sqrt(dot(x, x));
  for (let i = 0; i < x.length; i++) x[i] /= n;
}

export interface Eigenpair {
  readonly lambda: number;
  readonly vector: Float64Array;
  readonly iterations: number;
  /** |M v - lambda v| for the unit vector v returned. */
  readonly residual: number;
}

/**
 * The second-largest eigenvalue modulus of M and its eigenvector, by power iteration with
 * deflation of the known top eigenvector (all ones, eigenvalue 1). The iteration runs on
 * M - floor I, where floor lies below the spectrum: this keeps every eigenvalue positive (so
 * the largest one found is also the largest in modulus) and widens the ratio that sets the
 * speed of convergence.
 */
export function secondEigenpair(
  g: Graph,
  beta: number,
  seed = 12345,
  maxIterations = 200_000,
): Eigenpair {
  const n = g.n;
  const shift = spectrumFloor(g, beta);
  if (!(shift > 0))
    throw new Error(`spectrum floor ${shift} is not positive: the largest modulus may be negative`);
  let state = seed >>> 0;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  let v = Float64Array.from({ length: n }, rand);
  let w = new Float64Array(n);
  deflate(v);
  normalise(v);
  let lambda = 0;
  let residual = Infinity;
  let it = 0;
  for (; it < maxIterations; it++) {
    iterationMatVec(g, beta, v, w);
    const rayleigh = dot(v, w);
    for (let i = 0; i < n; i++) w[i] -= shift * v[i];
    deflate(w);
    normalise(w);
    [v, w] = [w, v];
    lambda = rayleigh;
    if (it % 50 === 49) {
      iterationMatVec(g, beta, v, w);
      const rq = dot(v, w);
      let r = 0;
      for (let i = 0; i < n; i++) r += (w[i] - rq * v[i]) ** 2;
      residual = Math.sqrt(r);
      lambda = rq;
      if (residual < 1e-9) break;
    }
  }
  return { lambda, vector: v, iterations: it + 1, residual };
}
