// A lab's life on real nodes: nodes added while it runs join from their peers, a stopped node
// comes back from its final save, and a nemesis schedule runs its faults and ends healed.
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/api/lab-api';
import { startLab, stopLab, waitForSnapshot } from '../helpers/labs';

describe('a running lab', () => {
  it('adds nodes that join from their peers, stops and revives gracefully, and runs a nemesis to a heal', async () => {
    const lab = await startLab({ nodes: 10, topology: 'random:4', seed: 8, params: { beta: 0.3 } });
    try {
      // Added nodes start with no state and take the median of their first peers' (docs/model.md,
      // "A node joining, resuming and counting"), so they join near the swarm, far from a
      // genesis of 0.
      await waitForSnapshot(lab, (s) => (s.metrics?.spread ?? 9) < 1, 'a settled lab');
      await lab.apply({ op: 'add-nodes', count: 3 });
      expect(lab.status().nodes).toBe(13);
      const joined = await waitForSnapshot(
        lab,
        (s) => [10, 11, 12].every((n) => (s.samples[n]?.S.length ?? 0) > 0) && s,
        'the added nodes joined',
      );
      const mean = joined.metrics!.mean;
      for (const n of [10, 11, 12]) {
        const S = joined.samples[n]!.S;
        expect(Math.hypot(S[0]! - mean[0]!, S[1]! - mean[1]!), `node ${n}`).toBeLessThan(5);
        expect(joined.samples[n]!.peers.length).toBeGreaterThan(0);
      }

      // A graceful stop saves the state of its last cycle: revived, the node resumes from it.
      await waitForSnapshot(lab, (s) => (s.samples[2]?.cycle ?? 0) >= 10, 'node 2 at cycle 10');
      await lab.apply({ op: 'stop', nodes: [2] });
      const revived: LabEvent[] = [];
      const off = lab.onEvent((e) => e.type === 'node' && e.slot === 2 && revived.push(e));
      await lab.apply({ op: 'revive', nodes: [2] });
      off();
      expect(revived).toHaveLength(1);
      const at = Number(/at cycle (\d+)/.exec((revived[0] as { what: string }).what)?.[1]);
      expect(at).toBeGreaterThan(0);

      // Speed: every node's period is divided by the factor. Cycles per second of the median
      // node, measured over the same span at 1x and at 3x, must differ by well over 2x.
      const rate = async () => {
        const a = lab.metrics!;
        await waitForSnapshot(lab, (s) => (s.metrics?.t ?? 0) >= a.t + 2000, '2 s of ticks');
        const b = lab.metrics!;
        return (b.cycle - a.cycle) / ((b.t - a.t) / 1000);
      };
      const normal = await rate();
      await lab.apply({ op: 'speed', factor: 3 });
      await waitForSnapshot(lab, () => true, 'a tick at the new speed');
      const fast = await rate();
      await lab.apply({ op: 'speed', factor: 1 });
      expect(fast).toBeGreaterThan(2 * normal);
      await expect(lab.apply({ op: 'speed', factor: 9 })).rejects.toThrow(
        /speed factor must be in 0\.25\.\.4/,
      );

      // A nemesis: two rounds of faults, then everything undone and healed.
      const commands: string[] = [];
      lab.onEvent((e) => e.type === 'command' && commands.push(e.command.op));
      await lab.apply({
        op: 'nemesis',
        schedule: {
          everyS: 1,
          durationS: 0.5,
          faults: ['partition-halves', 'kill-random'],
          order: 'scripted',
          rounds: 2,
        },
      });
      await waitForSnapshot(lab, () => commands.length >= 6, 'the schedule to end', 15_000);
      await waitForSnapshot(
        lab,
        (s) => s.status.partition === null && s.samples.every((x) => x.condition === 'up'),
        'every node up and healed',
      );
      expect(commands).toEqual(['nemesis', 'partition', 'heal', 'kill', 'revive', 'heal']);
      expect(lab.events().filter((e) => e.type === 'error')).toEqual([]);
    } finally {
      await stopLab(lab);
    }
  });
});
