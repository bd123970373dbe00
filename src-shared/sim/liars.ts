import type { Graph } from './graph';

/*
 * Liars for the simulator: k liar states attached to every honest node. Each liar is heard
 * by one honest node only, so it can tell that node exactly the lie that hurts it most; liars
 * hear nobody. The graph this builds is directed (honest rows list their liars, liar rows are
 * empty), which the kernel's compressed rows express as they are.
 */

export interface LiarLayout {
  readonly graph: Graph;
  /** Honest nodes are 0 .. honest - 1; the liars of honest node i are honest + i*k .. + k - 1. */
  readonly honest: number;
  readonly perNode: number;
}

/** The honest graph with k liars appended to every honest row. */
export function withLiars(honestGraph: Graph, k: number): LiarLayout {
  const h = honestGraph.n;
  const n = h + h * k;
  const offsets = new Int32Array(n + 1);
  const neighbors = new Int32Array(honestGraph.neighbors.length + h * k);
  let r = 0;
  for (let i = 0; i < h; i++) {
    for (let e = honestGraph.offsets[i]; e < honestGraph.offsets[i + 1]; e++)
      neighbors[r++] = honestGraph.neighbors[e];
    for (let q = 0; q < k; q++) neighbors[r++] = h + i * k + q;
    offsets[i + 1] = r;
  }
  offsets.fill(r, h + 1);
  return { graph: { n, offsets, neighbors }, honest: h, perNode: k };
}

/**
 * Writes every liar's report for this cycle: a state `reach` away from its listener, toward
 * `target` (or the target itself once the listener is closer than that). With reach just
 * under the anomaly limit this is the strongest lie VaultGuard admits.
 */
export function writeLies(
  state: Float64Array,
  d: number,
  layout: LiarLayout,
  target: readonly number[],
  reach: number,
): void {
  const { honest, perNode } = layout;
  for (let i = 0; i < honest; i++) {
    const first = honest + i * perNode;
    towardTarget(state, first * d, state, i * d, target, reach, d);
    for (let q = 1; q < perNode; q++) state.copyWithin((first + q) * d, first * d, (first + 1) * d);
  }
}

/**
 * Writes into `out` at `outOff` the point `reach` away from `from` (at `fromOff`) toward
 * `target`, or the target itself when it is closer than that: the lie a liar tells its listener.
 */
export function towardTarget(
  out: { [i: number]: number },
  outOff: number,
  from: ArrayLike<number>,
  fromOff: number,
  target: ArrayLike<number>,
  reach: number,
  d: number,
): void {
  let dist = 0;
  for (let c = 0; c < d; c++) dist += (target[c] - from[fromOff + c]) ** 2;
  dist = Math.sqrt(dist);
  const step = dist > reach ? reach / dist : 1;
  for (let c = 0; c < d; c++) {
    const x = from[fromOff + c];
    out[outOff + c] = x + step * (target[c] - x);
  }
}
