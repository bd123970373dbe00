// Partitions on real labs: nodes over TCP on 127.0.0.1, cuts enforced by both ends' gaters, and
// every link set checked on the live connections, not on the plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src-main/lab/lab';
import type { LabStatus } from '../../src-shared/api/lab-api';
import {
  convergedAfter,
  distance,
  linksWhen,
  startLab,
  stopLab,
  waitForEvent,
  waitForSnapshot,
} from '../helpers/labs';

const EPSILON = 0.5;
const key = ([a, b]: readonly [number, number]) => `${a}-${b}`;
const sortLinks = (links: Array<[number, number]>) =>
  links.map(key).sort((x, y) => x.localeCompare(y));

/** Every pair of 0..n-1 that `ok` allows, lower slot first. */
function pairs(n: number, ok: (a: number, b: number) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (ok(a, b)) out.push([a, b]);
  return out;
}

describe('partition-halves on 20 nodes', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 20, topology: 'random:8', seed: 1, params: { beta: 0.3 } });
  });
  afterAll(() => stopLab(lab));

  it('each half converges on its own value, then the healed lab converges as one and reports when', async () => {
    await lab.apply({ op: 'partition', partition: { kind: 'partition-halves' } });
    const half = (s: number) => (s < 10 ? 0 : 1);

    // No link crosses the halves on the live connections.
    const cut = await linksWhen(lab, (ls) => ls.every(([a, b]) => half(a) === half(b)));
    expect(cut.filter(([a, b]) => half(a) !== half(b))).toEqual([]);
    expect(cut.length).toBe(lab.plannedEdges().filter(([a, b]) => half(a) === half(b)).length);

    // Each half's spread under epsilon in three ticks running, while the halves' means differ.
    let run = 0;
    const split = await waitForSnapshot(
      lab,
      (s) => {
        const g = s.metrics?.groups ?? [];
        run = g.length === 2 && g.every((x) => x.spread < EPSILON) ? run + 1 : 0;
        return run >= 3 && s.metrics;
      },
      'both halves converged',
    );
    const [a, b] = split.groups;
    expect(distance(a!.mean, b!.mean)).toBeGreaterThan(4 * EPSILON);
    expect(split.spread).toBeGreaterThan(EPSILON);

    const healed = waitForEvent(lab, convergedAfter('heal'), 'reconvergence after the heal');
    await lab.apply({ op: 'heal' });
    const again = await healed;
    expect(again.cycles).toBeGreaterThan(0);
    expect(again.ms).toBeGreaterThan(0);
    expect(lab.metrics!.spread).toBeLessThan(EPSILON);
    expect(lab.metrics!.groups).toEqual([]);
    const links = await linksWhen(lab, (ls) => ls.length === lab.plannedEdges().length);
    expect(sortLinks(links)).toEqual(sortLinks(lab.plannedEdges()));
  });

  it('refuses bad commands with one line naming the problem, and changes nothing', async () => {
    const before: LabStatus = lab.status();
    const links = sortLinks(await lab.links());
    const events = lab.events().length;
    const refusals: Array<[unknown, RegExp]> = [
      [{ op: 'kill', nodes: [42] }, /unknown node 42: the lab has slots 0\.\.19/],
      [{ op: 'partition', partition: { kind: 'groups', groups: [[0, 1], []] } }, /at least one/],
      [
        {
          op: 'partition',
          partition: {
            kind: 'groups',
            groups: [
              [0, 1, 2],
              [2, 3],
            ],
          },
        },
        /node 2 is in groups 0 and 1: groups must not overlap/,
      ],
      [{ op: 'link-faults', faults: { loss: 1.5 } }, /loss must be in 0\.\.1/],
      [{ op: 'link-faults', faults: { loss: 0.1 }, links: [[0, 20]] }, /unknown node 20/],
      [{ op: 'revive', nodes: [3] }, /node 3 is running/],
      [{ op: 'set-params', params: { beta: 2 } }, /beta/],
      [{ op: 'partition', partition: { kind: 'halves' } }, /kind must be one of/],
      [{ op: 'explode' }, /op must be one of/],
      [{ op: 'step' }, /pause it first/],
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
    expect(sortLinks(await lab.links())).toEqual(links);
  });
});

describe('bridge and majorities-ring on a complete graph of 10', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ nodes: 10, topology: 'complete', seed: 2 });
  });
  afterAll(() => stopLab(lab));

  it('bridge: two halves, and node 5 linked to everyone (Jepsen: first node of the second half)', async () => {
    await lab.apply({ op: 'partition', partition: { kind: 'bridge' } });
    const side = (s: number) => (s < 5 ? 0 : 1);
    const want = pairs(10, (a, b) => side(a) === side(b) || a === 5 || b === 5);
    const live = await linksWhen(lab, (ls) => ls.length === want.length);
    expect(sortLinks(live)).toEqual(sortLinks(want));
    await lab.apply({ op: 'heal' });
    const all = await linksWhen(lab, (ls) => ls.length === 45);
    expect(all).toHaveLength(45);
  });

  it('majorities-ring: every node sees a majority, no two see the same one, as planned', async () => {
    await lab.apply({ op: 'partition', partition: { kind: 'majorities-ring' } });
    const cut = new Set(lab.status().cut.map((l) => key(l as [number, number])));
    const planned = lab.plannedEdges().filter((l) => !cut.has(key(l)));
    const live = await linksWhen(lab, (ls) => ls.length === planned.length);
    expect(sortLinks(live)).toEqual(sortLinks(planned));
    // The definition, checked on the live links: n = 10, a majority is 6 with the node itself,
    // the ring window reaches ceil(5 / 2) = 3 each way, so each node sees exactly 6 others.
    const seen = Array.from({ length: 10 }, (_, s) => new Set([s]));
    for (const [a, b] of live) {
      seen[a]!.add(b);
      seen[b]!.add(a);
    }
    for (const s of seen) expect(s.size).toBe(7);
    const distinct = new Set(seen.map((s) => [...s].sort((x, y) => x - y).join(',')));
    expect(distinct.size).toBe(10);
    await lab.apply({ op: 'heal' });
  });
});
