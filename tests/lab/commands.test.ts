// Commands on a real lab are done whole or refused whole: every precondition is checked before
// anything changes, and a nemesis-stop is not kept waiting behind the schedule it stops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src-main/lab/lab';
import type { LabCommand, LabEvent } from '../../src-shared/api/lab-api';
import { linksWhen, startLab, stopLab, waitForSnapshot } from '../helpers/labs';

const key = ([a, b]: readonly [number, number]) => `${a}-${b}`;
const sorted = (links: ReadonlyArray<readonly [number, number]>) => links.map(key).sort();

describe('commands that name nodes or links on an 8-node lab', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 8, topology: 'random:4', seed: 3 });
  }, 60_000);
  afterAll(() => stopLab(lab));

  it('revive [3, 3] of a killed node is refused whole; revive [3] then brings every link back', async () => {
    await lab.apply({ op: 'kill', nodes: [3] });
    const condition = (slot: number) =>
      lab.snapshot().samples.find((s) => s.slot === slot)?.condition;
    await waitForSnapshot(lab, () => condition(3) === 'dead', 'node 3 sampled dead');
    const planned = sorted(lab.plannedEdges());
    const withoutThree = planned.filter((k) => !k.split('-').includes('3'));
    expect(
      sorted(await linksWhen(lab, (ls) => sorted(ls).every((k) => withoutThree.includes(k)))),
    ).toEqual(withoutThree);

    const before = lab.status();
    const events = lab.events().length;
    const err = await lab.apply({ op: 'revive', nodes: [3, 3] }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/node 3 is named twice: name each node once/);
    // Nothing happened: node 3 is still down, nothing was recorded, its links are still down.
    expect(lab.status()).toEqual(before);
    expect(lab.status().up).toBe(7);
    expect(lab.events().length).toBe(events);
    expect(condition(3)).toBe('dead');
    expect(sorted(await lab.links())).toEqual(withoutThree);

    // The same node revived once: done whole, its new address reaches both pools and every
    // planned link is up again.
    await lab.apply({ op: 'revive', nodes: [3] });
    expect(lab.status().up).toBe(8);
    expect(sorted(await linksWhen(lab, (ls) => ls.length === planned.length))).toEqual(planned);
  });

  it('every list that names nodes or links refuses a repeat (or a self-link) and changes nothing', async () => {
    const before = lab.status();
    const events = lab.events().length;
    const links = sorted(await lab.links());
    const refusals: Array<[unknown, RegExp]> = [
      [{ op: 'kill', nodes: [1, 2, 1] }, /nodes: node 1 is named twice: name each node once/],
      [{ op: 'stop', nodes: [4, 4] }, /node 4 is named twice/],
      [{ op: 'freeze', nodes: [2, 2] }, /node 2 is named twice/],
      [{ op: 'clock-skew', nodes: [5, 5], factor: 2 }, /node 5 is named twice/],
      [{ op: 'liar', nodes: [6, 6], behaviour: { kind: 'garbage' } }, /node 6 is named twice/],
      [
        { op: 'sybil', count: 1, targets: [0, 0], behaviour: { kind: 'garbage' } },
        /targets: node 0 is named twice/,
      ],
      [{ op: 'set-params', params: { beta: 0.2 }, nodes: [7, 7] }, /node 7 is named twice/],
      [
        { op: 'partition', partition: { kind: 'groups', groups: [[0, 1, 0], [2]] } },
        /node 0 is named twice/,
      ],
      [
        {
          op: 'link-faults',
          faults: { loss: 0.5 },
          links: [
            [0, 1],
            [1, 0],
          ],
        },
        /link \[0, 1\] is named twice: name each link once/,
      ],
      [
        { op: 'link-faults', faults: { loss: 0.5 }, links: [[2, 2]] },
        /link \[2, 2\] joins a node to itself/,
      ],
    ];
    for (const [command, reason] of refusals) {
      const err = await lab.handle(command).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err, JSON.stringify(command)).toBeInstanceOf(Error);
      expect(err!.message).toMatch(reason);
      expect(err!.message).not.toContain('\n');
    }
    expect(lab.status()).toEqual(before);
    expect(lab.events().length).toBe(events);
    expect(sorted(await lab.links())).toEqual(links);
  });

  it('nemesis-stop preempts a schedule of 200 rounds at 1 ms: at most one of its commands runs after', async () => {
    await waitForSnapshot(lab, (s) => s.status.up === 8 && s.metrics, 'all 8 nodes up');
    const applied: Array<{ op: LabCommand['op']; at: number }> = [];
    let stage = 0; // 0: before the stop is asked, 1: asked, 2: answered
    const off = lab.onEvent((e: LabEvent) => {
      if (e.type === 'command') applied.push({ op: e.command.op, at: stage });
    });
    try {
      await lab.apply({
        op: 'nemesis',
        schedule: {
          everyS: 0.001,
          durationS: 0.001,
          faults: ['partition-halves', 'loss'],
          order: 'scripted',
          rounds: 200,
        },
      });
      // The schedule is under way: some of its 401 commands have run.
      await waitForSnapshot(lab, () => applied.length >= 4, 'the schedule under way');
      stage = 1;
      const stopped = lab.apply({ op: 'nemesis-stop' });
      await stopped;
      stage = 2;
      // Commands run in order: once a heal given now is done, anything queued before it ran.
      await lab.apply({ op: 'heal' });

      const between = applied.filter((c) => c.at === 1);
      // After the stop was asked: at most the one command in flight, then the stop itself.
      expect(between.map((c) => c.op).at(-1)).toBe('nemesis-stop');
      expect(between.length).toBeLessThanOrEqual(2);
      expect(applied.filter((c) => c.at === 2).map((c) => c.op)).toEqual(['heal']);
      // A schedule that ran to its end would have recorded 1 + 401 commands.
      expect(applied.length).toBeLessThan(402);
      expect(lab.status().partition).toBeNull();
      expect(lab.status().up).toBe(8);
    } finally {
      off();
    }
  });
});
