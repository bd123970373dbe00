// The swarm map's pure parts: the groups it shows (from the lab's partition plan), the fixed
// distance scale, the slow-motion frames, and the bridge's drawing.
import { describe, expect, it } from 'vitest';
import type { PartitionSpec } from '../../src-shared/api/lab-api';
import { liveLinksUnder, planPartition } from '../../src-shared/lab/partitions';
import { seededRng } from '../../src-shared/random';
import { drawFlights } from '../../src-renderer/draw/flights';
import { DISTANCE_COLORS, GROUP_COLORS, LIGHT } from '../../src-renderer/draw/palette';
import { RING_BRIDGE, drawSwarm } from '../../src-renderer/draw/swarm';
import { liveComponents } from '../../src-renderer/lib/components';
import {
  DISTANCE_BUCKETS,
  distanceBounds,
  distanceBucket,
} from '../../src-renderer/lib/distance-scale';
import { TRAVEL, departure, framesSent, progress } from '../../src-renderer/lib/flights';
import { mapDataOf } from '../../src-renderer/lib/map-data';
import { mapGroups } from '../../src-renderer/lib/map-groups';
import { frameOf } from '../../src-renderer/state/tick-frame';
import { fakeContext } from './helpers/fake-ctx';
import { labStatus, sample, snapshot } from './helpers/fake-host';

const N = 20;
const SLOTS = Array.from({ length: N }, (_, i) => i);
const ALL = new Uint8Array(N).fill(1);
/** A ring 0-1-...-19-0: the halves' cut removes 9-10 and 19-0. */
const RING: Array<[number, number]> = SLOTS.map((i) => [i, (i + 1) % N]);

function plan(spec: PartitionSpec) {
  return planPartition(spec, SLOTS, seededRng(7));
}
const flat = (pairs: Array<[number, number]>) => pairs.flat();

describe('the map’s groups', () => {
  it('partition-halves: the first ⌊20/2⌋ = 10 slots are group 1, the rest group 2', () => {
    const p = plan({ kind: 'partition-halves' });
    const g = mapGroups(N, ALL, ALL, flat(liveLinksUnder(p, RING)), p.groups);
    expect(g.planned).toBe(true);
    expect(g.count).toBe(2);
    expect([...g.group]).toEqual(SLOTS.map((i) => (i < 10 ? 0 : 1)));
    expect([...g.bridge]).toEqual(new Array(N).fill(0));
  });

  it('bridge: 2 groups with slot 10 (the second half’s first) in both, where links show 1', () => {
    const p = plan({ kind: 'bridge' });
    const live = flat(liveLinksUnder(p, RING));
    // The bridge keeps its links to both halves, so the live links are one connected part...
    expect(liveComponents(N, ALL, live).count).toBe(1);
    // ...but the partition has two groups, and the map says so.
    const g = mapGroups(N, ALL, ALL, live, p.groups);
    expect(g.count).toBe(2);
    expect([...g.bridge].flatMap((b, i) => (b ? [i] : []))).toEqual([10]);
    expect(g.memberships.get(10)).toEqual([0, 1]);
    expect(g.group[9]).toBe(0);
    expect(g.group[11]).toBe(1);
  });

  it('custom groups: a node in no group is a group of its own', () => {
    const g = mapGroups(
      5,
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [0, 1, 2, 3],
      [
        [0, 1],
        [2, 3],
      ],
    );
    expect(g.count).toBe(3);
    expect([...g.group]).toEqual([0, 0, 1, 1, 2]);
  });

  it('a dead node keeps its planned group (it is drawn hollow in its colour)', () => {
    const p = plan({ kind: 'partition-halves' });
    const up = Uint8Array.from(SLOTS, (i) => (i === 3 ? 0 : 1));
    const g = mapGroups(N, ALL, up, flat(liveLinksUnder(p, RING)), p.groups);
    expect(g.group[3]).toBe(0);
    expect(g.count).toBe(2);
  });

  it('without planned groups (none, or majorities-ring) the groups are the live links’ parts', () => {
    const ring = plan({ kind: 'majorities-ring' });
    expect(ring.groups).toEqual([]);
    const live = flat(liveLinksUnder(ring, RING));
    const g = mapGroups(N, ALL, ALL, live, ring.groups);
    expect(g.planned).toBe(false);
    expect(g.count).toBe(liveComponents(N, ALL, live).count);
    const healed = mapGroups(4, [1, 1, 1, 1], [1, 1, 1, 0], [0, 1, 2, 3], []);
    expect(healed.count).toBe(2); // 0-1 and 2; node 3 is down
  });
});

describe('the distance scale', () => {
  it('is fixed by epsilon: 1-2-5 steps from ε to 200 ε', () => {
    expect(distanceBounds(0.5)).toEqual([0.5, 1, 2.5, 5, 10, 25, 50, 100]);
    expect(DISTANCE_BUCKETS).toBe(DISTANCE_COLORS.length);
  });

  it('puts a distance in the bucket whose range holds it', () => {
    const cases: Array<[number, number]> = [
      [0, 0],
      [7e-8, 0],
      [0.49, 0],
      [0.5, 1],
      [0.99, 1],
      [1, 2],
      [24.9, 5],
      [99, 7],
      [100, 8],
      [1e9, 8],
      [Infinity, 8],
    ];
    for (const [d, bucket] of cases) expect(distanceBucket(d, 0.5), `${d}`).toBe(bucket);
    expect(distanceBucket(Number.NaN, 0.5)).toBe(-1);
  });

  it('draws a converged swarm near, however small its farthest distance', () => {
    // The reported case: spread 7e-8 VU, farthest node 1.87e-7 VU, epsilon 0.5.
    const status = labStatus();
    const samples = [0, 1, 2, 3].map((i) => sample(i, [(i + 1) % 4, (i + 3) % 4]));
    const snap = snapshot(status, samples, 200, 7e-8);
    const distances = [1.87e-7, 2e-8, 9e-8, 5e-8];
    const frame = frameOf({ ...snap, metrics: { ...snap.metrics!, distances } }, null)!;
    const { data, legend } = mapDataOf(frame, 'auto');
    expect(legend.by).toBe('distance');
    expect(data.fills).toBe(DISTANCE_COLORS);
    expect(Array.from(data.fill)).toEqual([0, 0, 0, 0]);
  });
});

describe('colouring by group while a partition stands', () => {
  const status = labStatus({
    partition: { kind: 'bridge' },
    groups: [
      [0, 1, 2],
      [2, 3],
    ],
    cut: [[1, 3]],
  });
  const samples = [sample(0, [1]), sample(1, [0, 2]), sample(2, [1, 3]), sample(3, [2])];
  const frame = frameOf(snapshot(status, samples, 200), null)!;

  it('auto colours by group, the bridge half in each of its groups’ colours', () => {
    const { data, legend } = mapDataOf(frame, 'auto');
    expect(legend).toMatchObject({ by: 'group', groups: 2 });
    expect(data.fills).toBe(GROUP_COLORS);
    expect(Array.from(data.fill)).toEqual([0, 0, 0, 1]);
    expect(Array.from(data.fill2!)).toEqual([-1, -1, 1, -1]);
    expect([...data.groups.bridge]).toEqual([0, 0, 1, 0]);
  });

  it('the user may still ask for distance', () => {
    const { data, legend } = mapDataOf(frame, 'distance');
    expect(legend.by).toBe('distance');
    expect(data.fills).toBe(DISTANCE_COLORS);
    // fake-host's distances are slot × 0.5 VU against epsilon 0.5: 0, 0.5, 1, 1.5
    expect(Array.from(data.fill)).toEqual([0, 1, 2, 2]);
  });
});

describe('slow motion', () => {
  it('puts a frame on each live link from every node that sent since the last tick', () => {
    // Node 0 and node 2 sent; 1 did not; node 3 restarted (its count fell) and sent 2 since.
    const pairs = framesSent([5, 9, 0, 40], [8, 9, 3, 2], [0, 1, 1, 2, 2, 3]);
    expect([...pairs]).toEqual([0, 1, 2, 1, 2, 3, 3, 2]);
    expect([...framesSent([1, 1], [1, 1], [0, 1])]).toEqual([]);
  });

  it('every frame leaves in the first half and lands by the end', () => {
    for (let slot = 0; slot < 200; slot++) {
      const d = departure(slot);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d + TRAVEL).toBeLessThanOrEqual(1);
    }
    expect(progress(0.1, 0.2)).toBeNull();
    expect(progress(0.2 + TRAVEL / 2, 0.2)).toBeCloseTo(0.5);
    expect(progress(1, 0.2)).toBeNull();
  });

  it('draws a frame halfway along its link halfway through its travel', () => {
    const { ctx, calls } = fakeContext();
    // Slot 0 leaves at 0; at u = TRAVEL / 2 its frame is at the middle of 0 -> 1.
    const drawn = drawFlights(ctx, {
      x: [0, 100],
      y: [0, 40],
      shown: [1, 1],
      pairs: [0, 1],
      u: TRAVEL / 2,
      colorOf: () => '#123456',
      outline: '#000',
      radius: 3,
    });
    expect(drawn).toBe(1);
    const arc = calls.find((c) => c.name === 'arc')!;
    expect(arc.args.slice(0, 3)).toEqual([50, 20, 3]);
    expect(calls.find((c) => c.name === 'fill')!.fillStyle).toBe('#123456');
  });
});

describe('a bridge on the map', () => {
  it('gets a ring in the bridge colour and its right half in its second group’s colour', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, {
      width: 100,
      height: 100,
      dpr: 1,
      n: 2,
      x: [20, 60],
      y: [20, 60],
      r: [4, 4],
      shown: [1, 1],
      browser: [0, 0],
      fill: [0, 0],
      fills: ['#a00', '#0a0'],
      fill2: [-1, 1],
      hollow: [0, 0],
      rings: [0, RING_BRIDGE],
      links: [],
      cut: [],
      hovered: -1,
      lasso: null,
      palette: LIGHT,
    });
    const half = calls.find((c) => c.name === 'arc' && c.args[3] === -Math.PI / 2)!;
    expect(half.args.slice(0, 3)).toEqual([60, 60, 4]);
    const halfFill = calls.slice(calls.indexOf(half)).find((c) => c.name === 'fill')!;
    expect(halfFill.fillStyle).toBe('#0a0');
    expect(calls.some((c) => c.name === 'stroke' && c.strokeStyle === LIGHT.bridge)).toBe(true);
  });
});
