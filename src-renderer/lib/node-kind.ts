import type { NodeKind } from '@shared/api/lab-api';

/*
 * What runs a lab node, in the words the monitor shows: the panel, the map's tooltip and legend,
 * the inspector. One place, so the map's legend and the node it explains never disagree.
 */

export const KIND_LABEL: Readonly<Record<NodeKind, string>> = {
  node: 'Node.js node',
  browser: 'browser node (Chromium tab)',
};

const PLURAL: Readonly<Record<NodeKind, string>> = {
  node: 'Node.js nodes',
  browser: 'browser nodes (Chromium tabs)',
};

/** "1 Node.js node", "3 browser nodes (Chromium tabs)". */
export function kindCount(kind: NodeKind, count: number): string {
  return `${count} ${count === 1 ? KIND_LABEL[kind] : PLURAL[kind]}`;
}

/** A tick frame's kind of a slot (its `browser` flags: 1 for a browser node). */
export function kindAt(browser: ArrayLike<number>, slot: number): NodeKind {
  return browser[slot] === 1 ? 'browser' : 'node';
}

/** How many of the slots are browser nodes. */
export function browserCount(browser: ArrayLike<number>, slots: Iterable<number>): number {
  let count = 0;
  for (const slot of slots) if (browser[slot] === 1) count++;
  return count;
}
