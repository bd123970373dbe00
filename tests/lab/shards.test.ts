// Shards in a lab of real nodes (docs/shards.md, "In the node" and "In the lab"): K = 4, r = 3
// on a complete graph of 10 nodes; 40% killed at once, chosen from the nodes' holds so that one
// shard drops to a single holder; that shard seen short, then every shard repaired to r holders
// within the bound the repair rule gives, and each shard's drift converging again. And with r = 1,
// every holder of one shard killed: the lab reports it lost, and `lvs lab --replay` prints it.
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/api/lab-api';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab, stopLab, waitForEvent, waitForSnapshot } from '../helpers/labs';
import { disposeLvs, prepareLvs, runLvs } from '../helpers/lvs-process';

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
      // K is fixed for a running lab, as d is: refused once, in one line, before any node.
      await expect(lab.apply({ op: 'set-params', params: { shards: 2 } })).rejects.toThrow(
        /^shards cannot change in a running lab \(4\)$/,
      );

      // The victims, read from the samples' holds: every holder of the shard with the fewest
      // holders but one, then non-holders up to 4 (40%). That shard falls to a single holder,
      // under r, so a repair is needed, whatever shards the nodes' random session ids gave them.
      const holdersOf = (k: number) =>
        formed.samples.filter((x) => x.holds?.includes(k)).map((x) => x.slot);
      const target = [0, 1, 2, 3].sort(
        (a, b) => holdersOf(a).length - holdersOf(b).length || a - b,
      )[0]!;
      const doomed = holdersOf(target).slice(1);
      // At least 20 holdings over 4 shards: the fewest has at most 5 holders, so at most 4 go.
      expect(doomed.length).toBeLessThanOrEqual(4);
      const others = formed.samples
        .map((x) => x.slot)
        .filter((x) => !holdersOf(target).includes(x));
      const victims = [...doomed, ...others.slice(0, 4 - doomed.length)];
      const killedAt = formed.metrics!.cycle;
      // Paused, no node cycles, so none can adopt before the lab has sampled the damage: the
      // holders right after the kill are read before any repair, not raced against it.
      await lab.apply({ op: 'pause' });
      await lab.apply({ op: 'kill', nodes: victims });
      const afterKill = await waitForSnapshot(
        lab,
        (s) => s.shards && victims.every((v) => s.samples[v]?.condition === 'dead') && s.shards,
        'a snapshot with the victims down',
      );
      await lab.apply({ op: 'resume' });
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
      // The repair was needed: the lab saw the shard with one holder left, under r.
      expect(afterKill.holders[target]).toBe(1);
      expect(afterKill.short).toContain(target);
      // And the lab says so: a repair event for that shard, within the bound.
      const repairedEvent = events.find(
        (e): e is Extract<LabEvent, { type: 'shard-repaired' }> =>
          e.type === 'shard-repaired' && e.shard === target,
      );
      expect(repairedEvent, 'a shard-repaired event for the shard that fell short').toBeDefined();
      expect(repairedEvent!.cycles).toBeLessThanOrEqual(REPAIR_BOUND);
      expect(lost().has(target)).toBe(false);
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
        `formed at cycle ${killedAt}; shard ${target} down to ${afterKill.holders[target]}; repaired in ${cycles} cycles (event: ${repairedEvent!.cycles}); holders ${repaired.shards!.holders.join(',')}; lost [${[...lost()].join(',')}]`,
      );
    } finally {
      off();
      await stopLab(lab);
    }
  }, 120_000);

  it('raises shard-lost when every holder of a shard dies, and lvs lab --replay prints it', async () => {
    // r = 1: one holder heard meets the target, so no survivor adopts a shard from a holder
    // that has just died (its last SDM stays fresh for a few cycles); with r > 1 survivors may
    // rebuild it from that SDM, and whether it is lost would depend on timing. Here it must be.
    const lab = await startLab({
      nodes: 6,
      topology: 'complete',
      seed: 11,
      params: { dimensions: 4, shards: K, replication: 1 },
    });
    const folder = lab.dir;
    try {
      const events: LabEvent[] = [];
      const off = lab.onEvent((e) => void events.push(e));
      let recording: string | null = null;
      let target = -1;
      try {
        // Each node takes ceil(K r / 6) = 1 shard. Killed as soon as every node holds one, a
        // holder could die before a survivor heard its first SDM (sent the cycle it formed); that
        // survivor would then, rightly, take the shard for one nobody took (docs/shards.md, "A
        // shard nobody took") and start it from the initial state. So every node has its 5 peers
        // and has run 3 cycles with a state: every holder's SDMs have reached every survivor.
        const formed = await waitForSnapshot(
          lab,
          (s) =>
            s.shards &&
            s.samples.every(
              (x) => (x.holds?.length ?? 0) >= 1 && x.cycle >= 3 && x.peers.length === 5,
            ) &&
            s,
          'every node holding its shard, with its peers, for 3 cycles',
        );
        const holdersOf = (k: number) =>
          formed.samples.filter((x) => x.holds?.includes(k)).map((x) => x.slot);
        // Six nodes holding one shard each: some held shard has holders and leaves survivors.
        target = [0, 1, 2, 3].find((k) => holdersOf(k).length > 0 && holdersOf(k).length < 6)!;
        const victims = holdersOf(target);
        await lab.apply({ op: 'kill', nodes: victims });
        const lostEvent = await waitForEvent(
          lab,
          (e): e is Extract<LabEvent, { type: 'shard-lost' }> =>
            e.type === 'shard-lost' && e.shard === target,
          `shard-lost for shard ${target}`,
        );
        expect(lostEvent.cycle).toBeGreaterThanOrEqual(formed.metrics!.cycle);
        // Lost means no live node holds it, and it stays so: nobody can start it from nothing.
        const later = await waitForSnapshot(
          lab,
          (s) => s.shards && s.metrics!.cycle >= lostEvent.cycle + 5 && s.shards,
          'five cycles after the loss',
        );
        expect(later.holders[target]).toBe(0);
        // The survivors each said so too (docs/shards.md, "Lost"): the node's own line.
        expect(events).toContainEqual(
          expect.objectContaining({
            type: 'node',
            what: `shard ${target} lost: no peer holds it and this node does not`,
          }),
        );
        // Once per loss.
        expect(events.filter((e) => e.type === 'shard-lost' && e.shard === target)).toHaveLength(1);
      } finally {
        off();
        // The folder is kept for the replay below, and removed after it whatever happens.
        recording = await stopLab(lab, true);
      }
      // The recording reads back with its shard events (src-shared/lab/recording.ts), and the
      // CLI prints the loss as a line of its own.
      expect(recording).not.toBeNull();
      await prepareLvs();
      const replay = await runLvs(['lab', '--replay', recording!]);
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain(`shard ${target} lost: no node holds it any more`);
    } finally {
      await disposeLvs();
      await rm(join(folder, '..'), { recursive: true, force: true });
    }
  }, 120_000);
});
