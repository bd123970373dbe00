import { describe, it, expect } from 'vitest';
import { seededRng } from '../../src-shared/random';
import {
  degree,
  edgeCount,
  fromEdgeList,
  isConnected,
  validateGraph,
  type Graph,
} from '../../src-shared/sim/graph';
import {
  TOPOLOGY_FORMS,
  TopologyError,
  barabasiAlbert,
  buildTopology,
  complete,
  erdosRenyi,
  parseTopology,
  randomRegular,
  ringLattice,
  wattsStrogatz,
} from '../../src-shared/sim/topology';

function row(g: Graph, i: number): number[] {
  return Array.from(g.neighbors.subarray(g.offsets[i], g.offsets[i + 1]));
}

function degrees(g: Graph): number[] {
  return Array.from({ length: g.n }, (_, i) => degree(g, i));
}

function expectRegular(g: Graph, k: number): void {
  validateGraph(g);
  expect(degrees(g).every((d) => d === k)).toBe(true);
  expect(edgeCount(g)).toBe((g.n * k) / 2);
}

function expectSameGraph(a: Graph, b: Graph): void {
  expect(a.n).toBe(b.n);
  expect(a.offsets).toEqual(b.offsets);
  expect(a.neighbors).toEqual(b.neighbors);
}

function differ(a: Graph, b: Graph): boolean {
  return (
    a.neighbors.length !== b.neighbors.length || a.neighbors.some((v, i) => v !== b.neighbors[i])
  );
}

describe('graph', () => {
  it('fromEdgeList symmetrises, sorts, and drops duplicates and self loops', () => {
    const g = fromEdgeList(4, Int32Array.from([2, 0, 0, 1, 1, 0, 3, 3, 0, 2, 1, 2]));
    validateGraph(g);
    expect([row(g, 0), row(g, 1), row(g, 2), row(g, 3)]).toEqual([[1, 2], [0, 2], [0, 1], []]);
    expect(edgeCount(g)).toBe(3);
    expect(degree(g, 3)).toBe(0);
  });

  it('fromEdgeList rejects nodes out of range', () => {
    expect(() => fromEdgeList(3, Int32Array.from([0, 3]))).toThrow(/outside 0..2/);
  });

  it('validateGraph names the first violation', () => {
    const graph = (offsets: number[], neighbors: number[]): Graph => ({
      n: offsets.length - 1,
      offsets: Int32Array.from(offsets),
      neighbors: Int32Array.from(neighbors),
    });
    expect(() => validateGraph(graph([0, 1, 2], [1, 0]))).not.toThrow();
    expect(() => validateGraph(graph([0, 1, 1], [1]))).toThrow(
      'edge 0-1 is missing its reverse 1-0',
    );
    expect(() => validateGraph(graph([0, 0, 1], [0]))).toThrow(
      'edge 1-0 is missing its reverse 0-1',
    );
    expect(() => validateGraph(graph([0, 1, 2], [0, 1]))).toThrow('self loop');
    expect(() => validateGraph(graph([0, 2, 4], [1, 1, 0, 0]))).toThrow('not strictly ascending');
    expect(() => validateGraph(graph([0, 1, 2], [5, 0]))).toThrow('outside');
    expect(() => validateGraph(graph([0, 1, 3], [1, 0]))).toThrow('offsets[n]');
  });

  it('isConnected tells a path from two pieces', () => {
    expect(isConnected(fromEdgeList(4, Int32Array.from([0, 1, 1, 2, 2, 3])))).toBe(true);
    expect(isConnected(fromEdgeList(4, Int32Array.from([0, 1, 2, 3])))).toBe(false);
    expect(isConnected(fromEdgeList(1, new Int32Array(0)))).toBe(true);
  });
});

describe('complete', () => {
  it('joins every pair', () => {
    for (const n of [1, 2, 7, 50]) {
      const g = complete(n);
      expectRegular(g, n - 1);
      expect(edgeCount(g)).toBe((n * (n - 1)) / 2);
    }
    expect(isConnected(complete(50))).toBe(true);
  });

  it('rejects a bad n', () => {
    expect(() => complete(0)).toThrow(TopologyError);
    expect(() => complete(2.5)).toThrow(/n must be an integer in 1\.\./);
    expect(() => complete(100_000)).toThrow(/n \* degree must be at most/);
  });
});

describe('ringLattice', () => {
  it('links each node to exactly the k/2 nearest on each side', () => {
    for (const [n, k] of [
      [10, 2],
      [10, 4],
      [11, 10],
      [1000, 8],
    ]) {
      const g = ringLattice(n, k);
      expectRegular(g, k);
      for (let i = 0; i < n; i++) {
        const expected = [];
        for (let j = 1; j <= k / 2; j++) expected.push((i + j) % n, (i - j + n) % n);
        expect(row(g, i)).toEqual(expected.sort((a, b) => a - b));
      }
      expect(isConnected(g)).toBe(true);
    }
  });

  it('rejects odd, too small and too large degrees', () => {
    expect(() => ringLattice(10, 3)).toThrow(
      new TopologyError(
        'degree must be an even integer in 2..n-1 (n = 10) for a ring lattice (got 3)',
      ),
    );
    expect(() => ringLattice(10, 0)).toThrow(TopologyError);
    expect(() => ringLattice(10, 10)).toThrow(/2\.\.n-1 \(n = 10\).*got 10/);
    expect(() => ringLattice(0, 2)).toThrow(/n must be an integer/);
  });
});

describe('randomRegular', () => {
  it('gives exactly k neighbours to every node, sparse or dense', () => {
    const cases = [
      [2, 1],
      [4, 3],
      [10, 3],
      [10, 5],
      [10, 8],
      [11, 10],
      [12, 6],
      [100, 1],
      [500, 7],
      [1000, 20],
    ];
    for (const [n, k] of cases) {
      for (let seed = 0; seed < 5; seed++) expectRegular(randomRegular(n, k, seededRng(seed)), k);
    }
  });

  it('is connected at typical sizes', () => {
    for (let seed = 0; seed < 3; seed++)
      expect(isConnected(randomRegular(2000, 4, seededRng(seed)))).toBe(true);
  });

  it('is a function of the seed', () => {
    expectSameGraph(randomRegular(500, 6, seededRng(7)), randomRegular(500, 6, seededRng(7)));
    expect(differ(randomRegular(500, 6, seededRng(7)), randomRegular(500, 6, seededRng(8)))).toBe(
      true,
    );
  });

  it('rejects impossible parameters', () => {
    const rng = seededRng(1);
    expect(() => randomRegular(5, 3, rng)).toThrow(
      new TopologyError(
        'n * degree must be even for a random regular graph (got n = 5, degree = 3)',
      ),
    );
    expect(() => randomRegular(5, 5, rng)).toThrow(
      /degree must be an integer in 1\.\.n-1 \(n = 5\).*got 5/,
    );
    expect(() => randomRegular(6, 0, rng)).toThrow(TopologyError);
    expect(() => randomRegular(6, 2.5, rng)).toThrow(TopologyError);
  });

  it('builds a million nodes of degree 20 quickly and compactly', { timeout: 60_000 }, () => {
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    const g = randomRegular(1_000_000, 20, seededRng(2024));
    const seconds = (performance.now() - start) / 1000;
    const after = process.memoryUsage();
    expectRegular(g, 20);
    // The result is 84 MB of typed arrays; the pairing scratch is garbage by now.
    expect(g.neighbors.byteLength + g.offsets.byteLength).toBeLessThan(85e6);
    expect(after.arrayBuffers - before).toBeLessThan(400e6);
    expect(after.rss).toBeLessThan(1e9);
    expect(seconds).toBeLessThan(10);
  });
});

describe('erdosRenyi', () => {
  it('has the requested mean degree within five standard deviations', () => {
    const n = 20_000;
    const mean = 8;
    const g = erdosRenyi(n, mean, seededRng(3));
    validateGraph(g);
    // The edge count is Binomial(N = n(n-1)/2, p), so the mean degree 2m/n has standard
    // deviation 2 sqrt(N p (1 - p)) / n.
    const pairs = (n * (n - 1)) / 2;
    const p = mean / (n - 1);
    const sd = (2 * Math.sqrt(pairs * p * (1 - p))) / n;
    expect(sd).toBeCloseTo(0.028, 3);
    expect(Math.abs((2 * edgeCount(g)) / n - mean)).toBeLessThan(5 * sd);
  });

  it('covers the extremes p = 0 and p = 1', () => {
    expect(edgeCount(erdosRenyi(100, 0, seededRng(1)))).toBe(0);
    expectSameGraph(erdosRenyi(30, 29, seededRng(1)), complete(30));
    expect(edgeCount(erdosRenyi(1, 0, seededRng(1)))).toBe(0);
  });

  it('is connected well above the threshold ln n', () => {
    expect(isConnected(erdosRenyi(5000, 20, seededRng(4)))).toBe(true);
  });

  it('is a function of the seed', () => {
    expectSameGraph(erdosRenyi(2000, 6, seededRng(5)), erdosRenyi(2000, 6, seededRng(5)));
    expect(differ(erdosRenyi(2000, 6, seededRng(5)), erdosRenyi(2000, 6, seededRng(6)))).toBe(true);
  });

  it('rejects mean degrees outside 0..n-1', () => {
    expect(() => erdosRenyi(10, 10, seededRng(1))).toThrow(
      /mean degree must be a number in 0\.\.n-1 \(n = 10\)/,
    );
    expect(() => erdosRenyi(10, -1, seededRng(1))).toThrow(TopologyError);
    expect(() => erdosRenyi(10, Number.NaN, seededRng(1))).toThrow(TopologyError);
  });
});

describe('wattsStrogatz', () => {
  it('equals the ring lattice when p = 0', () => {
    expectSameGraph(wattsStrogatz(200, 6, 0, seededRng(1)), ringLattice(200, 6));
  });

  it('keeps the edge count and each node its k/2 own edges at any p', () => {
    for (const p of [0.1, 0.5, 1]) {
      const g = wattsStrogatz(1000, 10, p, seededRng(2));
      validateGraph(g);
      expect(edgeCount(g)).toBe(5000);
      expect(Math.min(...degrees(g))).toBeGreaterThanOrEqual(5);
      expect(differ(g, ringLattice(1000, 10))).toBe(true);
    }
    // Dense enough that some nodes run out of places to rewire to.
    const dense = wattsStrogatz(9, 8, 1, seededRng(3));
    validateGraph(dense);
    expect(edgeCount(dense)).toBe(36);
  });

  it('is connected at typical sizes', () => {
    expect(isConnected(wattsStrogatz(5000, 10, 0.1, seededRng(4)))).toBe(true);
  });

  it('is a function of the seed', () => {
    expectSameGraph(
      wattsStrogatz(1000, 6, 0.2, seededRng(5)),
      wattsStrogatz(1000, 6, 0.2, seededRng(5)),
    );
    expect(
      differ(wattsStrogatz(1000, 6, 0.2, seededRng(5)), wattsStrogatz(1000, 6, 0.2, seededRng(6))),
    ).toBe(true);
  });

  it('rejects bad degrees and probabilities', () => {
    expect(() => wattsStrogatz(10, 3, 0.1, seededRng(1))).toThrow(
      /even integer in 2\.\.n-1.*Watts-Strogatz/,
    );
    expect(() => wattsStrogatz(10, 4, 1.5, seededRng(1))).toThrow(
      new TopologyError(
        'rewiring probability must be a number in 0..1 for a Watts-Strogatz graph (got 1.5)',
      ),
    );
    expect(() => wattsStrogatz(10, 4, -0.1, seededRng(1))).toThrow(TopologyError);
  });
});

describe('barabasiAlbert', () => {
  it('has the edge count of its construction and every node at least m neighbours', () => {
    for (const [n, m] of [
      [2, 1],
      [100, 1],
      [1000, 3],
      [5000, 5],
    ]) {
      const g = barabasiAlbert(n, m, seededRng(1));
      validateGraph(g);
      // K_{m+1} has m(m+1)/2 edges, and each of the other n - m - 1 nodes brings m.
      expect(edgeCount(g)).toBe((m * (m + 1)) / 2 + (n - m - 1) * m);
      expect(Math.min(...degrees(g))).toBeGreaterThanOrEqual(m);
      expect(isConnected(g)).toBe(true);
    }
  });

  it('grows hubs far above the mean degree', () => {
    const g = barabasiAlbert(20_000, 2, seededRng(2));
    expect(Math.max(...degrees(g))).toBeGreaterThan(50);
  });

  it('is the complete graph when m = n - 1', () => {
    expectSameGraph(barabasiAlbert(6, 5, seededRng(1)), complete(6));
  });

  it('is a function of the seed', () => {
    expectSameGraph(barabasiAlbert(1000, 2, seededRng(5)), barabasiAlbert(1000, 2, seededRng(5)));
    expect(
      differ(barabasiAlbert(1000, 2, seededRng(5)), barabasiAlbert(1000, 2, seededRng(6))),
    ).toBe(true);
  });

  it('rejects m outside 1..n-1', () => {
    expect(() => barabasiAlbert(5, 5, seededRng(1))).toThrow(
      /m \(edges per new node\) must be an integer in 1\.\.n-1/,
    );
    expect(() => barabasiAlbert(5, 0, seededRng(1))).toThrow(TopologyError);
  });
});

describe('parseTopology', () => {
  it('accepts every documented form', () => {
    const cases: [string, ReturnType<typeof parseTopology>][] = [
      ['ring', { kind: 'ring', degree: 8 }],
      ['ring:6', { kind: 'ring', degree: 6 }],
      ['random', { kind: 'random', degree: 8 }],
      ['random:3', { kind: 'random', degree: 3 }],
      ['er', { kind: 'er', degree: 8 }],
      ['er:2.5', { kind: 'er', degree: 2.5 }],
      ['ws', { kind: 'ws', degree: 8, rewire: 0.1 }],
      ['ws:10', { kind: 'ws', degree: 10, rewire: 0.1 }],
      ['ws:10:0.25', { kind: 'ws', degree: 10, rewire: 0.25 }],
      ['ws:4:1', { kind: 'ws', degree: 4, rewire: 1 }],
      ['ba', { kind: 'ba', degree: 8 }],
      ['ba:4', { kind: 'ba', degree: 4 }],
      ['complete', { kind: 'complete', degree: 8 }],
      [' ring:4 ', { kind: 'ring', degree: 4 }],
    ];
    for (const [text, spec] of cases) expect(parseTopology(text, 8)).toEqual(spec);
  });

  it('rejects malformed text, saying what is wrong and what is allowed', () => {
    const cases: [string, string][] = [
      ['', 'unknown kind ""'],
      ['star', 'unknown kind "star"'],
      ['Ring', 'unknown kind "Ring"'],
      ['ring:', 'degree must be a non-negative integer (got "")'],
      ['ring:x', 'degree must be a non-negative integer (got "x")'],
      ['random:2.5', 'degree must be a non-negative integer (got "2.5")'],
      ['ring:-2', 'degree must be a non-negative integer (got "-2")'],
      ['er:1e3', 'mean degree must be a non-negative number (got "1e3")'],
      ['ws:4:2', 'rewiring probability must be in 0..1 (got 2)'],
      ['ws:4:abc', 'rewiring probability must be a non-negative number (got "abc")'],
      ['ws:4:0.1:9', 'ws takes at most 2 parameters'],
      ['ring:4:2', 'ring takes at most 1 parameter'],
      ['complete:5', 'complete takes at most 0 parameters'],
    ];
    for (const [text, problem] of cases) {
      expect(() => parseTopology(text, 8)).toThrow(TopologyError);
      expect(() => parseTopology(text, 8)).toThrow(
        `bad topology "${text}": ${problem}; allowed forms: ${TOPOLOGY_FORMS}`,
      );
    }
  });
});

describe('buildTopology', () => {
  it('builds what each spec names', () => {
    const build = (text: string, n: number) =>
      buildTopology(parseTopology(text, 4), n, seededRng(9));
    expectSameGraph(build('ring', 50), ringLattice(50, 4));
    expectRegular(build('random:3', 50), 3);
    expectSameGraph(build('er:3', 50), erdosRenyi(50, 3, seededRng(9)));
    expectSameGraph(build('ws:6:0.3', 50), wattsStrogatz(50, 6, 0.3, seededRng(9)));
    expectSameGraph(build('ws', 50), wattsStrogatz(50, 4, 0.1, seededRng(9)));
    expectSameGraph(build('ba:6', 50), barabasiAlbert(50, 3, seededRng(9)));
    expectSameGraph(build('complete', 12), complete(12));
  });

  it('passes range errors on as TopologyError', () => {
    const rng = seededRng(1);
    expect(() => buildTopology(parseTopology('ba:5', 4), 50, rng)).toThrow(
      /degree must be an even integer >= 2 for a Barabási-Albert graph.*got 5/,
    );
    expect(() => buildTopology(parseTopology('ring:5', 4), 50, rng)).toThrow(TopologyError);
    expect(() => buildTopology(parseTopology('random:60', 4), 50, rng)).toThrow(TopologyError);
  });
});
