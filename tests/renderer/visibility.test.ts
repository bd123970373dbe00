// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIGHT } from '../../src-renderer/draw/palette';
import { drawSwarm, type SwarmScene } from '../../src-renderer/draw/swarm';
import { mapDataOf, type MapData } from '../../src-renderer/lib/map-data';
import { mapGroups } from '../../src-renderer/lib/map-groups';
import { MonitorStore } from '../../src-renderer/state/store';
import { frameOf } from '../../src-renderer/state/tick-frame';
import type { Ctx2D } from '../../src-renderer/draw/canvas';
import { SwarmMap } from '../../src-renderer/views/SwarmMap';
import { fakeContext } from './helpers/fake-ctx';
import { FakeHost, labStatus, sample, snapshot } from './helpers/fake-host';
import { renderApp } from './helpers/render';
import { shapesAt, shapesDrawn } from './helpers/shapes';

let visibility: DocumentVisibilityState = 'visible';
let frames: FrameRequestCallback[] = [];
let contexts: Map<HTMLCanvasElement, ReturnType<typeof fakeContext>>;

function setVisibility(v: DocumentVisibilityState) {
  visibility = v;
  document.dispatchEvent(new Event('visibilitychange'));
}

/** Runs the animation frames queued so far (and those they queue, a few rounds). */
function runFrames(rounds = 3) {
  for (let r = 0; r < rounds; r++) {
    const now = frames;
    frames = [];
    for (const f of now) f(performance.now());
  }
}

function data(n: number, shift = 0): MapData {
  const links: number[] = [];
  for (let i = 0; i + 1 < n; i++) links.push(i, i + 1);
  return {
    n,
    cond: new Uint8Array(n).fill(2),
    liar: new Uint8Array(n),
    browser: new Uint8Array(n),
    earned: Float64Array.from({ length: n }, (_, i) => i + shift),
    fill: new Int16Array(n),
    fills: ['#000'],
    links: Int32Array.from(links),
    cut: new Int32Array(0),
    groups: mapGroups(n, new Uint8Array(n).fill(1), new Uint8Array(n).fill(1), links, []),
    framesOut: new Uint32Array(n),
    t: 0,
  };
}

beforeEach(() => {
  visibility = 'visible';
  frames = [];
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });
  vi.stubGlobal('requestAnimationFrame', (f: FrameRequestCallback) => frames.push(f));
  vi.stubGlobal('cancelAnimationFrame', () => {
    frames = [];
  });
  contexts = new Map();
  HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
    let c = contexts.get(this);
    if (!c) contexts.set(this, (c = fakeContext()));
    return c.ctx;
  } as never;
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('no drawing while the window is hidden', () => {
  it('stops the loop when hidden, draws nothing on new data, and resumes when visible', () => {
    const draw = vi.fn();
    const props = { data: data(5), selection: new Set<number>(), palette: LIGHT, draw };
    const view = render(createElement(SwarmMap, props));
    runFrames();
    expect(draw).toHaveBeenCalled();

    act(() => setVisibility('hidden'));
    draw.mockClear();
    view.rerender(createElement(SwarmMap, { ...props, data: data(6, 1) }));
    runFrames(20);
    expect(frames).toHaveLength(0);
    expect(draw).not.toHaveBeenCalled();

    act(() => setVisibility('visible'));
    runFrames();
    expect(draw).toHaveBeenCalled();
    const scene = draw.mock.calls.at(-1)![1] as { n: number };
    expect(scene.n).toBe(6);
  });

  it('the store holds pushes while hidden and tells its readers once visible', () => {
    const store = new MonitorStore({ hidden: () => visibility === 'hidden' });
    const seen = vi.fn();
    store.subscribe(seen);
    const status = labStatus();
    visibility = 'hidden';
    store.labSnapshot(snapshot(status, [sample(0, [1]), sample(1, [0])], 200));
    store.labSnapshot(snapshot(status, [sample(0, [1]), sample(1, [0])], 400));
    expect(seen).not.toHaveBeenCalled();
    expect(store.getState().history.ring.size).toBe(2);
    visibility = 'visible';
    store.flush();
    expect(seen).toHaveBeenCalledTimes(1);
  });
});

describe('the swarm map', () => {
  it('strokes the links again only when the layout moved, not for a tick of new colours', () => {
    const props = { data: data(6), selection: new Set<number>(), palette: LIGHT };
    const view = render(createElement(SwarmMap, props));
    runFrames(400); // the layout cools (about 300 ticks) and stops asking for frames
    expect(frames).toHaveLength(0);
    const shown = view.container.querySelector('canvas')!;
    const layer = [...contexts.keys()].find((c) => c !== shown)!;
    const layerCalls = () => contexts.get(layer)!.count('lineTo');
    const before = layerCalls();
    const recolored = { ...props.data, fill: new Int16Array(6).fill(0), fills: ['#f00'] };
    view.rerender(createElement(SwarmMap, { ...props, data: recolored }));
    runFrames();
    expect(layerCalls()).toBe(before);
    const main = contexts.get(shown)!;
    expect(main.calls.at(-1)).toBeDefined();
    expect(main.calls.filter((c) => c.name === 'fill').at(-1)!.fillStyle).toBe('#f00');
    expect(main.count('drawImage')).toBeGreaterThan(0);
  });

  it('draws the lab’s browser nodes as windows and its Node.js nodes as discs', () => {
    // From the lab's samples to the canvas: the kind travels through the tick frame, the map's
    // data and the engine's scene to the drawing.
    const samples = [
      sample(0, [1, 2]),
      sample(1, [0, 2], { kind: 'browser' }),
      sample(2, [0, 1], { kind: 'browser', condition: 'dead' }),
    ];
    const frame = frameOf(snapshot(labStatus({ nodes: 3 }), samples, 200), null)!;
    const scenes: SwarmScene[] = [];
    const draw = (ctx: Ctx2D, scene: SwarmScene) => {
      scenes.push(scene);
      drawSwarm(ctx, scene);
    };
    const props = { data: mapDataOf(frame, 'auto').data, selection: new Set<number>() };
    const view = render(createElement(SwarmMap, { ...props, palette: LIGHT, draw }));
    runFrames();
    const canvas = view.container.querySelector('canvas')!;
    const shapes = shapesDrawn(contexts.get(canvas)!.calls);
    const { x, y } = scenes.at(-1)!;
    const at = (slot: number) => shapesAt(shapes, x[slot], y[slot]);
    expect(at(0).map((m) => [m.kind, m.op])).toEqual([['disc', 'fill']]);
    expect(at(1).map((m) => [m.kind, m.op])).toEqual([['window', 'fill']]);
    expect(at(2).map((m) => [m.kind, m.op, m.style])).toEqual([['window', 'stroke', LIGHT.dead]]);
  });

  it('names the kind of the node under the pointer in its tooltip', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 2, up: 2 });
    await renderApp(host);
    const samples = [sample(0, [1]), sample(1, [0], { kind: 'browser' })];
    act(() =>
      host.push({ kind: 'lab-snapshot', snapshot: snapshot(host.labStatus!, samples, 200) }),
    );
    act(() => runFrames());
    const canvas = screen.getByTestId('swarm-map') as HTMLCanvasElement;
    const shapes = shapesDrawn(contexts.get(canvas)!.calls);
    const hover = (kind: string) => {
      const mark = shapes.findLast((m) => m.kind === kind && m.op === 'fill')!;
      fireEvent.pointerMove(canvas, { clientX: mark.x, clientY: mark.y });
      return screen.getByTestId('map-tooltip').textContent;
    };
    expect(hover('window')).toContain('browser node (Chromium tab)');
    expect(hover('disc')).toContain('Node.js node');
  });

  it('in slow motion flies one frame per live link of each sender, then rests', () => {
    const first = { ...data(4), framesOut: Uint32Array.of(10, 10, 10, 10), t: 100 };
    const props = { data: first, selection: new Set<number>(), palette: LIGHT, slowMotion: true };
    const view = render(createElement(SwarmMap, props));
    runFrames(400); // the layout cools
    expect(frames).toHaveLength(0);
    const canvas = view.container.querySelector('canvas')!;
    // Next tick: node 1 sent (its count grew), the others did not. On the path 0-1-2-3 node 1
    // has two live links, so two frames fly: 1 -> 0 and 1 -> 2.
    const next = { ...data(4), framesOut: Uint32Array.of(10, 12, 10, 10), t: 200 };
    view.rerender(createElement(SwarmMap, { ...props, data: next }));
    const start = performance.now();
    let seen = 0;
    for (let k = 0; k < 200 && frames.length > 0; k++) {
      const now = frames;
      frames = [];
      for (const f of now) f(start + k * 20); // 4 s of frames, 20 ms apart
      seen = Math.max(seen, Number(canvas.dataset['flights'] ?? 0));
    }
    expect(seen).toBe(2);
    // Landed within the slow cycle (2 s): the loop stopped, nothing left in flight.
    expect(frames).toHaveLength(0);
    expect(canvas.dataset['flights']).toBeUndefined();
  });
});
