// The node-side hooks a lab drives, each on its own: frame faults, the partition cut set, the
// skewed and single-stepped scheduler, and a store abandoned as a crash leaves it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CycleScheduler } from '../../src-shared/node/scheduler';
import { PeerGate } from '../../src-shared/net/gater';
import { LinkShaper } from '../../src-shared/protocol/link-shaper';
import { NodeStore } from '../../src-main/node/store';
import { NO_LINK_FAULTS, type LinkFaults } from '../../src-shared/api/lab-api';
import { seededRng } from '../../src-shared/random';

const frames = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(i % 256, i >> 8));
const faults = (f: Partial<LinkFaults>): LinkFaults => ({ ...NO_LINK_FAULTS, ...f });

/** Routes `n` numbered frames to one peer and returns what was delivered, in order. */
function route(shaper: LinkShaper, n: number, peer = 'p'): number[] {
  const out: number[] = [];
  for (const f of frames(n)) shaper.route(peer, f, (b) => out.push(b[0]! + 256 * b[1]!));
  return out;
}

describe('LinkShaper', () => {
  it('passes every frame through, in order, without faults', () => {
    const shaper = new LinkShaper(seededRng(1));
    expect(shaper.faultsFor('p')).toEqual(NO_LINK_FAULTS);
    expect(route(shaper, 50)).toEqual([...Array(50).keys()]);
  });

  it('drops about the share asked for (binomial bounds, fixed seed)', () => {
    const shaper = new LinkShaper(seededRng(2));
    shaper.setDefault(faults({ loss: 0.5 }));
    const n = 4000;
    const kept = route(shaper, n).length;
    // 5 standard deviations of Binomial(4000, 0.5): sqrt(4000 * 0.25) = 31.6.
    expect(Math.abs(kept - n / 2)).toBeLessThan(5 * 31.6);
  });

  it('sends duplicates twice and reorders by holding one frame back until the next', () => {
    const dup = new LinkShaper(seededRng(3));
    dup.setDefault(faults({ duplicate: 1 }));
    expect(route(dup, 3)).toEqual([0, 0, 1, 1, 2, 2]);
    const swap = new LinkShaper(seededRng(4));
    swap.setDefault(faults({ reorder: 1 }));
    // Every other frame is held (one at a time) and goes out right after its successor.
    expect(route(swap, 6)).toEqual([1, 0, 3, 2, 5, 4]);
  });

  it('delays frames, applies per-peer faults over the default, and forgets timers on clear', () => {
    vi.useFakeTimers();
    try {
      const shaper = new LinkShaper(seededRng(5));
      shaper.setPeer('slow', faults({ delayMs: 100 }));
      const fast = route(shaper, 2, 'fast');
      const slow = route(shaper, 2, 'slow');
      expect(fast).toEqual([0, 1]);
      expect(slow).toEqual([]);
      vi.advanceTimersByTime(99);
      expect(slow).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(slow).toEqual([0, 1]);
      const lost = route(shaper, 2, 'slow');
      shaper.clear();
      vi.advanceTimersByTime(1000);
      expect(lost).toEqual([]);
      // Back on the default: no delay, so delivered at once.
      shaper.setPeer('slow', null);
      expect(route(shaper, 2, 'slow')).toEqual([0, 1]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LinkShaper corrupt', () => {
  it('replaces every frame with a framed garbage body until told to stop', () => {
    const shaper = new LinkShaper(seededRng(7));
    const body = Uint8Array.of(0xff, 0xfe, 0xfd);
    shaper.corrupt(() => body);
    const out: Uint8Array[] = [];
    for (const f of frames(2)) shaper.route('p', f, (b) => out.push(b));
    // Each is the garbage with its length in front (one varint byte), as any frame is.
    expect(out.map((b) => [...b])).toEqual([
      [3, 0xff, 0xfe, 0xfd],
      [3, 0xff, 0xfe, 0xfd],
    ]);
    shaper.corrupt(null);
    expect(route(shaper, 2)).toEqual([0, 1]);
  });
});

describe('LinkShaper freeze', () => {
  it('says frozen until thawed, and drops the frames it was holding back', () => {
    vi.useFakeTimers();
    try {
      const shaper = new LinkShaper(seededRng(6));
      shaper.setDefault(faults({ delayMs: 100 }));
      const late = route(shaper, 3);
      shaper.freeze(true);
      expect(shaper.frozen).toBe(true);
      vi.advanceTimersByTime(1000);
      // Held frames would reach the peer after the node stopped: a stopped process sends none.
      expect(late).toEqual([]);
      shaper.freeze(false);
      expect(shaper.frozen).toBe(false);
      const after = route(shaper, 2);
      vi.advanceTimersByTime(100);
      expect(after).toEqual([0, 1]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('PeerGate cut set', () => {
  it('refuses cut peers until the cut is lifted, apart from the bad-frame deny list', () => {
    let t = 0;
    const gate = new PeerGate(
      { maxOutboundPerGroup: 2, maxInboundPerHost: 8, allowLoopbackGroups: true },
      () => t,
    );
    gate.deny('banned', 1000);
    gate.setCut(['a', 'b']);
    expect(['a', 'b', 'banned', 'c'].map((p) => gate.isDenied(p))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    gate.setCut([]);
    // A heal lifts the cut, never a ban for bad frames.
    expect(['a', 'b', 'banned'].map((p) => gate.isDenied(p))).toEqual([false, false, true]);
    t = 1001;
    expect(gate.isDenied('banned')).toBe(false);
  });
});

describe('CycleScheduler in a lab', () => {
  it('stretches its period by the skew factor and steps once only while paused', async () => {
    let ticks = 0;
    const s = new CycleScheduler({ cycleMs: 100, jitter: 0, onTick: () => void ticks++ });
    expect(s.periodMs).toBe(100);
    s.setSkew(2.5);
    expect(s.periodMs).toBe(250);
    s.setLowPower('requested', true);
    expect(s.periodMs).toBe(1000);
    expect(() => s.setSkew(0)).toThrow(/skew factor must be a finite number > 0/);
    s.start();
    await s.stepOnce(); // not paused: no extra cycle
    expect(ticks).toBe(0);
    s.pause();
    await s.stepOnce();
    await s.stepOnce();
    expect(ticks).toBe(2);
    s.stop();
  });
});

describe('NodeStore.abandon', () => {
  const root = mkdtemp(join(tmpdir(), 'lvs-abandon-'));
  afterAll(async () => rm(await root, { recursive: true, force: true }));

  it('keeps the last write, loses what came after it, and gives the lock back', async () => {
    const dir = join(await root, 'node');
    const { store } = await NodeStore.open(dir, { appVersion: 'test', persistMs: 60_000 });
    store.update((d) => void (d.state.cycle = 5));
    await store.flush();
    store.update((d) => void (d.state.cycle = 9)); // not written: the crash comes first
    await store.abandon();
    const again = await NodeStore.open(dir, { appVersion: 'test' });
    expect(again.store.data.state.cycle).toBe(5);
    await again.store.close();
  });
});
