// A neighbourhood of eight peer ids for the shard rule's tests, the rule's own ranking written
// out (sorting on the rendezvous weight itself), and repair views with everything empty but
// what a test sets.
import { rendezvousWeight } from '../../src-shared/drift/shard-rule';
import {
  sessionNumber,
  type HeardHolder,
  type RepairView,
} from '../../src-shared/node/shard-holding';

export const ids = Array.from({ length: 8 }, (_, i) => `12D3KooWpeer${i}`);

export const holder = (id: string, state: number[] = [1, 2]): HeardHolder => ({ id, state });

/** The ids ranked for shard k by w(k, s), highest first: the rule's order, computed here. */
export const ranked = (k: number, among: readonly string[]) =>
  [...among].sort(
    (a, b) => rendezvousWeight(k, sessionNumber(b)) - rendezvousWeight(k, sessionNumber(a)),
  );

/** `self`'s view with r = 3, every other id a peer, nothing held, wanted or heard. */
export function view(self: string, fields: Partial<RepairView>): RepairView {
  return {
    self,
    r: 3,
    peers: ids.filter((p) => p !== self),
    held: new Set(),
    wants: new Set(),
    holders: new Map(),
    ...fields,
  };
}
