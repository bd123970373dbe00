/**
 * Undirected simple graph in compressed sparse rows: node i's neighbours are
 * neighbors[offsets[i] .. offsets[i+1]). Every edge appears in both rows; rows are sorted
 * ascending; no self loops, no duplicates.
 */
export interface Graph {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
}

/** Offsets are Int32, so a graph holds at most this many row entries (twice its edge count). */
export const MAX_ENTRIES = 2 ** 31 - 1;

/** Rows up to this length are insertion-sorted: no allocation, and linear when nearly sorted. */
const INSERTION_SORT_MAX = 32;

export function degree(g: Graph, i: number): number {
  return g.offsets[i + 1] - g.offsets[i];
}

/** Number of undirected edges. */
export function edgeCount(g: Graph): number {
  return g.offsets[g.n] / 2;
}

/**
 * Sorts every row of a CSR structure ascending, in place. Generators that fill rows directly
 * call this once at the end; it is cheap on rows that are already almost sorted.
 */
export function sortRows(offsets: Int32Array, neighbors: Int32Array): void {
  const n = offsets.length - 1;
  for (let i = 0; i < n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    if (end - start <= INSERTION_SORT_MAX) insertionSort(neighbors, start, end);
    else neighbors.subarray(start, end).sort();
  }
}

function insertionSort(a: Int32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= start && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * Builds a graph from flattened pairs u0,v0,u1,v1,...: symmetrises, sorts, and drops duplicates
 * and self loops.
 */
export function fromEdgeList(n: number, edges: Int32Array): Graph {
  if (edges.length % 2 !== 0)
    throw new Error(`edge list must hold pairs (length ${edges.length} is odd)`);
  const offsets = new Int32Array(n + 1);
  // Count both ends of every non-loop edge; offsets[i + 1] holds node i's count for now.
  let entries = 0;
  for (let e = 0; e < edges.length; e += 2) {
    const u = edges[e];
    const v = edges[e + 1];
    if (u < 0 || u >= n || v < 0 || v >= n)
      throw new Error(`edge ${u}-${v} has a node outside 0..${n - 1}`);
    if (u === v) continue;
    offsets[u + 1]++;
    offsets[v + 1]++;
    entries += 2;
  }
  if (entries > MAX_ENTRIES)
    throw new Error(`edge list too large: ${entries} row entries exceed ${MAX_ENTRIES}`);
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i];

  const neighbors = new Int32Array(entries);
  const fill = offsets.slice(0, n);
  for (let e = 0; e < edges.length; e += 2) {
    const u = edges[e];
    const v = edges[e + 1];
    if (u === v) continue;
    neighbors[fill[u]++] = v;
    neighbors[fill[v]++] = u;
  }
  sortRows(offsets, neighbors);
  return removeDuplicates(n, offsets, neighbors);
}

/** Compacts sorted rows in place, keeping the first of each run of equal neighbours. */
function removeDuplicates(n: number, offsets: Int32Array, neighbors: Int32Array): Graph {
  let write = 0;
  let start = offsets[0];
  for (let i = 0; i < n; i++) {
    const end = offsets[i + 1];
    for (let r = start; r < end; r++) {
      if (r === start || neighbors[r] !== neighbors[r - 1]) neighbors[write++] = neighbors[r];
    }
    start = end;
    offsets[i + 1] = write;
  }
  return {
    n,
    offsets,
    neighbors: write === neighbors.length ? neighbors : neighbors.slice(0, write),
  };
}

/** True when every node can reach every other (vacuously for n <= 1). */
export function isConnected(g: Graph): boolean {
  if (g.n <= 1) return true;
  const seen = new Uint8Array(g.n);
  const queue = new Int32Array(g.n);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  while (head < tail) {
    const u = queue[head++];
    for (let r = g.offsets[u]; r < g.offsets[u + 1]; r++) {
      const v = g.neighbors[r];
      if (seen[v] === 0) {
        seen[v] = 1;
        queue[tail++] = v;
      }
    }
  }
  return tail === g.n;
}

/** Throws an Error describing the first way `g` breaks the Graph invariants. */
export function validateGraph(g: Graph): void {
  const { n, offsets, neighbors } = g;
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer (got ${n})`);
  if (offsets.length !== n + 1)
    throw new Error(`offsets has length ${offsets.length}, expected n + 1 = ${n + 1}`);
  if (offsets[0] !== 0) throw new Error(`offsets[0] is ${offsets[0]}, expected 0`);
  if (offsets[n] !== neighbors.length) {
    throw new Error(`offsets[n] is ${offsets[n]} but neighbors has length ${neighbors.length}`);
  }
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] < offsets[i]) throw new Error(`offsets decrease at node ${i}`);
    for (let r = offsets[i]; r < offsets[i + 1]; r++) {
      const v = neighbors[r];
      if (v < 0 || v >= n) throw new Error(`node ${i} has neighbour ${v} outside 0..${n - 1}`);
      if (v === i) throw new Error(`node ${i} has a self loop`);
      if (r > offsets[i] && v <= neighbors[r - 1]) {
        throw new Error(
          `row ${i} is not strictly ascending at neighbour ${v} (duplicate or unsorted)`,
        );
      }
    }
  }
  checkSymmetric(g);
}

/**
 * With strictly ascending rows, the graph is symmetric exactly when visiting rows in node order
 * meets, in each row j, the nodes listing j in ascending order: one cursor per row checks that in
 * O(n + m) without searching.
 */
function checkSymmetric({ n, offsets, neighbors }: Graph): void {
  const cursor = offsets.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let r = offsets[i]; r < offsets[i + 1]; r++) {
      const j = neighbors[r];
      const next = cursor[j] < offsets[j + 1] ? neighbors[cursor[j]] : n;
      // A smaller `next` was skipped over: row `next` never listed j.
      if (next < i) throw new Error(`edge ${j}-${next} is missing its reverse ${next}-${j}`);
      if (next > i) throw new Error(`edge ${i}-${j} is missing its reverse ${j}-${i}`);
      cursor[j]++;
    }
  }
  for (let j = 0; j < n; j++) {
    if (cursor[j] !== offsets[j + 1]) {
      throw new Error(
        `edge ${j}-${neighbors[cursor[j]]} is missing its reverse ${neighbors[cursor[j]]}-${j}`,
      );
    }
  }
}
