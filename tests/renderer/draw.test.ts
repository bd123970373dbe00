import { describe, expect, it } from 'vitest';
import { LIGHT } from '../../src-renderer/draw/palette';
import { drawPlane } from '../../src-renderer/draw/plane';
import {
  RING_FROZEN,
  RING_LIAR,
  RING_SELECTED,
  drawSwarm,
  type SwarmScene,
} from '../../src-renderer/draw/swarm';
import { fakeContext } from './helpers/fake-ctx';
import { shapesAt, shapesDrawn } from './helpers/shapes';

function scene(over: Partial<SwarmScene> = {}): SwarmScene {
  return {
    width: 200,
    height: 100,
    dpr: 2,
    n: 4,
    x: [10, 50, 90, 130],
    y: [10, 50, 10, 50],
    r: [3, 3, 3, 3],
    shown: [1, 1, 1, 0],
    browser: [0, 0, 0, 0],
    fill: [0, 1, -1, 0],
    fills: ['#a00', '#0a0'],
    hollow: [0, 0, 0, 0],
    rings: [0, RING_LIAR, RING_SELECTED, 0],
    links: [0, 1, 1, 2, 2, 3],
    cut: [0, 2],
    hovered: -1,
    lasso: null,
    palette: LIGHT,
    ...over,
  };
}

describe('drawSwarm', () => {
  it('strokes live links in one solid path and cut links in one dashed path', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, scene());
    expect(calls[0]).toMatchObject({ name: 'setTransform', args: [2, 0, 0, 2, 0, 0] });
    const strokes = calls.filter((c) => c.name === 'stroke');
    const live = strokes.find((c) => c.strokeStyle === LIGHT.link)!;
    const cut = strokes.find((c) => c.strokeStyle === LIGHT.cut)!;
    expect(live.dash).toEqual([]);
    expect(cut.dash.length).toBeGreaterThan(0);
    // Links to the node not shown (3) are left out: two live lines and one cut line.
    expect(calls.filter((c) => c.name === 'lineTo')).toHaveLength(3);
  });

  it('fills each colour once, draws every shown node, and rings liars and the selection', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, scene());
    const fills = calls.filter((c) => c.name === 'fill').map((c) => c.fillStyle);
    expect(fills).toEqual(['#a00', '#0a0', LIGHT.uncounted]);
    const arcs = calls.filter((c) => c.name === 'arc');
    // 3 shown nodes, one liar ring, one selection ring.
    expect(arcs).toHaveLength(5);
    const ringStrokes = calls.filter((c) => c.name === 'stroke').map((c) => c.strokeStyle);
    expect(ringStrokes).toContain(LIGHT.liar);
    expect(ringStrokes).toContain(LIGHT.selection);
  });

  it('outlines dead nodes, marks the hovered one, draws a lasso', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, scene({ hollow: [1, 0, 0, 0], hovered: 1, lasso: [0, 0, 20, 0, 20, 20] }));
    const strokes = calls.filter((c) => c.name === 'stroke').map((c) => c.strokeStyle);
    expect(strokes).toContain(LIGHT.dead);
    expect(strokes).toContain(LIGHT.hover);
    expect(calls.some((c) => c.name === 'closePath')).toBe(true);
  });

  it('draws 1,000 nodes and 4,000 links in a handful of paths', () => {
    const n = 1000;
    const { ctx, count } = fakeContext();
    const links = Array.from({ length: 8000 }, (_, i) => (i * 7919) % n);
    drawSwarm(
      ctx,
      scene({
        n,
        x: new Float32Array(n),
        y: new Float32Array(n),
        r: new Float32Array(n).fill(3),
        shown: new Uint8Array(n).fill(1),
        browser: new Uint8Array(n),
        fill: Int16Array.from({ length: n }, (_, i) => i % 9),
        fills: Array.from({ length: 9 }, (_, i) => `#${i}${i}${i}`),
        hollow: new Uint8Array(n),
        rings: new Uint8Array(n),
        links,
        cut: [],
      }),
    );
    expect(count('beginPath')).toBeLessThanOrEqual(12);
    expect(count('fill')).toBe(9);
    expect(count('arc')).toBe(n);
  });
});

describe('a browser node on the swarm map', () => {
  // Node 0 runs in Node.js, node 1 in a Chromium tab; both in the same colour bucket.
  const two = (over: Partial<SwarmScene> = {}) =>
    scene({
      n: 2,
      x: [20, 60],
      y: [30, 30],
      r: [5, 5],
      shown: [1, 1],
      browser: [0, 1],
      fill: [0, 0],
      hollow: [0, 0],
      rings: [0, 0],
      links: [0, 1],
      cut: [],
      ...over,
    });

  it('is a window where a Node.js node is a disc, filled in the same colour', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, two());
    const shapes = shapesDrawn(calls);
    expect(shapesAt(shapes, 20, 30)).toMatchObject([{ kind: 'disc', op: 'fill', style: '#a00' }]);
    expect(shapesAt(shapes, 60, 30)).toMatchObject([{ kind: 'window', op: 'fill', style: '#a00' }]);
    // Still one fill for the colour: the kind changes the shape, not the batching.
    expect(calls.filter((c) => c.name === 'fill')).toHaveLength(1);
    // The window's title bar: a line across it in the background colour.
    const bar = calls.findIndex((c) => c.name === 'stroke' && c.strokeStyle === LIGHT.background);
    expect(bar).toBeGreaterThan(-1);
    const line = calls.slice(0, bar).findLast((c) => c.name === 'lineTo')!;
    expect(line.args[1]).toBeLessThan(30);
    expect(line.args[1]).toBeGreaterThan(25);
  });

  it('gets its liar, frozen, selection and hover rings in its own shape, around it', () => {
    const { ctx, calls } = fakeContext();
    const rings = RING_LIAR | RING_FROZEN | RING_SELECTED;
    drawSwarm(ctx, two({ rings: [rings, rings], hovered: 1 }));
    const shapes = shapesDrawn(calls);
    const fillSize = shapesAt(shapes, 60, 30).find((s) => s.op === 'fill')!.size;
    const ringsAt = (x: number) => shapesAt(shapes, x, 30).filter((s) => s.op === 'stroke');
    const styles = [LIGHT.liar, LIGHT.frozen, LIGHT.selection, LIGHT.hover];
    expect(ringsAt(60).map((s) => s.style)).toEqual(expect.arrayContaining(styles));
    for (const ring of ringsAt(60)) {
      expect(ring.kind).toBe('window');
      expect(ring.size).toBeGreaterThan(fillSize);
    }
    expect(ringsAt(60).find((s) => s.style === LIGHT.frozen)!.dash.length).toBeGreaterThan(0);
    // The Node.js node keeps its rings round.
    expect(ringsAt(20).map((s) => s.kind)).toEqual(['disc', 'disc', 'disc']);
  });

  it('dead, is a window outline in the dead colour, not a filled mark', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, two({ hollow: [1, 1] }));
    const shapes = shapesDrawn(calls);
    expect(shapesAt(shapes, 60, 30)).toMatchObject([
      { kind: 'window', op: 'stroke', style: LIGHT.dead },
    ]);
    expect(shapesAt(shapes, 20, 30)).toMatchObject([
      { kind: 'disc', op: 'stroke', style: LIGHT.dead },
    ]);
    expect(calls.some((c) => c.name === 'fill')).toBe(false);
  });

  it('as a bridge, has the right half of its window in the second group’s colour', () => {
    const { ctx, calls } = fakeContext();
    drawSwarm(ctx, two({ fill2: [-1, 1] }));
    const second = calls.findIndex((c) => c.name === 'fill' && c.fillStyle === '#0a0');
    const begin = calls.slice(0, second).findLastIndex((c) => c.name === 'beginPath');
    const half = calls.slice(begin, second);
    // Two corner arcs, both on the right of the centre; no round half.
    const arcs = half.filter((c) => c.name === 'arc').map((c) => c.args as number[]);
    expect(arcs).toHaveLength(2);
    for (const a of arcs) expect(a[0]).toBeGreaterThan(60);
    expect(half.find((c) => c.name === 'moveTo')!.args[0]).toBe(60);
  });
});

describe('drawPlane', () => {
  it('draws dots, trails, drift arrows and the mean for the chosen components', () => {
    const { ctx, calls } = fakeContext();
    const layout = drawPlane(ctx, {
      width: 300,
      height: 200,
      dpr: 1,
      n: 2,
      d: 3,
      cx: 0,
      cy: 2,
      S: [10, 0, 20, 12, 0, 22],
      D: [0.1, 0, 0.1, -0.1, 0, -0.1],
      trails: [[9, 0, 19, 13, 0, 23]],
      fill: [0, -1],
      fills: ['#123'],
      dead: [0, 0],
      liar: [0, 1],
      browser: [0, 0],
      selected: new Set([0]),
      mean: [11, 0, 21],
      palette: LIGHT,
    })!;
    expect(layout).not.toBeNull();
    expect(layout.x(10)).toBeLessThan(layout.x(12));
    expect(layout.y(20)).toBeGreaterThan(layout.y(22));
    // The drifts are small on this scale: the arrows are magnified, and the legend says by how much.
    expect(layout.arrowScale).toBeGreaterThan(1);
    const texts = calls.filter((c) => c.name === 'fillText').map((c) => String(c.args[0]));
    expect(texts).toContain('S[0] (VU)');
    expect(texts).toContain('S[2] (VU)');
    expect(texts.some((t) => t.includes(`D ×${layout.arrowScale}`))).toBe(true);
    const fills = calls.filter((c) => c.name === 'fill').map((c) => c.fillStyle);
    expect(fills).toEqual(['#123', LIGHT.uncounted]);
    const strokes = calls.filter((c) => c.name === 'stroke').map((c) => c.strokeStyle);
    expect(strokes).toEqual(
      expect.arrayContaining([LIGHT.muted, LIGHT.accent, LIGHT.liar, LIGHT.selection, LIGHT.text]),
    );
  });

  it('draws a browser node’s dot and liar ring as windows, a Node.js node’s as discs', () => {
    const { ctx, calls } = fakeContext();
    const layout = drawPlane(ctx, {
      width: 300,
      height: 200,
      dpr: 1,
      n: 2,
      d: 2,
      cx: 0,
      cy: 1,
      S: [10, 20, 12, 22],
      D: [0, 0, 0, 0],
      trails: [],
      fill: [0, 0],
      fills: ['#123'],
      dead: [0, 0],
      liar: [1, 1],
      browser: [0, 1],
      selected: new Set(),
      mean: null,
      palette: LIGHT,
    })!;
    const shapes = shapesDrawn(calls);
    const at = (slot: number) => shapesAt(shapes, layout.x(10 + 2 * slot), layout.y(20 + 2 * slot));
    expect(at(0).map((s) => [s.kind, s.op, s.style])).toEqual([
      ['disc', 'fill', '#123'],
      ['disc', 'stroke', LIGHT.liar],
    ]);
    expect(at(1).map((s) => [s.kind, s.op, s.style])).toEqual([
      ['window', 'fill', '#123'],
      ['window', 'stroke', LIGHT.liar],
    ]);
  });

  it('says so when there is no state to show', () => {
    const { ctx, calls } = fakeContext();
    const nan = Number.NaN;
    const out = drawPlane(ctx, {
      width: 100,
      height: 100,
      dpr: 1,
      n: 1,
      d: 2,
      cx: 0,
      cy: 1,
      S: [nan, nan],
      D: [nan, nan],
      trails: [],
      fill: [0],
      fills: ['#000'],
      dead: [0],
      liar: [0],
      browser: [0],
      selected: new Set(),
      mean: null,
      palette: LIGHT,
    });
    expect(out).toBeNull();
    expect(calls.find((c) => c.name === 'fillText')!.args[0]).toBe('no states yet');
  });
});
