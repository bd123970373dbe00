// Nodes of small capacity in a lab of real nodes (docs/shards.md, "In the lab"): 8 nodes on a
// complete graph, d = 8, K = 4, r = 3, half the slots capped at one shard. Seed 6 caps 4 of the 8
// (slots 1, 4, 6, 7: the lab's own seeded draw), so the lab can hold 4 x 1 + 4 x 4 = 20 copies,
// more than the K r = 12 that r holders of every shard need: the rule can fill every shard.
// Expected: no capped node ever holds more than its one shard, every shard reaches r holders
// (the uncapped nodes adopt what the capped ones cannot), so the uncapped hold more on average.
// Nodes added later are capped by the same draw, slot by slot; a capped node revived keeps its cap.
import { describe, expect, it } from 'vitest';
import type { LabSnapshot } from '../../src-shared/api/lab-api';
import { startLab, stopLab, waitForSnapshot } from '../helpers/labs';

const K = 4;
const R = 3;
const CAPPED = { share: 0.5, shards: 1 } as const;
/** The slots seed 6 caps (src-shared/lab/capped-slots.ts), as the draw gave them when written. */
const SEED = 6;
const CAPPED_FIRST_8 = [1, 4, 6, 7];
const CAPPED_ADDED = [10];

describe('capped nodes in a lab: 8 nodes, K = 4, r = 3, half capped at 1 shard', () => {
  it('keeps every capped node to one shard while every shard reaches r holders', async () => {
    const lab = await startLab({
      nodes: 8,
      topology: 'complete',
      seed: SEED,
      params: { dimensions: 8, shards: K, replication: R },
      capped: CAPPED,
    });
    // Every sample of the whole run: the most shards each node was ever seen to hold.
    const most = new Map<number, number>();
    const wrongCap: string[] = [];
    const watch = (s: LabSnapshot) => {
      const capped = new Set(s.status.capped?.slots ?? []);
      for (const x of s.samples) {
        most.set(x.slot, Math.max(most.get(x.slot) ?? 0, x.holds?.length ?? 0));
        // A sample carries maxShards exactly for the capped slots.
        const want = capped.has(x.slot) ? CAPPED.shards : undefined;
        if (x.maxShards !== want) wrongCap.push(`slot ${x.slot}: ${x.maxShards}`);
      }
    };
    const off = lab.onSnapshot(watch);
    try {
      const status = lab.status();
      expect(status.capped).toEqual({ ...CAPPED, slots: CAPPED_FIRST_8 });

      // Formed: every node holds at least one shard, every shard r holders in the (one)
      // neighbourhood; then ten cycles more, so that "never more than its cap" covers repair.
      const formed = await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.samples.length === 8 &&
          s.samples.every((x) => (x.holds?.length ?? 0) >= 1) &&
          s.shards.holdersMin.every((h) => h >= R) &&
          s,
        'every shard held by r nodes',
      );
      const later = await waitForSnapshot(
        lab,
        (s) => s.shards && s.metrics!.cycle >= formed.metrics!.cycle + 10 && s,
        'ten cycles after forming',
      );
      expect(later.shards!.holdersMin.every((h) => h >= R)).toBe(true);
      const held = (s: LabSnapshot, capped: boolean) =>
        s.samples
          .filter((x) => CAPPED_FIRST_8.includes(x.slot) === capped)
          .map((x) => x.holds?.length ?? 0);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const cappedHeld = held(later, true);
      const uncappedHeld = held(later, false);
      // Each capped node holds its one shard: it takes min(1, ceil(12 / 8)) = 1 when it joins.
      expect(cappedHeld).toEqual([1, 1, 1, 1]);
      // The uncapped carry the rest: 12 copies at least, 4 on the capped, so 8 over 4 nodes.
      expect(mean(uncappedHeld)).toBeGreaterThanOrEqual(2);
      expect(mean(uncappedHeld)).toBeGreaterThan(mean(cappedHeld));

      // Added nodes draw their caps from the same stream, slot by slot: slots 8..11 of seed 6.
      await lab.apply({ op: 'add-nodes', count: 4 });
      const grown = await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.samples.length === 12 &&
          s.samples.every((x) => (x.holds?.length ?? 0) >= 1) &&
          s,
        'the added nodes holding shards',
      );
      const addedCapped = grown.status.capped!.slots.filter((x) => x >= 8);
      expect(grown.status.capped!.slots).toEqual([...CAPPED_FIRST_8, ...CAPPED_ADDED]);
      for (const x of grown.samples.filter((x) => addedCapped.includes(x.slot)))
        expect(x.holds).toHaveLength(1);

      // A capped node killed and revived keeps its cap (the pool keeps it for its revivals):
      // back up, it holds its one shard again, and the watch above sees it never hold more.
      const revivedSlot = CAPPED_FIRST_8[1]!;
      await lab.apply({ op: 'kill', nodes: [revivedSlot] });
      await waitForSnapshot(
        lab,
        (s) => s.samples.find((x) => x.slot === revivedSlot)?.condition === 'dead' && s,
        `slot ${revivedSlot} dead`,
      );
      await lab.apply({ op: 'revive', nodes: [revivedSlot] });
      const upAt = (s: LabSnapshot) => {
        const x = s.samples.find((x) => x.slot === revivedSlot);
        return x?.condition === 'up' && (x.holds?.length ?? 0) >= 1 ? x.cycle : undefined;
      };
      const back = await waitForSnapshot(lab, (s) => upAt(s) !== undefined && s, 'the revival');
      // Ten of its own cycles more: long enough to adopt shards, were its cap lost.
      const settled = await waitForSnapshot(
        lab,
        (s) => (upAt(s) ?? 0) >= upAt(back)! + 10 && s,
        'ten cycles after the revival',
      );
      const revived = settled.samples.find((x) => x.slot === revivedSlot)!;
      expect(revived.maxShards).toBe(CAPPED.shards);
      expect(revived.holds).toHaveLength(1);

      off();
      watch(settled);
      expect(wrongCap).toEqual([]);
      for (const slot of grown.status.capped!.slots)
        expect(most.get(slot), `slot ${slot}, capped, at most 1 shard`).toBeLessThanOrEqual(1);
      console.log(
        `formed at cycle ${formed.metrics!.cycle}; holders ${later.shards!.holders.join(',')}; ` +
          `capped hold ${cappedHeld.join(',')}, uncapped ${uncappedHeld.join(',')} ` +
          `(means ${mean(cappedHeld)} / ${mean(uncappedHeld)}); added capped slots [${addedCapped.join(',')}]`,
      );
    } finally {
      off();
      await stopLab(lab);
    }
  }, 60_000);
});
