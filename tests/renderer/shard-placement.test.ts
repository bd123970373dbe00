// @vitest-environment jsdom
// With K > 1 shards no view places a node by a component it does not hold (docs/monitor.md,
// "Shards"): a sharded node reports 0 there, here garbage (999), and the drift plane, the map's
// colours and its tooltip must not show it. The metrics are the lab's own (tickMetrics); what is
// expected is worked out by hand from the states below.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabSnapshot, NodeSample } from '../../src-shared/api/lab-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { tickMetrics } from '../../src-shared/lab/metrics';
import { LIGHT } from '../../src-renderer/draw/palette';
import { drawPlane } from '../../src-renderer/draw/plane';
import { distanceBucket } from '../../src-renderer/lib/distance-scale';
import { mapDataOf } from '../../src-renderer/lib/map-data';
import { frameOf, type TickFrame } from '../../src-renderer/state/tick-frame';
import { fakeContext } from './helpers/fake-ctx';
import { FakeHost, labStatus, sample } from './helpers/fake-host';
import { noCanvas, renderApp } from './helpers/render';
import { shapesAt, shapesDrawn } from './helpers/shapes';

beforeEach(() => noCanvas());
afterEach(() => cleanup());

const G = 999;
const status = labStatus({
  nodes: 5,
  up: 5,
  params: { ...DEFAULT_PARAMS, dimensions: 4, shards: 2, replication: 2 },
});
const all = [0, 1, 2, 3, 4];
// d = 4, K = 2: shard 0 is S[0..1], shard 1 is S[2..3].
const node = (slot: number, S: number[], holds: number[]): NodeSample =>
  sample(
    slot,
    all.filter((p) => p !== slot),
    { S, D: [0.5, 0.5, 0.5, 0.5], holds },
  );
const samples = [
  node(0, [0, 0, G, G], [0]),
  node(1, [2, 0, G, G], [0]),
  node(2, [G, G, 10, 4], [1]),
  node(3, [G, G, 14, 4], [1]),
  node(4, [4, 3, 12, 7], [0, 1]),
];
const snap: LabSnapshot = {
  status,
  samples,
  metrics: tickMetrics({ t: 2000, samples, groups: [], previous: null, shards: 2 }).metrics,
};

function plane(frame: TickFrame, cx: number, cy: number) {
  const { ctx, calls } = fakeContext();
  const layout = drawPlane(ctx, {
    width: 400,
    height: 300,
    dpr: 1,
    n: frame.n,
    d: frame.d,
    cx,
    cy,
    S: frame.S,
    D: frame.D,
    trails: [frame.S],
    fill: new Array<number>(frame.n).fill(0),
    fills: ['#123'],
    dead: new Array<number>(frame.n).fill(0),
    liar: frame.liar,
    browser: frame.browser,
    selected: new Set(),
    mean: frame.metrics.mean,
    palette: LIGHT,
  })!;
  return { layout, shapes: shapesDrawn(calls).filter((s) => s.op === 'fill') };
}

describe('K > 1: views place nodes by the components they hold', () => {
  it('the frame has no value where a node does not hold the shard', () => {
    const frame = frameOf(snap, null)!;
    const row = (i: number) => Array.from(frame.S.subarray(i * 4, i * 4 + 4));
    expect(row(0)).toEqual([0, 0, NaN, NaN]);
    expect(row(2)).toEqual([NaN, NaN, 10, 4]);
    expect(row(4)).toEqual([4, 3, 12, 7]);
  });

  it('the drift plane draws only the holders of both components, on a scale without the garbage', () => {
    const frame = frameOf(snap, null)!;
    // S[0] against S[1]: shard 0 only, held by nodes 0, 1 and 4.
    const { layout, shapes } = plane(frame, 0, 1);
    const dots = (x: number, y: number) => shapesAt(shapes, layout.x(x), layout.y(y));
    expect(dots(0, 0)).toHaveLength(1);
    expect(dots(2, 0)).toHaveLength(1);
    expect(dots(4, 3)).toHaveLength(1);
    expect(shapes.filter((s) => s.kind !== 'other')).toHaveLength(3);
    expect(dots(G, G)).toHaveLength(0);
    // The axes span the held values (0..4), nowhere near 999.
    expect(layout.x(G)).toBeGreaterThan(400);

    // S[0] against S[2]: one component of each shard; only node 4 holds both.
    const mixed = plane(frame, 0, 2);
    const drawn = mixed.shapes.filter((s) => s.kind !== 'other');
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.x).toBeCloseTo(mixed.layout.x(4), 9);
    expect(drawn[0]!.y).toBeCloseTo(mixed.layout.y(12), 9);
  });

  it('the map colours by the distance over held components, and its mean is the holders’', () => {
    const frame = frameOf(snap, null)!;
    // Holder means: S[0] (0, 2, 4) -> 2, S[1] (0, 0, 3) -> 1, S[2] (10, 14, 12) -> 12,
    // S[3] (4, 4, 7) -> 5. Distances over held components: node 0 sqrt 5, node 1 1, node 2 sqrt 5,
    // node 3 sqrt 5, node 4 (2, 2, 0, 2) sqrt 12.
    expect(frame.metrics.mean).toEqual([2, 1, 12, 5]);
    const expected = [Math.sqrt(5), 1, Math.sqrt(5), Math.sqrt(5), Math.sqrt(12)];
    const { data } = mapDataOf(frame, 'distance');
    expect(Array.from(data.fill)).toEqual(expected.map((x) => distanceBucket(x, status.epsilon)));
  });

  it('the drift plane says it shows held components only, and how many nodes that is', async () => {
    const host = new FakeHost();
    host.labStatus = status;
    await renderApp(host);
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snap }));
    // Default axes S[0], S[1]: shard 0, held by three of the five nodes.
    expect(screen.getByTestId('plane-held').textContent).toContain('3 of 5 nodes');
    expect(screen.getByTestId('plane-held').textContent).toContain('holds both components');
  });
});
