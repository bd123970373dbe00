import { fromEdgeList, sortRows, MAX_ENTRIES, type Graph } from './graph';
import type { Rng } from '../random';

/** A generator or the spec parser was given arguments outside their allowed range. */
export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

// ---------------------------------------------------------------- argument checks

function checkNodeCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ENTRIES) {
    throw new TopologyError(`n must be an integer in 1..${MAX_ENTRIES} for ${what} (got ${n})`);
  }
}

/** Rows are indexed by Int32 offsets, so the total row length n * degree must fit in them. */
function checkEntries(entries: number, what: string): void {
  if (entries > MAX_ENTRIES) {
    throw new TopologyError(
      `n * degree must be at most ${MAX_ENTRIES} for ${what} (got ${entries})`,
    );
  }
}

/** Shared by the ring lattice and Watts-Strogatz, which start from the same lattice. */
function checkLattice(n: number, k: number, what: string): void {
  checkNodeCount(n, what);
  if (!Number.isInteger(k) || k < 2 || k > n - 1 || k % 2 !== 0) {
    throw new TopologyError(
      `degree must be an even integer in 2..n-1 (n = ${n}) for ${what} (got ${k})`,
    );
  }
  checkEntries(n * k, what);
}

// ---------------------------------------------------------------- deterministic graphs

/** Every node joined to every other. */
export function complete(n: number): Graph {
  const what = 'a complete graph';
  checkNodeCount(n, what);
  checkEntries(n * (n - 1), what);
  const offsets = new Int32Array(n + 1);
  const neighbors = new Int32Array(n * (n - 1));
  let r = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (j !== i) neighbors[r++] = j;
    offsets[i + 1] = r;
  }
  return { n, offsets, neighbors };
}

/** Nodes on a circle, each joined to the k/2 nearest on either side. */
export function ringLattice(n: number, k: number): Graph {
  checkLattice(n, k, 'a ring lattice');
  return fromEdgeList(n, latticeEdges(n, k));
}

/**
 * The ring lattice as flattened pairs: edge (u, u + j mod n), j = 1..k/2, is pair u * k/2 + j - 1.
 * Each node thus owns the k/2 consecutive pairs that start at it, which Watts-Strogatz relies on.
 */
function latticeEdges(n: number, k: number): Int32Array {
  const half = k / 2;
  const edges = new Int32Array(n * k);
  for (let u = 0; u < n; u++) {
    for (let j = 1; j <= half; j++) {
      const e = 2 * (u * half + j - 1);
      edges[e] = u;
      edges[e + 1] = (u + j) % n;
    }
  }
  return edges;
}

// ---------------------------------------------------------------- random graphs

/**
 * Ring lattice whose edges have their far end moved, with probability p each, to a uniform node
 * that is neither the near end nor already its neighbour (the networkx order: nearest ring first).
 */
export function wattsStrogatz(n: number, k: number, p: number, rng: Rng): Graph {
  const what = 'a Watts-Strogatz graph';
  checkLattice(n, k, what);
  if (!(p >= 0 && p <= 1)) {
    throw new TopologyError(`rewiring probability must be a number in 0..1 for ${what} (got ${p})`);
  }
  const half = k / 2;
  const edges = latticeEdges(n, k);
  const degrees = new Int32Array(n).fill(k);
  for (let j = 0; j < half; j++) {
    for (let u = 0; u < n; u++) {
      // A node already joined to all others has nowhere to rewire to; the draw would never end.
      if (rng.float() >= p || degrees[u] >= n - 1) continue;
      let w: number;
      do w = rng.int(n);
      while (w === u || ownsEdgeTo(edges, half, u, w) || ownsEdgeTo(edges, half, w, u));
      const far = 2 * (u * half + j) + 1;
      degrees[edges[far]]--;
      degrees[w]++;
      edges[far] = w;
    }
  }
  return fromEdgeList(n, edges);
}

/**
 * Rewiring moves only far ends, so every edge stays among its near end's k/2 pairs: u and w are
 * adjacent exactly when one owns a pair ending at the other. That makes the check O(k) with no
 * hash set of edges.
 */
function ownsEdgeTo(edges: Int32Array, half: number, u: number, w: number): boolean {
  const start = 2 * u * half;
  for (let e = start; e < start + 2 * half; e += 2) if (edges[e + 1] === w) return true;
  return false;
}

/**
 * G(n, p) with p = meanDegree / (n - 1), by Batagelj-Brandes geometric skipping: walk the pairs
 * (v, w), w < v, in order and jump straight to the next edge, so the cost is O(n + m).
 */
export function erdosRenyi(n: number, meanDegree: number, rng: Rng): Graph {
  const what = 'an Erdős-Rényi graph';
  checkNodeCount(n, what);
  if (!(meanDegree >= 0 && meanDegree <= n - 1)) {
    throw new TopologyError(
      `mean degree must be a number in 0..n-1 (n = ${n}) for ${what} (got ${meanDegree})`,
    );
  }
  checkEntries(n * meanDegree, what);
  const p = n > 1 ? meanDegree / (n - 1) : 0;
  // Room for the expected edges plus a few standard deviations; grown by doubling past that.
  const expected = (n * meanDegree) / 2;
  let edges: Int32Array = new Int32Array(2 * Math.ceil(expected + 4 * Math.sqrt(expected) + 16));
  let length = 0;
  if (p > 0) {
    const logQ = Math.log1p(-p); // -Infinity when p = 1: every skip is then 0
    let v = 1;
    let w = -1;
    while (v < n) {
      w += 1 + Math.floor(Math.log1p(-rng.float()) / logQ);
      // v only grows, so this inner loop runs at most n times over the whole walk.
      while (w >= v && v < n) {
        w -= v;
        v++;
      }
      if (v < n) {
        if (length === edges.length) edges = grow(edges);
        edges[length++] = v;
        edges[length++] = w;
      }
    }
  }
  return fromEdgeList(n, edges.subarray(0, length));
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(2 * a.length);
  bigger.set(a);
  return bigger;
}

/**
 * Preferential attachment: a complete graph on m + 1 nodes, then each new node joins m distinct
 * existing nodes chosen with probability proportional to degree. n*m - m(m+1)/2 edges in all.
 */
export function barabasiAlbert(n: number, m: number, rng: Rng): Graph {
  const what = 'a Barabási-Albert graph';
  checkNodeCount(n, what);
  if (!Number.isInteger(m) || m < 1 || m > n - 1) {
    throw new TopologyError(
      `m (edges per new node) must be an integer in 1..n-1 (n = ${n}) for ${what} (got ${m})`,
    );
  }
  const edgeTotal = n * m - (m * (m + 1)) / 2;
  checkEntries(2 * edgeTotal, what);
  // The flattened edge list doubles as the repeated-nodes list: a node appears once per incident
  // edge, so a uniform entry is a degree-proportional node.
  const edges = new Int32Array(2 * edgeTotal);
  let length = 0;
  for (let u = 0; u <= m; u++) {
    for (let v = u + 1; v <= m; v++) {
      edges[length++] = u;
      edges[length++] = v;
    }
  }
  const targetOf = new Int32Array(n).fill(-1); // targetOf[x] === t: x is already one of t's targets
  for (let t = m + 1; t < n; t++) {
    const pool = length; // sample among edges that existed before t arrived
    let added = 0;
    while (added < m) {
      const x = edges[rng.int(pool)];
      if (targetOf[x] === t) continue;
      targetOf[x] = t;
      edges[length++] = t;
      edges[length++] = x;
      added++;
    }
  }
  return fromEdgeList(n, edges);
}

/** Fresh pairings tried when the swaps cannot clean one: a bound, never reached in our tests. */
const MAX_PAIRINGS = 20;
/** Swap proposals allowed per bad edge before the pairing is given up. */
const MAX_SWAP_ATTEMPTS = 1_000_000;

/**
 * Random simple k-regular graph, close to uniform: the configuration model (a uniform pairing
 * of n*k stubs), whose few self loops and multi-edges (about k²/4 in expectation) are then
 * removed by random degree-preserving double-edge swaps instead of restarting, which at large n
 * would almost never yield a simple pairing.
 */
export function randomRegular(n: number, k: number, rng: Rng): Graph {
  const what = 'a random regular graph';
  checkNodeCount(n, what);
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new TopologyError(
      `degree must be an integer in 1..n-1 (n = ${n}) for ${what} (got ${k})`,
    );
  }
  if ((n * k) % 2 !== 0) {
    throw new TopologyError(`n * degree must be even for ${what} (got n = ${n}, degree = ${k})`);
  }
  checkEntries(n * k, what);
  // Swaps can stall near completeness (K_n can only be reached from itself), so a dense graph is
  // built as the complement of a sparse one: a bijection, so the distribution carries over.
  return 2 * k > n - 1 ? complement(sparseRegular(n, n - 1 - k, rng)) : sparseRegular(n, k, rng);
}

/** randomRegular for k <= (n - 1) / 2, where a bad edge has many valid swap partners. */
function sparseRegular(n: number, k: number, rng: Rng): Graph {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = i * k;
  for (let attempt = 0; attempt < MAX_PAIRINGS; attempt++) {
    const rows = randomPairing(n, k, rng);
    sortRows(offsets, rows);
    if (repairPairing(rows, n, k, rng)) {
      sortRows(offsets, rows); // only the rows touched by swaps are out of order
      return { n, offsets, neighbors: rows };
    }
  }
  throw new Error(
    `randomRegular: no simple ${k}-regular graph on ${n} nodes after ${MAX_PAIRINGS} pairings ` +
      '(the edge swaps kept failing)',
  );
}

/** The graph joining exactly the pairs of distinct nodes that `g` does not join. */
function complement(g: Graph): Graph {
  const { n } = g;
  const offsets = new Int32Array(n + 1);
  const neighbors = new Int32Array(n * (n - 1) - g.neighbors.length);
  let w = 0;
  for (let i = 0; i < n; i++) {
    // Rows are sorted, so one pass over j steps through row i alongside.
    let r = g.offsets[i];
    for (let j = 0; j < n; j++) {
      if (r < g.offsets[i + 1] && g.neighbors[r] === j) r++;
      else if (j !== i) neighbors[w++] = j;
    }
    offsets[i + 1] = w;
  }
  return { n, offsets, neighbors };
}

/**
 * Uniform perfect matching of the n*k stubs (stub s belongs to node floor(s / k)). Returns
 * rows[s] = the node at the far end of stub s's edge: already the CSR rows of a k-regular
 * multigraph.
 */
function randomPairing(n: number, k: number, rng: Rng): Int32Array {
  const total = n * k;
  const stubs = new Int32Array(total);
  for (let s = 0; s < total; s++) stubs[s] = s;
  const rows = new Int32Array(total);
  // stubs[i..] are the unmatched stubs: match stubs[i] with a uniform one of the others.
  for (let i = 0; i < total; i += 2) {
    const j = i + 1 + rng.int(total - i - 1);
    const a = stubs[i];
    const b = stubs[j];
    stubs[j] = stubs[i + 1];
    rows[a] = (b / k) | 0;
    rows[b] = (a / k) | 0;
  }
  return rows;
}

/**
 * Removes self loops and surplus parallel edges from sorted multigraph rows. Each successful swap
 * removes one and creates none. Returns false when a bad edge finds no valid swap within
 * MAX_SWAP_ATTEMPTS proposals, which needs almost every edge to be unsuitable.
 */
function repairPairing(rows: Int32Array, n: number, k: number, rng: Rng): boolean {
  const bad = surplusEdges(rows, n, k);
  for (let i = 0; i < bad.length; i += 2) {
    const a = bad[i];
    const b = bad[i + 1];
    // Two slots of a's row hold b while this loop or extra copy survives (a loop fills two slots
    // of its own row); an earlier swap may already have removed it by picking it as partner.
    for (let attempts = 0; countInRow(rows, k, a, b) >= 2; attempts++) {
      if (attempts === MAX_SWAP_ATTEMPTS) return false;
      // A uniform stub is a uniform edge with a uniform orientation, as every row has k slots.
      const stub = rng.int(n * k);
      trySwap(rows, k, a, b, (stub / k) | 0, rows[stub]);
    }
  }
  return true;
}

/**
 * Flattened pairs (a, b), one per self loop and one per surplus copy of a parallel edge. Few are
 * expected (about k²/4), so a plain array is fine.
 */
function surplusEdges(rows: Int32Array, n: number, k: number): number[] {
  const bad: number[] = [];
  for (let a = 0; a < n; a++) {
    const end = (a + 1) * k;
    for (let r = a * k; r < end;) {
      const b = rows[r];
      let run = 1;
      while (r + run < end && rows[r + run] === b) run++;
      // A loop is two slots of its own row; any other edge is counted from its smaller end only.
      const surplus = b === a ? run / 2 : b > a ? run - 1 : 0;
      for (let s = 0; s < surplus; s++) bad.push(a, b);
      r += run;
    }
  }
  return bad;
}

/**
 * Replaces edges a-b and c-d by a-c and b-d (degrees unchanged), unless that would make a loop or
 * a multi-edge.
 */
function trySwap(rows: Int32Array, k: number, a: number, b: number, c: number, d: number): void {
  if (a === c || b === d) return; // new loop
  if (a === b && c === d) return; // both new edges would be a-c
  if (countInRow(rows, k, a, c) > 0 || countInRow(rows, k, b, d) > 0) return; // new parallel edge
  replaceOne(rows, k, a, b, c);
  replaceOne(rows, k, b, a, d);
  replaceOne(rows, k, c, d, a);
  replaceOne(rows, k, d, c, b);
}

function countInRow(rows: Int32Array, k: number, u: number, v: number): number {
  let count = 0;
  for (let r = u * k; r < (u + 1) * k; r++) if (rows[r] === v) count++;
  return count;
}

function replaceOne(rows: Int32Array, k: number, u: number, from: number, to: number): void {
  for (let r = u * k; r < (u + 1) * k; r++) {
    if (rows[r] === from) {
      rows[r] = to;
      return;
    }
  }
  throw new Error(`randomRegular: node ${u} has no edge to ${from} to swap`);
}

// ---------------------------------------------------------------- command-line specs

export type TopologySpec = {
  kind: 'ring' | 'random' | 'er' | 'ws' | 'ba' | 'complete';
  degree: number;
  rewire?: number;
};

const DEFAULT_REWIRE = 0.1;

export const TOPOLOGY_FORMS =
  'ring, ring:K, random, random:K, er, er:MEAN, ws, ws:K, ws:K:P, ba, ba:K, complete ' +
  '(K = degree, even for ring/ws/ba; MEAN = mean degree; ' +
  `P = rewiring probability in 0..1, default ${DEFAULT_REWIRE})`;

/** How many ':'-separated parameters follow each kind. */
const MAX_PARAMS: Record<TopologySpec['kind'], number> = {
  ring: 1,
  random: 1,
  er: 1,
  ws: 2,
  ba: 1,
  complete: 0,
};

function isKind(text: string): text is TopologySpec['kind'] {
  return Object.hasOwn(MAX_PARAMS, text);
}

const INTEGER = /^\d+$/;
const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;

/**
 * Parses a --topology value. Omitted degrees take `defaultDegree`; ranges that depend on n are
 * left to the generators. For `complete` the degree is unused (every node has n - 1 neighbours).
 */
export function parseTopology(text: string, defaultDegree: number): TopologySpec {
  const [kind = '', ...params] = text.trim().split(':');
  function fail(problem: string): never {
    throw new TopologyError(`bad topology "${text}": ${problem}; allowed forms: ${TOPOLOGY_FORMS}`);
  }
  function param(index: number, name: string, integer: boolean, fallback: number): number {
    const raw = params[index];
    if (raw === undefined) return fallback;
    if (!(integer ? INTEGER : DECIMAL).test(raw)) {
      fail(`${name} must be a non-negative ${integer ? 'integer' : 'number'} (got "${raw}")`);
    }
    return Number(raw);
  }
  if (!isKind(kind)) fail(`unknown kind "${kind}"`);
  const maxParams = MAX_PARAMS[kind];
  if (params.length > maxParams)
    fail(`${kind} takes at most ${maxParams} parameter${maxParams === 1 ? '' : 's'}`);
  if (kind === 'complete') return { kind, degree: defaultDegree };
  const degree =
    kind === 'er'
      ? param(0, 'mean degree', false, defaultDegree)
      : param(0, 'degree', true, defaultDegree);
  if (kind !== 'ws') return { kind, degree };
  const rewire = param(1, 'rewiring probability', false, DEFAULT_REWIRE);
  if (rewire > 1) fail(`rewiring probability must be in 0..1 (got ${rewire})`);
  return { kind, degree, rewire };
}

/**
 * Builds the graph a spec describes on n nodes; out-of-range arguments surface as TopologyError.
 */
export function buildTopology(spec: TopologySpec, n: number, rng: Rng): Graph {
  switch (spec.kind) {
    case 'ring':
      return ringLattice(n, spec.degree);
    case 'random':
      return randomRegular(n, spec.degree, rng);
    case 'er':
      return erdosRenyi(n, spec.degree, rng);
    case 'ws':
      return wattsStrogatz(n, spec.degree, spec.rewire ?? DEFAULT_REWIRE, rng);
    case 'ba':
      // The spec gives the mean degree, about 2m for preferential attachment.
      if (!Number.isInteger(spec.degree / 2) || spec.degree < 2) {
        throw new TopologyError(
          'degree must be an even integer >= 2 for a Barabási-Albert graph, ' +
            `which adds m = degree/2 edges per node (got ${spec.degree})`,
        );
      }
      return barabasiAlbert(n, spec.degree / 2, rng);
    case 'complete':
      return complete(n);
  }
}
