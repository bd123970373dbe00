import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PARTITION_KINDS, partitionSpec, type PartitionSpec } from '../../src-shared/api/lab-api';
import { LabCommandError } from '../../src-shared/lab/errors';
import {
  canTalk,
  describeSlots,
  liveLinksUnder,
  planPartition,
  type PartitionPlan,
} from '../../src-shared/lab/partitions';
import { seededRng } from '../../src-shared/random';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const rng = (seed = 1) => seededRng(seed, 0);
const plan = (spec: PartitionSpec, nodes: readonly number[], seed = 1) =>
  planPartition(spec, nodes, rng(seed));

/** Every unordered pair of distinct nodes. */
function pairs(nodes: readonly number[]): [number, number][] {
  return nodes.flatMap((a, i) => nodes.slice(i + 1).map((b): [number, number] => [a, b]));
}

/** The nodes `a` may talk to, itself excluded. */
function visible(p: PartitionPlan, nodes: readonly number[], a: number): number[] {
  return nodes.filter((b) => b !== a && canTalk(p, a, b));
}

/** The plan cuts exactly the pairs on different sides of `sides` (a node on one side each). */
function expectSides(p: PartitionPlan, sides: readonly (readonly number[])[]): void {
  const side = new Map(sides.flatMap((s, i) => s.map((slot) => [slot, i] as const)));
  for (const [a, b] of pairs([...side.keys()].sort((x, y) => x - y))) {
    expect(canTalk(p, a, b), `${a}-${b}`).toBe(side.get(a) === side.get(b));
  }
}

function expectSymmetric(p: PartitionPlan): void {
  p.cut.forEach((row, a) => {
    expect([...row].sort((x, y) => x - y)).toEqual(row);
    for (const b of row) expect(p.cut[b]).toContain(a);
  });
}

const simpleKinds = PARTITION_KINDS.filter((k) => k !== 'groups');

describe('planPartition: the kinds', () => {
  const twenty = range(20);

  it('partition-halves cuts every pair across the halves and none within', () => {
    const p = plan({ kind: 'partition-halves' }, twenty);
    expect(p.groups).toEqual([range(10), range(10, 10)]);
    expectSides(p, [range(10), range(10, 10)]);
    expect(p.cut).toHaveLength(20);
    expect(p.cut[0]).toEqual(range(10, 10));
  });

  it('partition-halves puts the smaller half first for an odd count', () => {
    const p = plan({ kind: 'partition-halves' }, range(5));
    expect(p.groups).toEqual([
      [0, 1],
      [2, 3, 4],
    ]);
  });

  it('partition-random-halves cuts complete halves of a seeded shuffle', () => {
    const p = plan({ kind: 'partition-random-halves' }, twenty, 7);
    const [a, b] = p.groups;
    expect(a).toHaveLength(10);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(twenty);
    expectSides(p, [a, b]);
    expect(a).not.toEqual(range(10));
  });

  it('partition-random-node isolates one node', () => {
    const p = plan({ kind: 'partition-random-node' }, twenty, 3);
    const [[lone], rest] = p.groups;
    expect(rest).toEqual(twenty.filter((s) => s !== lone));
    expectSides(p, [[lone], rest]);
    expect(visible(p, twenty, lone)).toEqual([]);
  });

  it('bridge: the first node of the second half talks to all, the halves are cut otherwise', () => {
    const p = plan({ kind: 'bridge' }, twenty);
    expect(p.groups).toEqual([[...range(10), 10], range(10, 10)]);
    expect(visible(p, twenty, 10)).toHaveLength(19);
    for (const [a, b] of pairs(twenty)) {
      const sameHalf = a < 10 === b < 10;
      expect(canTalk(p, a, b), `${a}-${b}`).toBe(sameHalf || a === 10 || b === 10);
    }
  });

  it('majorities-ring for n = 4..30: majorities, all different, symmetric', () => {
    for (let n = 4; n <= 30; n++) {
      const nodes = range(n);
      const p = plan({ kind: 'majorities-ring' }, nodes, n);
      expect(p.groups).toEqual([]);
      expectSymmetric(p);
      const seen = nodes.map((a) => visible(p, nodes, a));
      for (const s of seen) expect(s.length).toBeGreaterThanOrEqual(Math.floor(n / 2));
      // What a node sees, itself included: a majority, and no two nodes the same one.
      const views = new Set(nodes.map((a, i) => [...seen[i], a].sort((x, y) => x - y).join(',')));
      expect(views.size, `n = ${n}`).toBe(n);
      // Something is cut for every node: it is a partition, not the whole lab.
      for (const s of seen) expect(s.length).toBeLessThan(n - 1);
    }
  });

  it('minority-third cuts the first floor(n/3) nodes from the rest', () => {
    const p = plan({ kind: 'minority-third' }, twenty);
    expect(p.groups).toEqual([range(6), range(14, 6)]);
    expectSides(p, p.groups);
  });

  it('groups: nodes talk within their group, the rest are isolated', () => {
    const p = plan({ kind: 'groups', groups: [[3, 1], [5], [0, 2]] }, range(8));
    expect(p.groups).toEqual([[1, 3], [5], [0, 2]]);
    expectSides(p, [[1, 3], [5], [0, 2], [4], [6], [7]]);
    expect(visible(p, range(8), 7)).toEqual([]);
    expect(canTalk(p, 4, 4)).toBe(true);
  });

  it('works on slots that are not contiguous; cut covers 0..max', () => {
    const nodes = [2, 5, 9, 11];
    const p = plan({ kind: 'partition-halves' }, nodes);
    expect(p.cut).toHaveLength(12);
    expect(p.cut[0]).toEqual([]);
    expect(p.cut[2]).toEqual([9, 11]);
    expect(p.cut[11]).toEqual([2, 5]);
  });
});

describe('planPartition: seeds', () => {
  const nodes = range(20);

  it('the same seed gives the same plan for every kind', () => {
    for (const kind of simpleKinds) {
      expect(plan({ kind }, nodes, 42)).toEqual(plan({ kind }, nodes, 42));
    }
  });

  it('different seeds give different plans for the random kinds', () => {
    for (const kind of ['partition-random-halves', 'partition-random-node', 'majorities-ring']) {
      const spec = partitionSpec.parse({ kind });
      const cuts = new Set(range(10, 1).map((seed) => JSON.stringify(plan(spec, nodes, seed).cut)));
      expect(cuts.size, kind).toBeGreaterThan(1);
    }
  });
});

describe('planPartition: errors', () => {
  const fails = (spec: PartitionSpec, nodes: readonly number[], message: string) => {
    expect(() => plan(spec, nodes)).toThrow(LabCommandError);
    expect(() => plan(spec, nodes)).toThrow(message);
  };

  it('every kind needs two nodes; bridge and minority-third three; majorities-ring four', () => {
    for (const kind of simpleKinds) fails({ kind }, [0], `${kind} needs at least`);
    fails({ kind: 'groups', groups: [[0], [1]] }, [0], 'groups needs at least 2 nodes');
    fails({ kind: 'bridge' }, range(2), 'bridge needs at least 3 nodes (the lab has 2)');
    fails({ kind: 'minority-third' }, range(2), 'minority-third needs at least 3 nodes');
    fails({ kind: 'majorities-ring' }, range(3), 'majorities-ring needs at least 4 nodes');
    expect(() => plan({ kind: 'majorities-ring' }, range(4))).not.toThrow();
  });

  it('groups name lab nodes once each, in non-empty groups', () => {
    const lab = range(20);
    fails({ kind: 'groups', groups: [[1], [42]] }, lab, 'unknown node 42: the lab has slots 0..19');
    fails({ kind: 'groups', groups: [[1], []] }, lab, 'group 1 is empty');
    fails(
      { kind: 'groups', groups: [[0], [3], [3, 4]] },
      lab,
      'node 3 is in groups 1 and 2: groups must not overlap',
    );
    fails({ kind: 'groups', groups: [[0], [4, 5, 4]] }, lab, 'node 4 appears twice in group 1');
    fails({ kind: 'groups', groups: [[0, 1]] }, lab, 'at least two groups');
  });

  it('messages are one line', () => {
    try {
      plan({ kind: 'groups', groups: [[1], [7]] }, [0, 1, 2, 4, 5, 6]);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).name).toBe('LabCommandError');
      expect((e as Error).message).toBe('unknown node 7: the lab has slots 0..2, 4..6');
    }
  });

  it('describeSlots compresses runs', () => {
    expect(describeSlots([0, 1, 2, 3])).toBe('0..3');
    expect(describeSlots([0, 2, 3, 4, 9])).toBe('0, 2..4, 9');
    expect(describeSlots([])).toBe('none');
  });
});

describe('canTalk and liveLinksUnder', () => {
  it('without a plan everything talks and every edge is up, normalised and sorted', () => {
    expect(canTalk(null, 0, 1)).toBe(true);
    expect(
      liveLinksUnder(null, [
        [3, 1],
        [0, 2],
        [1, 3],
        [2, 2],
      ]),
    ).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it('keeps only the edges a partition leaves up', () => {
    const p = plan({ kind: 'partition-halves' }, range(4));
    const ring: [number, number][] = [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 0],
    ];
    expect(liveLinksUnder(p, ring)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('slots the plan does not know are cut from no one', () => {
    const p = plan({ kind: 'partition-halves' }, range(4));
    expect(canTalk(p, 0, 9)).toBe(true);
    expect(canTalk(p, 9, 0)).toBe(true);
  });
});

describe('properties', () => {
  const labs = fc
    .uniqueArray(fc.integer({ min: 0, max: 120 }), { minLength: 4, maxLength: 40 })
    .map((a) => a.sort((x, y) => x - y));

  it('every plan is symmetric, sized max+1, and cuts only lab nodes', () => {
    fc.assert(
      fc.property(labs, fc.constantFrom(...simpleKinds), fc.integer(), (nodes, kind, seed) => {
        const p = planPartition({ kind }, nodes, seededRng(seed));
        expect(p.cut).toHaveLength(nodes[nodes.length - 1] + 1);
        expectSymmetric(p);
        const inLab = new Set(nodes);
        p.cut.forEach((row, a) => {
          if (!inLab.has(a)) expect(row).toEqual([]);
          for (const b of row) expect(inLab.has(b) && b !== a).toBe(true);
        });
        for (const [a, b] of pairs(nodes)) expect(canTalk(p, a, b)).toBe(canTalk(p, b, a));
      }),
      { seed: 20261121, numRuns: 200 },
    );
  });
});
