/** Connected components: each node's group (-1 for nodes left out) and how many groups. */
export interface Components {
  readonly group: Int32Array;
  readonly count: number;
}

/**
 * Connected components of `links` ([a, b] pairs, flat) among the nodes with `include[i]` set.
 * Links with an end left out are ignored; an included node without links is a group of its own.
 * Groups are numbered in the order of their lowest node, so the numbering is stable as long as
 * the groups are.
 */
export function liveComponents(
  n: number,
  include: ArrayLike<number>,
  links: ArrayLike<number>,
): Components {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let k = 0; k + 1 < links.length; k += 2) {
    const a = links[k];
    const b = links[k + 1];
    if (a < 0 || b < 0 || a >= n || b >= n || !include[a] || !include[b]) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const group = new Int32Array(n).fill(-1);
  const idOfRoot = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!include[i]) continue;
    const r = find(i);
    if (idOfRoot[r] < 0) idOfRoot[r] = count++;
    group[i] = idOfRoot[r];
  }
  return { group, count };
}
