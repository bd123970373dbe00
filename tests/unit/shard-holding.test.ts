import { describe, expect, it } from 'vitest';
import { rendezvousWeight, shardRanges } from '../../src-shared/drift/shard-rule';
import {
  LossWatch,
  adoptionState,
  ownShards,
  sessionNumber,
  shardsToAdopt,
  unformedToStart,
  type HeardHolder,
} from '../../src-shared/node/shard-holding';
import { holder, ids, ranked, view } from '../helpers/shard-views';

/*
 * The shard rule as one node applies it (docs/shards.md, "In the node"). Expected values come
 * from the rule's definition: FNV-1a's published test vectors, capacity's formula, and "the
 * first (target - h) non-holders by w(k, s)" ranked here by sorting on the weight itself.
 */

describe('sessionNumber', () => {
  it('is 32-bit FNV-1a (the published test vectors)', () => {
    // From the FNV reference (Fowler, Noll, Vo): offset basis, "a", "foobar".
    expect(sessionNumber('')).toBe(0x811c9dc5);
    expect(sessionNumber('a')).toBe(0xe40c292c);
    expect(sessionNumber('foobar')).toBe(0xbf9cf968);
  });
});

describe('ownShards', () => {
  it('takes ceil(K r / (peers + 1)) shards, the ones of highest weight for the session', () => {
    const s = sessionNumber(ids[0]!);
    const byWeight = [0, 1, 2, 3, 4, 5, 6, 7].sort(
      (a, b) => rendezvousWeight(b, s) - rendezvousWeight(a, s),
    );
    // K = 8, r = 3, 5 peers: ceil(24 / 6) = 4.
    expect(ownShards(ids[0]!, 8, 3, 5)).toEqual(byWeight.slice(0, 4));
    // 7 peers: ceil(24 / 8) = 3; no peers: every shard (capped at K).
    expect(ownShards(ids[0]!, 8, 3, 7)).toEqual(byWeight.slice(0, 3));
    expect(ownShards(ids[0]!, 8, 3, 0)).toHaveLength(8);
    // K = 1: the whole state.
    expect(ownShards(ids[0]!, 1, 3, 7)).toEqual([0]);
  });
});

describe('shardsToAdopt', () => {
  it('in a full mesh, exactly the deficit adopts: the best-ranked non-holders', () => {
    // 8 nodes, r = 3. Shard 0: one holder left, so 3 - 1 = 2 must adopt. Shard 1: three
    // holders, none. Shard 2: two holders, one. Shard 3: nobody holds it: nothing to start from.
    const holdersOf = new Map<number, string[]>([
      [0, [ids[5]!]],
      [1, [ids[0]!, ids[1]!, ids[2]!]],
      [2, [ids[3]!, ids[6]!]],
      [3, []],
    ]);
    const adopters = new Map<number, string[]>();
    for (const self of ids) {
      const held = new Set([...holdersOf].filter(([, h]) => h.includes(self)).map(([k]) => k));
      const holders = new Map(
        [...holdersOf].map(([k, h]) => [k, h.filter((x) => x !== self).map((x) => holder(x))]),
      );
      for (const k of shardsToAdopt(view(self, { held, holders }), 4))
        adopters.set(k, [...(adopters.get(k) ?? []), self]);
    }
    const nonHolders = (k: number) => ids.filter((x) => !holdersOf.get(k)!.includes(x));
    expect(new Set(adopters.get(0))).toEqual(new Set(ranked(0, nonHolders(0)).slice(0, 2)));
    expect(adopters.get(1)).toBeUndefined();
    expect(new Set(adopters.get(2))).toEqual(new Set(ranked(2, nonHolders(2)).slice(0, 1)));
    expect(adopters.get(3)).toBeUndefined();
  });

  it('adopts when its one peer is the only holder (target min(r, 2) = 2), not when r = 1', () => {
    const v = view(ids[0]!, { peers: [ids[1]!], holders: new Map([[0, [holder(ids[1]!)]]]) });
    expect(shardsToAdopt(v, 2)).toEqual([0]);
    // r = 1: one holder is the target, nobody is short.
    expect(shardsToAdopt({ ...v, r: 1 }, 2)).toEqual([]);
  });

  it('adopts a wanted shard once a holder is heard, short or not, and never one held', () => {
    const full = new Map([[1, [holder(ids[1]!), holder(ids[2]!), holder(ids[3]!)]]]);
    const self = ids[0]!;
    expect(shardsToAdopt(view(self, { wants: new Set([1]), holders: full }), 4)).toEqual([1]);
    // The same shard, not wanted: three holders meet r, nobody adopts.
    expect(shardsToAdopt(view(self, { holders: full }), 4)).toEqual([]);
    // Wanted but nobody heard: it waits.
    expect(shardsToAdopt(view(self, { wants: new Set([1, 2]) }), 4)).toEqual([]);
    // Held already: nothing to adopt, however short the neighbourhood is.
    const one = new Map([[2, [holder(ids[4]!)]]]);
    expect(shardsToAdopt(view(self, { held: new Set([2]), holders: one }), 4)).toEqual([]);
  });
});

describe('unformedToStart', () => {
  const members = ids.slice(0, 5);
  const asSelf = (self: string, seen: (k: number) => boolean, held: number[] = []) =>
    unformedToStart(
      { self, peers: members.filter((m) => m !== self), held: new Set(held), seen },
      4,
    );

  it('a shard nobody took is started by exactly one member of a full mesh: the first by weight', () => {
    // Shards 0, 1 and 3 were taken (heard or held); shard 2 by nobody.
    const seen = (k: number) => k !== 2;
    const starters = members.filter((m) => asSelf(m, seen).length > 0);
    expect(starters).toEqual([ranked(2, members)[0]]);
    expect(asSelf(starters[0]!, seen)).toEqual([2]);
  });

  it('passes over a full first-ranked member to the next, and a member with no room starts nothing', () => {
    const seen = (k: number) => k !== 2;
    const [first, second] = ranked(2, members) as [string, string];
    // The first by weight is at its cap (the others know it from its HELLO and its SDMs): the
    // second by weight starts the shard, and only it.
    const full = (p: string) => p === first;
    const starters = members.filter(
      (m) =>
        unformedToStart(
          {
            self: m,
            peers: members.filter((x) => x !== m),
            held: new Set(),
            seen,
            full,
            room: m === first ? 0 : 4,
          },
          4,
        ).length > 0,
    );
    expect(starters).toEqual([second]);
  });

  it('starts nothing it holds or has heard of', () => {
    for (const m of members) {
      expect(asSelf(m, () => true)).toEqual([]);
      expect(asSelf(m, () => false, [0, 1, 2, 3])).toEqual([]);
    }
  });
});

describe('adoptionState', () => {
  it('starts from the per-coordinate median of the holders heard', () => {
    const [, range] = shardRanges(4, 2); // shard 1: components 2 and 3, width 2
    // Odd count: the middle value per coordinate; a liar's 1000 moves nothing.
    expect(
      adoptionState(range!, [holder('a', [1, 9]), holder('b', [1000, 5]), holder('c', [3, 7])]),
    ).toEqual([3, 7]);
    // Even count: the midpoint of the middle two.
    expect(adoptionState(range!, [holder('a', [1, 10]), holder('b', [2, 20])])).toEqual([1.5, 15]);
  });
});

describe('LossWatch', () => {
  it('reports a shard once when it is neither held nor heard, after it was, and again after a return', () => {
    const w = new LossWatch(3);
    const none = new Map<number, HeardHolder[]>();
    const heard = (k: number) => new Map([[k, [holder('p')]]]);
    // Never seen: not a loss (a node that has not heard shard 2 yet has lost nothing).
    expect(w.update(new Set(), none)).toEqual([]);
    // Shard 0 held, shard 1 heard.
    expect(w.update(new Set([0]), heard(1))).toEqual([]);
    // Both gone: each reported once, in order.
    expect(w.update(new Set(), none)).toEqual([0, 1]);
    expect(w.update(new Set(), none)).toEqual([]);
    // Shard 1 heard again, then gone again: a new loss.
    expect(w.update(new Set(), heard(1))).toEqual([]);
    expect(w.update(new Set(), none)).toEqual([1]);
    // An empty holder list is no holder.
    expect(w.update(new Set([2]), none)).toEqual([]);
    expect(w.update(new Set(), new Map([[2, []]]))).toEqual([2]);
  });
});
