import { describe, expect, it, vi } from 'vitest';
import { Ring } from '../../src-renderer/state/ring';
import {
  MonitorStore,
  MAX_NODE_TICKS,
  displayedFrame,
  displayedIndex,
} from '../../src-renderer/state/store';
import { CONDITION, frameGroups, frameOf } from '../../src-renderer/state/tick-frame';
import { labStatus, sample, snapshot } from './helpers/fake-host';

describe('Ring', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const r = new Ring<number>(3);
    expect(r.push(1)).toBeUndefined();
    r.push(2);
    r.push(3);
    expect(r.push(4)).toBe(1);
    expect(r.toArray()).toEqual([2, 3, 4]);
    expect(r.at(0)).toBe(2);
    expect(r.last()).toBe(4);
    expect(r.at(3)).toBeUndefined();
    expect(r.lowerBound(3, (x) => x)).toBe(1);
    expect(r.lowerBound(9, (x) => x)).toBe(3);
    r.resize(2);
    expect(r.toArray()).toEqual([3, 4]);
    r.clear();
    expect(r.size).toBe(0);
    expect(() => new Ring(0)).toThrow();
  });
});

describe('tick frames', () => {
  it('pack a snapshot by slot: conditions, states, live links once each', () => {
    const s = labStatus({ cut: [[0, 2]] });
    const f = frameOf(
      snapshot(
        s,
        [
          sample(0, [1]),
          sample(1, [0, 2]),
          sample(2, [1], { condition: 'dead', S: [], D: [] }),
          sample(4, [], { liar: 'drain' }),
        ],
        200,
      ),
      null,
    )!;
    expect(f.n).toBe(5);
    expect(Array.from(f.cond)).toEqual([2, 2, 4, 0, 2]);
    expect(f.liar[4]).toBe(3);
    expect(Array.from(f.links)).toEqual([0, 1, 1, 2]);
    expect(Array.from(f.cut)).toEqual([0, 2]);
    expect(f.S[0]).toBe(50);
    expect(Number.isNaN(f.S[4])).toBe(true);
    // Dead 2 and absent 3 are no group; 4 is up and alone.
    const g = frameGroups(f);
    expect(g.count).toBe(2);
    expect(g.group[2]).toBe(-1);
    expect(g.group[3]).toBe(-1);
    expect(frameOf({ status: s, metrics: null, samples: [] }, null)).toBeNull();
    expect(CONDITION.up).toBe(2);
  });

  it('mark each slot’s kind: 1 for a browser node, 0 for a Node.js node or no node', () => {
    const samples = [sample(0, [2]), sample(2, [0], { kind: 'browser' })];
    const f = frameOf(snapshot(labStatus(), samples, 200), null)!;
    expect(Array.from(f.browser)).toEqual([0, 0, 1]);
  });

  const two = () => [sample(0, [1]), sample(1, [0])];
  it('share the link arrays with the previous tick when the links did not change', () => {
    const s = labStatus();
    const a = frameOf(snapshot(s, [sample(0, [1]), sample(1, [0])], 200), null)!;
    const b = frameOf(snapshot(s, [sample(0, [1]), sample(1, [0])], 400), a)!;
    expect(b.links).toBe(a.links);
    const cutA = frameOf(snapshot(labStatus({ cut: [[0, 1]] }), two(), 600), b)!;
    const cutB = frameOf(snapshot(labStatus({ cut: [[0, 1]] }), two(), 800), cutA)!;
    expect(cutB.cut).toBe(cutA.cut);
  });
});

describe('MonitorStore', () => {
  const two = [sample(0, [1]), sample(1, [0])];

  it('keeps ticks in a bounded ring, replays by t and follows live again', () => {
    const store = new MonitorStore();
    const s = labStatus();
    for (let t = 200; t <= 1000; t += 200) store.labSnapshot(snapshot(s, two, t));
    const state = () => store.getState();
    expect(state().history.ring.size).toBe(5);
    expect(displayedFrame(state())!.t).toBe(1000);
    store.setCursor(400);
    expect(displayedFrame(state())!.t).toBe(400);
    expect(displayedIndex(state())).toBe(1);
    store.setCursor(null);
    expect(displayedIndex(state())).toBe(4);
    expect(state().firstMean).toEqual([50, 50]);
  });

  it('bounds the node-ticks held', () => {
    const store = new MonitorStore();
    const s = labStatus({ nodes: 2000 });
    const big = Array.from({ length: 2000 }, (_, i) => sample(i, []));
    store.labSnapshot(snapshot(s, big, 200));
    expect(store.getState().history.ring.capacity).toBe(MAX_NODE_TICKS / 2000);
  });

  it('starts a new history for a new lab, and asks for its events', () => {
    const onNewLab = vi.fn();
    const store = new MonitorStore({ onNewLab });
    store.labSnapshot(snapshot(labStatus(), two, 200));
    store.ingest({ kind: 'lab-event', event: { t: 5, type: 'node', slot: 0, what: 'x' } });
    store.select([1]);
    expect(onNewLab).toHaveBeenCalledTimes(1);
    store.labSnapshot(snapshot(labStatus({ startedAt: 2e12 }), two, 200));
    const st = store.getState();
    expect(onNewLab).toHaveBeenCalledTimes(2);
    expect(st.history.ring.size).toBe(1);
    expect(st.labEvents).toEqual([]);
    expect(st.selection.size).toBe(0);
  });

  it('selects, toggles and adds; toasts an error event from the lab', () => {
    const store = new MonitorStore();
    store.select([1, 2]);
    store.select([2, 3], 'toggle');
    expect([...store.getState().selection].sort()).toEqual([1, 3]);
    store.select([5], 'add');
    expect(store.getState().selection.size).toBe(3);
    store.ingest({ kind: 'lab-event', event: { t: 1, type: 'error', message: 'scenario: boom' } });
    expect(store.getState().toasts.map((t) => t.text)).toEqual(['lab: scenario: boom']);
  });
});
