// Shards in a lab of real nodes (docs/shards.md, "In the node" and "In the lab"): K = 4, r = 3
// on a complete graph of 10 nodes; 40% killed at once; every shard repaired to r holders within
// the bound the repair rule gives, and each shard's drift converging again.
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/api/lab-api';
import { startLab, stopLab, waitForSnapshot } from '../helpers/labs';

const K = 4;
const R = 3;
const EPSILON = 0.5;
/**
 * Cycles from the kill to r holders everywhere: a dead holder's SDM counts for at most
 * freshCycles = 3 cycles (less once its session closes); the next cycle the first-ranked
 * non-holders adopt (every member of a complete graph ranks the same); their SDMs arrive the
 * cycle after; and the lab samples once a cycle (one more).
 */
const REPAIR_BOUND = 3 + 1 + 1 + 1;

describe('shards in a lab: K = 4, r = 3, 40% killed', () => {
  it('repairs every shard to r holders within the bound and each shard converges again', async () => {
    const lab = await startLab({
      nodes: 10,
      topology: 'complete',
      seed: 7,
      params: { dimensions: 4, shards: K, replication: R },
    });
    const events: LabEvent[] = [];
    const off = lab.onEvent((e) => void events.push(e));
    try {
      // Formed: every node holds its ceil(K r / 10) = 2 shards, so each shard has r holders.
      const formed = await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.samples.every((x) => (x.holds?.length ?? 0) >= 2) &&
          s.shards.holdersMin.every((h) => h >= R) &&
          s.shards.spread.every((x) => x < EPSILON) &&
          s,
        'the swarm formed and converged per shard',
      );
      expect(formed.shards!.holders.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10 * 2);

      const victims = [0, 2, 4, 6];
      const killedAt = formed.metrics!.cycle;
      await lab.apply({ op: 'kill', nodes: victims });
      const lost = () => new Set(events.flatMap((e) => (e.type === 'shard-lost' ? [e.shard] : [])));
      const repaired = await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.samples.filter((x) => x.condition !== 'dead').length === 6 &&
          s.shards.holders.every((h, k) => h >= R || (h === 0 && lost().has(k))) &&
          s,
        'every shard repaired to r holders',
      );
      const cycles = repaired.metrics!.cycle - killedAt;
      expect(cycles).toBeLessThanOrEqual(REPAIR_BOUND);
      // A shard whose every holder died is reported lost, never silently.
      for (let k = 0; k < K; k++)
        if (repaired.shards!.holders[k] === 0) expect(lost().has(k)).toBe(true);

      // The drift of each surviving shard goes on: its spread under epsilon again.
      await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.shards.spread.every((x, k) => x < EPSILON || s.shards!.holders[k] === 0) &&
          s.metrics!.cycle > repaired.metrics!.cycle + 5 &&
          s,
        'each shard under epsilon after the repair',
      );
      console.log(
        `formed at cycle ${killedAt}; repaired in ${cycles} cycles; holders ${repaired.shards!.holders.join(',')}; lost [${[...lost()].join(',')}]`,
      );
    } finally {
      off();
      await stopLab(lab);
    }
  }, 120_000);
});
