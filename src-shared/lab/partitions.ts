import type { PartitionKind, PartitionSpec } from '../api/lab-api';
import type { Rng } from '../random';
import { LabCommandError } from './errors';

/*
 * Partitions as plans over slots, after Jepsen's nemesis grudges (jepsen.nemesis: bisect,
 * complete-grudge, bridge, majorities-ring) with one difference throughout: a lab link is one
 * TCP connection carrying both directions, so a link is either up or cut. Jepsen's grudges are
 * per receiving node (iptables drops inbound traffic) and may be one-way; ours are symmetric.
 *
 * A plan is pure data: the lab closes the connections it cuts and refuses new ones, the monitor
 * shows its groups, and the tests check each definition against it.
 */

export interface PartitionPlan {
  readonly spec: PartitionSpec;
  /**
   * What the metrics show per group. Groups may overlap (the bridge node is in both halves);
   * majorities-ring has none, since every node sees a different majority.
   */
  readonly groups: readonly (readonly number[])[];
  /**
   * cut[slot]: the slots `slot` must not talk to, ascending. Symmetric (b in cut[a] iff a in
   * cut[b]); length max(nodes) + 1, with empty rows for slots not in the lab.
   */
  readonly cut: readonly (readonly number[])[];
}

/** What the lab needs to know about a partition kind besides its plan. */
interface KindSpec {
  /** The fewest nodes it can cut, and why, for the one-line error. */
  readonly min: number;
  readonly why: string;
}

/** A partition that needs nothing but its name: the monitor offers it as a button. */
interface PresetSpec extends KindSpec {
  /** The button's words and its tooltip: what it cuts. */
  readonly label: string;
  readonly title: string;
}

const TWO_SIDES = 'a partition needs two sides';

/**
 * The partition presets, in the order the monitor shows them. The one list of their names: the
 * request schema (PARTITION_KINDS, partitionSpec), the nemesis faults and the monitor's buttons
 * are derived from it, and planPartition's switch fails the typecheck until a new one has its
 * case. docs/lab.md describes each.
 */
export const PARTITION_PRESETS = {
  'partition-halves': {
    label: 'Halves',
    title: 'the first ⌊n/2⌋ nodes against the rest',
    min: 2,
    why: TWO_SIDES,
  },
  'partition-random-halves': {
    label: 'Random halves',
    title: 'two halves after a seeded shuffle',
    min: 2,
    why: TWO_SIDES,
  },
  'partition-random-node': {
    label: 'Random node',
    title: 'one seeded node cut from everyone',
    min: 2,
    why: TWO_SIDES,
  },
  bridge: {
    label: 'Bridge',
    title: 'halves, but the first node of the second half keeps every link',
    min: 3,
    why: 'with 2 the bridge node keeps its only link and nothing is cut',
  },
  'majorities-ring': {
    label: 'Majorities ring',
    title: 'every node sees a majority, no two see the same one (n ≥ 4)',
    min: 4,
    why: "with fewer, each node's majority is the whole lab and nothing is cut",
  },
  'minority-third': {
    label: 'Minority third',
    title: 'the first ⌊n/3⌋ nodes against the rest',
    min: 3,
    why: 'with fewer, a third of the nodes is no node',
  },
} as const satisfies Record<string, PresetSpec>;

export type PresetKind = keyof typeof PARTITION_PRESETS;

/** The presets' names in the table's order (a tuple, as zod's enums want it). */
export const PRESET_KINDS = Object.keys(PARTITION_PRESETS) as [PresetKind, ...PresetKind[]];

/** Every kind the lab plans: the presets and custom groups. */
const KINDS: Record<PartitionKind, KindSpec> = {
  ...PARTITION_PRESETS,
  groups: { min: 2, why: TWO_SIDES },
};

/** Throws the one-line LabCommandError when a lab of `n` nodes is too small for `kind`. */
export function checkPartitionSize(kind: PartitionKind, n: number): void {
  const { min, why } = KINDS[kind];
  if (n < min) {
    throw new LabCommandError(`${kind} needs at least ${min} nodes (the lab has ${n}): ${why}`);
  }
}

/**
 * The plan for `spec` over the lab's slots `nodes` (ascending, distinct). Random kinds draw
 * from `rng` only, so a seeded lab cuts the same links every run.
 * - partition-halves: the first floor(n/2) nodes in slot order against the rest;
 * - partition-random-halves: the same after a seeded shuffle;
 * - partition-random-node: one node drawn by `rng`, cut from everyone else;
 * - bridge: halves, but the first node of the second half keeps its links to everyone;
 * - majorities-ring: see majoritiesRing;
 * - minority-third: the first floor(n/3) nodes in slot order against the rest;
 * - groups: nodes talk only within their group; lab nodes in no group are cut from everyone.
 */
export function planPartition(
  spec: PartitionSpec,
  nodes: readonly number[],
  rng: Rng,
): PartitionPlan {
  checkSlots(nodes);
  checkPartitionSize(spec.kind, nodes.length);
  switch (spec.kind) {
    case 'partition-halves':
      return components(spec, nodes, bisect(nodes));
    case 'partition-random-halves':
      return components(spec, nodes, bisect(shuffled(nodes, rng)));
    case 'partition-random-node': {
      const lone = nodes[rng.int(nodes.length)];
      return components(spec, nodes, [[lone], nodes.filter((s) => s !== lone)]);
    }
    case 'bridge':
      return bridge(spec, nodes);
    case 'majorities-ring':
      return majoritiesRing(spec, nodes, rng);
    case 'minority-third': {
      const third = Math.floor(nodes.length / 3);
      return components(spec, nodes, [nodes.slice(0, third), nodes.slice(third)]);
    }
    case 'groups':
      return components(spec, nodes, checkGroups(spec.groups, nodes));
  }
}

/** Whether a and b may talk under `plan` (always, without one). Slots the plan does not know,
 * such as nodes added after it was made, are cut from no one. */
export function canTalk(plan: PartitionPlan | null, a: number, b: number): boolean {
  if (plan === null || a === b) return true;
  const row = plan.cut[a];
  return row === undefined || !sortedHas(row, b);
}

/**
 * The topology edges that `plan` leaves up, each as [a, b] with a < b, sorted and without
 * duplicates (an edge listed both ways is one link). Self-loops are no links and are dropped.
 */
export function liveLinksUnder(
  plan: PartitionPlan | null,
  edges: readonly (readonly [number, number])[],
): Array<[number, number]> {
  const links = edges
    .filter(([a, b]) => a !== b && canTalk(plan, a, b))
    .map(([a, b]): [number, number] => (a < b ? [a, b] : [b, a]))
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return links.filter((l, i) => i === 0 || l[0] !== links[i - 1][0] || l[1] !== links[i - 1][1]);
}

// ---------------------------------------------------------------- the kinds

/** Disjoint groups that talk only inside themselves; nodes in no group are isolated. */
function components(
  spec: PartitionSpec,
  nodes: readonly number[],
  groups: readonly (readonly number[])[],
): PartitionPlan {
  const sorted = groups.map((g) => [...g].sort(ascending));
  const groupOf = new Map<number, number>();
  sorted.forEach((g, i) => g.forEach((slot) => groupOf.set(slot, i)));
  const talks = (a: number, b: number) => {
    const g = groupOf.get(a);
    return g !== undefined && g === groupOf.get(b);
  };
  return { spec, groups: sorted, cut: cutWhere(nodes, talks) };
}

/** Halves in slot order, with the second half's first node linked to both (Jepsen's bridge). */
function bridge(spec: PartitionSpec, nodes: readonly number[]): PartitionPlan {
  const [first, second] = bisect(nodes);
  const across = second[0];
  const inFirst = new Set(first);
  const talks = (a: number, b: number) =>
    a === across || b === across || inFirst.has(a) === inFirst.has(b);
  // Slot order puts the bridge after every node of the first half, so both groups stay sorted.
  return { spec, groups: [[...first, across], second], cut: cutWhere(nodes, talks) };
}

/**
 * Every node sees a majority (counting itself), and no two see the same set. The nodes are
 * shuffled into a ring; with majority m = floor(n/2) + 1, each node talks to the nodes within
 * ring distance r = ceil((m-1)/2) on either side and is cut from all others. The windows of
 * 2r + 1 < n consecutive ring positions are pairwise distinct, and 2r >= m - 1.
 *
 * How it differs from Jepsen's majorities-ring: Jepsen gives the middle node of each window of
 * m ring positions a grudge against the nodes outside it, so when m is even the window is
 * lopsided and a may drop b's traffic while b still hears a. A lab link carries both
 * directions, so the window here is symmetric, and when m - 1 is odd a node sees one node more
 * than a bare majority. Needs n >= 4: with 3 or fewer the window is the whole ring.
 */
function majoritiesRing(spec: PartitionSpec, nodes: readonly number[], rng: Rng): PartitionPlan {
  const n = nodes.length;
  const ring = shuffled(nodes, rng);
  const position = new Map(ring.map((slot, i) => [slot, i]));
  const m = Math.floor(n / 2) + 1;
  const r = Math.ceil((m - 1) / 2);
  const talks = (a: number, b: number) => {
    const gap = Math.abs(position.get(a)! - position.get(b)!);
    return Math.min(gap, n - gap) <= r;
  };
  return { spec, groups: [], cut: cutWhere(nodes, talks) };
}

// ---------------------------------------------------------------- helpers

/** The first floor(n/2) against the rest (Jepsen's bisect: the smaller half first). */
function bisect(order: readonly number[]): [number[], number[]] {
  const half = Math.floor(order.length / 2);
  return [order.slice(0, half), order.slice(half)];
}

/** A seeded Fisher-Yates shuffle of a copy. */
function shuffled(nodes: readonly number[], rng: Rng): number[] {
  const out = [...nodes];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The cut rows for a symmetric `talks` relation. Pairs are visited with i < j over ascending
 * slots, which appends to every row in ascending order, so no row needs sorting.
 */
function cutWhere(nodes: readonly number[], talks: (a: number, b: number) => boolean): number[][] {
  const cut = Array.from({ length: nodes[nodes.length - 1] + 1 }, (): number[] => []);
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (!talks(a, b)) {
        cut[a].push(b);
        cut[b].push(a);
      }
    }
  }
  return cut;
}

/** Custom groups, checked against the lab; group numbers are their indices in the request. */
function checkGroups(
  groups: readonly (readonly number[])[],
  nodes: readonly number[],
): readonly (readonly number[])[] {
  if (groups.length < 2) {
    throw new LabCommandError(`a partition needs at least two groups (got ${groups.length})`);
  }
  const inLab = new Set(nodes);
  const owner = new Map<number, number>();
  for (let g = 0; g < groups.length; g++) {
    if (groups[g].length === 0) {
      throw new LabCommandError(`group ${g} is empty: every group names at least one node`);
    }
    for (const slot of groups[g]) {
      if (!inLab.has(slot)) {
        throw new LabCommandError(
          `unknown node ${slot}: the lab has slots ${describeSlots(nodes)}`,
        );
      }
      const before = owner.get(slot);
      if (before === g) {
        throw new LabCommandError(`node ${slot} appears twice in group ${g}: name each node once`);
      }
      if (before !== undefined) {
        throw new LabCommandError(
          `node ${slot} is in groups ${before} and ${g}: groups must not overlap`,
        );
      }
      owner.set(slot, g);
    }
  }
  return groups;
}

/** The lab's slots are the caller's invariant (ascending, distinct, whole, >= 0). */
function checkSlots(nodes: readonly number[]): void {
  nodes.forEach((slot, i) => {
    if (!Number.isInteger(slot) || slot < 0 || (i > 0 && slot <= nodes[i - 1])) {
      throw new RangeError(`lab slots must be ascending distinct whole numbers >= 0 (at ${i})`);
    }
  });
}

/** Slots as ranges: "0..19", or "0..4, 6, 8..19" when some are missing. */
export function describeSlots(nodes: readonly number[]): string {
  if (nodes.length === 0) return 'none';
  const ranges: string[] = [];
  let start = nodes[0];
  for (let i = 1; i <= nodes.length; i++) {
    if (i < nodes.length && nodes[i] === nodes[i - 1] + 1) continue;
    const end = nodes[i - 1];
    ranges.push(start === end ? `${start}` : `${start}..${end}`);
    start = nodes[i];
  }
  return ranges.join(', ');
}

function sortedHas(row: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = row.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (row[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < row.length && row[lo] === x;
}

const ascending = (a: number, b: number): number => a - b;
