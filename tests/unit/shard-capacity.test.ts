import { describe, expect, it } from 'vitest';
import {
  capacity,
  checkMaxShards,
  isFull,
  MaxShardsError,
  withinRoom,
} from '../../src-shared/drift/shard-rule';
import { ownShards, shardsToAdopt } from '../../src-shared/node/shard-holding';
import { holder, ids, ranked, view } from '../helpers/shard-views';

/*
 * A node's own capacity in the shard rule (docs/shards.md, "Capacity"): maxShards caps what it
 * takes when it joins, what it adopts, and whether a short neighbourhood ranks it. Expected
 * values come from the definitions: min(maxShards, ceil(K r / (p + 1))), and "the first
 * (target - h) non-holders that are not full, by w(k, s)", ranked here by sorting on the weight.
 */

describe('capacity with a cap', () => {
  it('a joiner takes min(maxShards, ceil(K r / (p + 1))), and K caps nothing', () => {
    // K = 8, r = 3, 5 peers: the rule alone gives ceil(24 / 6) = 4.
    expect(capacity(8, 3, 5)).toBe(4);
    expect(capacity(8, 3, 5, 8)).toBe(4);
    expect(capacity(8, 3, 5, 2)).toBe(2);
    expect(capacity(8, 3, 5, 4)).toBe(4);
    // No peers: the rule alone takes every shard; a phone capped at 1 takes one.
    expect(capacity(8, 3, 0, 1)).toBe(1);
    // The capped joiner's shards are the first of the uncapped ones (same weights, fewer).
    expect(ownShards(ids[0]!, 8, 3, 5, 2)).toEqual(ownShards(ids[0]!, 8, 3, 5).slice(0, 2));
  });

  it('checks the cap: an integer in 1..K, only 1 when K = 1', () => {
    expect(checkMaxShards(1, 8)).toBe(1);
    expect(checkMaxShards(8, 8)).toBe(8);
    for (const bad of [0, 9, 2.5, NaN, -1])
      expect(() => checkMaxShards(bad, 8)).toThrow(MaxShardsError);
    expect(() => checkMaxShards(0, 8)).toThrow('must be an integer in 1..8');
    expect(checkMaxShards(1, 1)).toBe(1);
    expect(() => checkMaxShards(2, 1)).toThrow('must be 1 with shards 1');
  });

  it('withinRoom keeps wanted shards first, and everything when there is room', () => {
    expect(withinRoom([5, 1], [0, 3], 10)).toEqual([0, 1, 3, 5]);
    expect(withinRoom([5, 1], [0, 3], 3)).toEqual([0, 1, 5]);
    expect(withinRoom([5, 1], [0, 3], 1)).toEqual([1]);
    expect(withinRoom([5], [0], 0)).toEqual([]);
    expect(isFull(2, 2)).toBe(true);
    expect(isFull(1, 2)).toBe(false);
  });
});

describe('shardsToAdopt with caps', () => {
  // Shard 0 has one holder in an 8-node full mesh, r = 3: two non-holders must adopt.
  const lone = ids[7]!;
  const nonHolders = ids.filter((x) => x !== lone);
  const first = ranked(0, nonHolders)[0]!;
  const third = ranked(0, nonHolders)[2]!;

  it('a node at its cap adopts nothing, not even a wanted shard', () => {
    const self = first;
    const holders = new Map([
      [0, [holder(lone)]],
      [1, [holder(lone)]],
    ]);
    const uncapped = view(self, { held: new Set([2]), wants: new Set([1]), holders });
    // Without a cap it adopts both: its wanted shard 1 and shard 0, for which it ranks first.
    expect(shardsToAdopt(uncapped, 4)).toEqual([0, 1]);
    // Room for one: the wanted shard.
    expect(shardsToAdopt({ ...uncapped, maxShards: 2 }, 4)).toEqual([1]);
    // At its cap (holds 1 of 1): nothing.
    expect(shardsToAdopt({ ...uncapped, maxShards: 1 }, 4)).toEqual([]);
  });

  it('a full peer is not ranked: the next-ranked non-holder adopts in its place', () => {
    // The best-ranked non-holder of shard 0 is full: heard holding shard 1, its cap 1.
    const holders = new Map([
      [0, [holder(lone)]],
      [1, [holder(first)]],
    ]);
    const caps = new Map([[first, 1]]);
    const adoptersOf0 = (peerMaxShards?: ReadonlyMap<string, number>) =>
      nonHolders.filter((self) => {
        const heard = new Map(
          [...holders].map(([k, h]) => [k, h.filter((x) => x.id !== self)] as const),
        );
        const held = new Set(
          [...holders].filter(([, h]) => h.some((x) => x.id === self)).map(([k]) => k),
        );
        const mine = self === first ? 1 : 8;
        return shardsToAdopt(
          view(self, {
            held,
            holders: heard,
            maxShards: mine,
            ...(peerMaxShards ? { peerMaxShards } : {}),
          }),
          4,
        ).includes(0);
      });
    const order = ranked(0, nonHolders);
    // Caps known: the full node is passed over; the 2nd and 3rd ranked adopt, exactly two.
    expect(new Set(adoptersOf0(caps))).toEqual(new Set([order[1], order[2]]));
    expect(adoptersOf0(caps)).toContain(third);
    // Caps not known (every peer taken as uncapped): the others leave a place to the full
    // node, which adopts nothing, so only one adopts and the neighbourhood stays short.
    expect(adoptersOf0()).toEqual([order[1]]);
  });

  it('a peer below its cap is still ranked', () => {
    const holders = new Map([
      [0, [holder(lone)]],
      [1, [holder(first)]],
    ]);
    const second = ranked(0, nonHolders)[1]!;
    const heard = new Map(
      [...holders].map(([k, h]) => [k, h.filter((x) => x.id !== second)] as const),
    );
    // first holds 1 of its cap 2: it still ranks first, so second is in the top two.
    const v = view(second, { holders: heard, peerMaxShards: new Map([[first, 2]]) });
    expect(shardsToAdopt(v, 4)).toEqual([0]);
    // third is not in the top two while first has room.
    const heard3 = new Map(
      [...holders].map(([k, h]) => [k, h.filter((x) => x.id !== third)] as const),
    );
    expect(
      shardsToAdopt(view(third, { holders: heard3, peerMaxShards: new Map([[first, 2]]) }), 4),
    ).toEqual([]);
  });
});
