import { describe, expect, it } from 'vitest';
import { LIGHT } from '../../src-renderer/draw/palette';
import { drawPlane } from '../../src-renderer/draw/plane';
import {
  RING_LIAR,
  RING_SELECTED,
  drawSwarm,
  type SwarmScene,
} from '../../src-renderer/draw/swarm';
import { fakeContext } from './helpers/fake-ctx';

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
      selected: new Set(),
      mean: null,
      palette: LIGHT,
    });
    expect(out).toBeNull();
    expect(calls.find((c) => c.name === 'fillText')!.args[0]).toBe('no states yet');
  });
});
