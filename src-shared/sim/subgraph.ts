import type { Graph } from './graph';

/*
 * What is left of a graph when some of its nodes fail: the survivors' links among themselves,
 * and the connected groups they fall into. Used to model node failures in the simulator.
 */

export interface Subgraph {
  readonly graph: Graph;
  /** Node i of the subgraph is node `original[i]` of the graph it came from. */
  readonly original: Int32Array;
}

/** The graph induced on the nodes with keep[i] = 1, renumbered in their original order. */
export function inducedSubgraph(g: Graph, keep: Uint8Array): Subgraph {
  const index = new Int32Array(g.n).fill(-1);
  let n = 0;
  for (let i = 0; i < g.n; i++) if (keep[i] === 1) index[i] = n++;
  const original = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  const kept: number[] = [];
  for (let i = 0; i < g.n; i++) {
    if (index[i] < 0) continue;
    original[index[i]] = i;
    // Rows stay sorted: renumbering keeps the original order.
    for (let e = g.offsets[i]; e < g.offsets[i + 1]; e++)
      if (index[g.neighbors[e]] >= 0) kept.push(index[g.neighbors[e]]);
    offsets[index[i] + 1] = kept.length;
  }
  return { graph: { n, offsets, neighbors: Int32Array.from(kept) }, original };
}

/** The connected component of every node, numbered 0.. in order of their lowest node. */
export function components(g: Graph): { readonly of: Int32Array; readonly count: number } {
  const of = new Int32Array(g.n).fill(-1);
  const stack: number[] = [];
  let count = 0;
  for (let s = 0; s < g.n; s++) {
    if (of[s] >= 0) continue;
    of[s] = count;
    stack.push(s);
    while (stack.length > 0) {
      const i = stack.pop()!;
      for (let e = g.offsets[i]; e < g.offsets[i + 1]; e++) {
        const j = g.neighbors[e];
        if (of[j] < 0) {
          of[j] = count;
          stack.push(j);
        }
      }
    }
    count++;
  }
  return { of, count };
}
