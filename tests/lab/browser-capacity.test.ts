// A capped browser node (docs/shards.md, "In the lab"): the cap reaches a browser node through
// its core options as it reaches a Node.js node. 4 nodes on a complete graph, the last a
// Chromium tab, d = K = 4, r = 3, half capped at one shard: seed 11 caps slots 2 (Node.js) and 3
// (the browser). Uncapped, a node of this lab takes ceil(K r / 4) = 3 shards when it joins; capped,
// min(1, 3) = 1, and a full node adopts nothing more.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHROMIUM } from '../../src-main/runtime/chromium';
import { noBrowserReason } from '../helpers/browser';
import { startLab, stopLab, waitForSnapshot } from '../helpers/labs';
import { builtRenderer } from '../helpers/renderer-build';

const skip = noBrowserReason();

describe.skipIf(skip !== null)('a capped browser node', () => {
  it('starts with its cap and holds one shard, as the capped Node.js node does', async () => {
    const lab = await startLab({
      nodes: 4,
      topology: 'complete',
      seed: 11,
      cycleMs: 250,
      params: { dimensions: 4, shards: 4, replication: 3 },
      capped: { share: 0.5, shards: 1 },
      browsers: { count: 1, chromium: DEFAULT_CHROMIUM, pageDir: builtRenderer('lvsLabTab') },
    });
    const most = new Map<number, number>();
    const off = lab.onSnapshot((s) => {
      for (const x of s.samples)
        most.set(x.slot, Math.max(most.get(x.slot) ?? 0, x.holds?.length ?? 0));
    });
    try {
      expect(lab.status().capped?.slots).toEqual([2, 3]);
      const formed = await waitForSnapshot(
        lab,
        (s) =>
          s.samples.length === 4 &&
          s.samples.every((x) => (x.holds?.length ?? 0) >= 1) &&
          s.metrics!.cycle >= 10 &&
          s,
        'every node holding shards, ten cycles in',
        60_000,
      );
      const bySlot = formed.samples.map((x) => ({
        kind: x.kind,
        held: x.holds?.length,
        maxShards: x.maxShards,
      }));
      expect(bySlot[3]).toEqual({ kind: 'browser', held: 1, maxShards: 1 });
      expect(bySlot[2]).toEqual({ kind: 'node', held: 1, maxShards: 1 });
      for (const slot of [0, 1]) {
        expect(bySlot[slot]!.maxShards).toBeUndefined();
        expect(bySlot[slot]!.held).toBeGreaterThanOrEqual(3);
      }
      expect([most.get(2), most.get(3)]).toEqual([1, 1]);
      console.log(`held by slot: ${bySlot.map((b) => b.held).join(', ')}`);
    } finally {
      off();
      await stopLab(lab);
    }
  }, 120_000);
});
