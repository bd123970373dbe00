// The pace of a lab: cycles run against cycles asked over a sliding window, with the crossing
// into and out of "behind", and what to change.
import { describe, expect, it } from 'vitest';
import { labCapacity, nodesKeepingUp } from '../../src-shared/lab/capacity';
import { describePace, paceAdvice, PaceTracker, countChanged } from '../../src-shared/lab/pace';
import { openFileLimit } from '../../src-main/runtime/machine';

/** Ticks every `tickMs` from `from` to `to` ms, the median cycle advancing at `perS`. */
function run(p: PaceTracker, from: number, to: number, startCycle: number, perS: number) {
  const out = [];
  for (let t = from; t <= to; t += 200)
    out.push({
      t,
      ...p.observe(t, startCycle + ((t - from) * perS) / 1000, { perS: 5, nodes: 300 }),
    });
  return out;
}

describe('PaceTracker', () => {
  it('says nothing until it has 5 s of ticks, then nothing for a lab that keeps up', () => {
    const p = new PaceTracker();
    const ticks = run(p, 0, 10_000, 0, 5);
    expect(ticks.filter((x) => x.t < 5000).every((x) => x.pace === null)).toBe(true);
    expect(ticks.at(-1)!.pace).toEqual({
      askedPerS: 5,
      achievedPerS: 5,
      behind: false,
      nodes: 300,
    });
    expect(ticks.some((x) => x.changed)).toBe(false);
  });

  it('falls behind at 1.75 of 5 cycles/s (35%), once, and stays behind at 85%', () => {
    const p = new PaceTracker();
    const slow = run(p, 0, 10_000, 0, 1.75);
    expect(slow.filter((x) => x.changed).map((x) => x.t)).toEqual([5000]);
    expect(slow.at(-1)!.pace!.achievedPerS).toBeCloseTo(1.75, 9);
    expect(slow.at(-1)!.pace!.behind).toBe(true);
    // 4.25 of 5 (85%) is above the 80% that makes "behind", but below the 90% that ends it.
    const better = run(p, 10_200, 20_000, 17.5 + 0.35, 4.25);
    expect(better.some((x) => x.changed)).toBe(false);
    expect(better.at(-1)!.pace!.behind).toBe(true);
    // At the full rate the window soon holds only full-rate cycles: keeping up again, once.
    const full = run(p, 20_200, 30_000, 17.5 + 0.35 + 41.65 + 0.85, 5);
    expect(full.filter((x) => x.changed)).toHaveLength(1);
    expect(full.at(-1)!.pace!.behind).toBe(false);
  });

  it('measures a slow cycle over 5 of its cycles, and starts over after a reset', () => {
    const p = new PaceTracker();
    // 0.1 cycles/s asked: the window is 50 s long.
    for (let t = 0; t < 50_000; t += 1000)
      expect(p.observe(t, t / 10_000, { perS: 0.1, nodes: 10 }).pace).toBeNull();
    expect(p.observe(50_000, 5, { perS: 0.1, nodes: 10 }).pace?.achievedPerS).toBeCloseTo(0.1, 9);
    p.reset();
    expect(p.pace).toBeNull();
    expect(p.observe(51_000, 5.1, { perS: 0.1, nodes: 10 }).pace).toBeNull();
  });
});

describe('what to do when behind', () => {
  const pace = { askedPerS: 5, achievedPerS: 1.75, behind: true, nodes: 300 };

  it('scales the nodes down, or the cycle up, by the share achieved', () => {
    // 35% of the asked rate: 300 × 0.35 = 105 nodes; 200 ms / 0.35 = 571 ms, up to 580.
    expect(paceAdvice(pace)).toEqual({ nodes: 105, cycleMs: 580 });
    expect(describePace(pace)).toBe(
      'behind: 1.75 of 5.00 cycles/s asked (35%); this machine cannot carry 300 nodes at 200 ms cycles. Try about 105 nodes, or a cycle of about 580 ms',
    );
    expect(describePace({ ...pace, achievedPerS: 4.8, behind: false })).toBe(
      'keeping up again: 4.80 of 5.00 cycles/s asked (96%)',
    );
  });
});

describe('the largest lab a machine is sized for', () => {
  const GiB = 2 ** 30;
  it('is bound by the cores, the memory or the open files, whichever is tightest', () => {
    // This project's 2-core machine: 2 × 250 = 500 (memory: 12 GiB / 4 MiB = 3072; files 1250).
    expect(labCapacity({ cores: 2, memoryBytes: 24 * GiB, openFiles: 20_000 })).toEqual({
      maxNodes: 500,
      reason: '2 cores × 250 nodes per core',
      cores: 2,
    });
    // 16 cores but 4 GiB: half of it at 4 MiB a node is 512.
    expect(labCapacity({ cores: 16, memoryBytes: 4 * GiB, openFiles: null }).maxNodes).toBe(512);
    // 16 cores, plenty of memory, a 4,096-file limit: 256 nodes at 16 files each.
    expect(labCapacity({ cores: 16, memoryBytes: 64 * GiB, openFiles: 4096 })).toMatchObject({
      maxNodes: 256,
      reason: 'the open-file limit of 4096 (16 per node)',
    });
    // A large machine: the lab API's own limit.
    expect(labCapacity({ cores: 64, memoryBytes: 256 * GiB, openFiles: 1 << 20 }).maxNodes).toBe(
      2000,
    );
  });

  it('keeps up at about 400 node-cycles per second per core', () => {
    expect(nodesKeepingUp(2, 200)).toBe(160);
    expect(nodesKeepingUp(2, 1000)).toBe(800);
  });

  it('reads the open-file limit from /proc/self/limits', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units',
      'Max processes             95000                95000                processes',
      'Max open files            20000                1048576              files',
    ].join('\n');
    expect(openFileLimit(limits)).toBe(20_000);
    expect(openFileLimit(limits.replace('20000  ', 'unlimited'))).toBeNull();
    expect(openFileLimit('')).toBeNull();
  });
});

describe('countChanged', () => {
  it('starts the window again for another set of nodes, not for one or two arriving late', () => {
    // The first measure: no set yet.
    expect(countChanged(-1, 1)).toBe(true);
    // Small labs: one node more or less is jitter, two is another set.
    expect(countChanged(4, 3)).toBe(false);
    expect(countChanged(4, 5)).toBe(false);
    expect(countChanged(4, 2)).toBe(true);
    // A large lab: up to a tenth of the nodes may come and go.
    expect(countChanged(200, 180)).toBe(false);
    expect(countChanged(200, 220)).toBe(false);
    expect(countChanged(200, 179)).toBe(true);
    // Six of thirty revived at once (a kill-30% scenario healing): another set.
    expect(countChanged(24, 30)).toBe(true);
  });
});
