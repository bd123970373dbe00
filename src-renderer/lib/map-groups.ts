import { liveComponents, type Components } from './components';

/** The groups the map shows: a partition's, or the connected parts of the live links. */
export interface MapGroups extends Components {
  /** True while the lab's partition plan names the groups (the map then colours by group). */
  readonly planned: boolean;
  /** 1: the node is in more than one planned group (a bridge, such as `bridge`'s node). */
  readonly bridge: Uint8Array;
  /** Every group of each bridge node, ascending; `group` holds the first. */
  readonly memberships: ReadonlyMap<number, readonly number[]>;
}

/**
 * The map's groups. While a partition with at least two planned groups stands, the plan decides:
 * a partition is what the lab was told to cut, and live links alone merge groups joined by a
 * bridge node into one. Present nodes in no planned group (a custom partition's isolated nodes)
 * get groups of their own after the plan's, one per connected part of their live links.
 * Without such a plan (no partition, or majorities-ring, which has no groups) the groups are the
 * connected parts of the live links among the nodes that are up.
 *
 * `present[i]`: the node is in the lab (any condition); `up[i]`: it is up.
 */
export function mapGroups(
  n: number,
  present: ArrayLike<number>,
  up: ArrayLike<number>,
  links: ArrayLike<number>,
  planned: readonly (readonly number[])[],
): MapGroups {
  const bridge = new Uint8Array(n);
  const memberships = new Map<number, number[]>();
  if (planned.length < 2) {
    return { ...liveComponents(n, up, links), planned: false, bridge, memberships };
  }
  const group = new Int32Array(n).fill(-1);
  planned.forEach((members, g) => {
    for (const slot of members) {
      if (slot < 0 || slot >= n || !present[slot]) continue;
      if (group[slot] < 0) group[slot] = g;
      else {
        bridge[slot] = 1;
        const list = memberships.get(slot) ?? [group[slot]];
        list.push(g);
        memberships.set(slot, list);
      }
    }
  });
  const rest = new Uint8Array(n);
  for (let i = 0; i < n; i++) rest[i] = present[i] && group[i] < 0 ? 1 : 0;
  const extra = liveComponents(n, rest, links);
  for (let i = 0; i < n; i++) if (rest[i]) group[i] = planned.length + extra.group[i];
  for (const list of memberships.values()) list.sort((a, b) => a - b);
  return { group, count: planned.length + extra.count, planned: true, bridge, memberships };
}
