// Liars in a sharded lab of real nodes (docs/shards.md, "In the lab"): K = 4, r = 3, d = 4 (one
// component a shard) on a complete graph of 10 nodes, alpha 0 so that nothing but the peers moves
// a state. Once the swarm has formed, one node turns into a pull liar toward 100 on every
// component. It sends only the shards it holds, so only their honest holders hear it. Under the
// mean, every honest holder of the liar's shards is dragged past the top of where the honest
// holders stood when it started lying, while the shards it does not hold stay inside theirs
// (the lie lands on the right components only). Then every node switches to trimmed(F = 1),
// which drops the one liar each honest holder hears: from there every honest holder of every
// shard stays inside the range the honest holders had at the switch (W-MSR). One lab for both
// phases, as the shipped sybil-mean-vs-trimmed scenario does, since starting one costs most.
import { describe, expect, it } from 'vitest';
import type { LabSnapshot, LiarBehaviour } from '../../src-shared/api/lab-api';
import { startLab, stopLab, waitForSnapshot } from '../helpers/labs';

const K = 4;
const R = 3;
const LIAR = 0;
/** Just inside the anomaly bound (50): every lie is accepted, clamped to maxDiff (10). */
const PULL: LiarBehaviour = { kind: 'pull', target: [100, 100, 100, 100], reach: 45 };

/** Per shard, the lowest and highest of its one component over its honest live holders. */
function shardBoxes(s: LabSnapshot): Array<{ lo: number; hi: number; mean: number; n: number }> {
  return Array.from({ length: K }, (_, k) => {
    const values = s.samples
      .filter((x) => x.liar === null && x.condition !== 'dead' && x.holds?.includes(k))
      .map((x) => x.S[k]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return { lo: Math.min(...values), hi: Math.max(...values), mean, n: values.length };
  });
}

/** How far the honest holders' mean of shard k moved toward the target (100) from `from`. */
const moved = (from: { mean: number }, to: { mean: number }) => to.mean - from.mean;
/** What the mean run waits for: a move no honest averaging can make (it stays in the range). */
const DRAG = 10;

/** Each shard's excursion out of `box`: how far its honest holders went below or above it. */
function excursion(box: ReturnType<typeof shardBoxes>, s: LabSnapshot, shards: number[]): number {
  const b = shardBoxes(s);
  return Math.max(0, ...shards.map((k) => Math.max(box[k]!.lo - b[k]!.lo, b[k]!.hi - box[k]!.hi)));
}

const ALL = [0, 1, 2, 3];

describe('a pull liar in a sharded lab (K = 4, r = 3)', () => {
  it('under mean drags the honest holders of its shards only; under trimmed(F = 1) none leaves its range', async () => {
    const lab = await startLab({
      nodes: 10,
      topology: 'complete',
      seed: 5,
      params: { dimensions: K, shards: K, replication: R, alpha: 0, beta: 0.2, aggregator: 'mean' },
    });
    try {
      // Formed: every node holds its ceil(K r / 10) = 2 shards, r holders everywhere.
      const start = await waitForSnapshot(
        lab,
        (s) =>
          s.shards &&
          s.samples.every((x) => (x.holds?.length ?? 0) >= 2) &&
          s.shards.holdersMin.every((h) => h >= R) &&
          s,
        'the swarm formed',
      );
      const lied = start.samples[LIAR]!.holds!;
      const others = ALL.filter((k) => !lied.includes(k));
      const box = shardBoxes(start);
      await lab.apply({ op: 'liar', nodes: [LIAR], behaviour: PULL });

      let ticks = 0;
      let worstOther = 0;
      const dragged = await waitForSnapshot(
        lab,
        (s) => {
          ticks++;
          worstOther = Math.max(worstOther, excursion(box, s, others));
          const b = shardBoxes(s);
          return lied.every((k) => b[k]!.lo > box[k]!.hi && moved(box[k]!, b[k]!) >= DRAG) && s;
        },
        "every honest holder of the liar's shards past the top of its range, their mean 10 VU up",
      );
      const b = shardBoxes(dragged);
      for (const k of lied) {
        expect(b[k]!.n).toBeGreaterThanOrEqual(R - 1);
        expect(b[k]!.lo).toBeGreaterThan(box[k]!.hi);
        expect(b[k]!.hi).toBeLessThan(100);
        expect(moved(box[k]!, b[k]!)).toBeGreaterThanOrEqual(DRAG);
      }
      // The shards the liar does not hold never heard it: inside their range, as alpha 0 keeps it.
      expect(worstOther).toBeLessThanOrEqual(1e-9);
      const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(',');
      console.log(
        `mean: liar holds [${lied.join(',')}]; after ${ticks} ticks (cycle ${start.metrics?.cycle} to ${dragged.metrics?.cycle}) honest means ${fmt(b.map((x) => x.mean))} (from ${fmt(box.map((x) => x.mean))}), lows ${fmt(b.map((x) => x.lo))} vs start highs ${fmt(box.map((x) => x.hi))}`,
      );

      // Trimmed from each node's next cycle; the range is read two cycles on, when every cycle
      // still under the mean has ended.
      await lab.apply({ op: 'set-params', params: { aggregator: 'trimmed', trimF: 1 } });
      const switched = lab.metrics!.cycle;
      const from = await waitForSnapshot(
        lab,
        (s) => (s.metrics?.cycle ?? 0) >= switched + 2 && s,
        'two cycles under trimmed',
      );
      const held = shardBoxes(from);
      let worst = 0;
      ticks = 0;
      const end = await waitForSnapshot(
        lab,
        (s) => {
          worst = Math.max(worst, excursion(held, s, ALL));
          // Longer than the mean took to drag 10 VU, the liar still heard by its peers.
          return ++ticks >= 25 && s.samples[LIAR]!.peers.length > 0 && s;
        },
        '25 ticks under trimmed',
      );
      expect(worst).toBeLessThanOrEqual(1e-9);
      console.log(
        `trimmed: ${ticks} ticks (cycle ${from.metrics?.cycle} to ${end.metrics?.cycle}), worst excursion ${worst}; honest means ${fmt(shardBoxes(end).map((x) => x.mean))} (from ${fmt(held.map((x) => x.mean))})`,
      );
    } finally {
      await stopLab(lab);
    }
  }, 90_000);
});
