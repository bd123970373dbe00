// Attacks on real labs: the shipped Sybil scenario's attack under `mean` and under trimmed(F),
// and a liar sending garbage frames, cut off by its peers.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src-main/lab/scenario-file';
import type { LabCommand, LabSnapshot } from '../../src-shared/api/lab-api';
import { linksWhen, startLab, stopLab, waitForSnapshot } from '../helpers/labs';

/** The shipped scenario's lab and its Sybil command (the attack both runs below share). */
async function sybilScenario() {
  const scenario = await loadScenario('sybil-mean-vs-trimmed');
  const sybil = scenario.timeline.find((e) => e.command.op === 'sybil')?.command;
  if (!sybil || sybil.op !== 'sybil') throw new Error('the scenario has no sybil command');
  return { scenario, sybil: sybil as Extract<LabCommand, { op: 'sybil' }> };
}

/** Per coordinate, the lowest and highest state among the honest nodes that are up. */
function honestBox(s: LabSnapshot): { lo: number[]; hi: number[] } {
  const states = s.samples.filter((x) => x.liar === null && x.S.length > 0).map((x) => x.S);
  const d = states[0]!.length;
  const lo = Array.from({ length: d }, (_, c) => Math.min(...states.map((x) => x[c]!)));
  const hi = Array.from({ length: d }, (_, c) => Math.max(...states.map((x) => x[c]!)));
  return { lo, hi };
}

describe('sybil-mean-vs-trimmed', () => {
  async function attacked(aggregator: 'mean' | 'trimmed') {
    const { scenario, sybil } = await sybilScenario();
    const { nodes, topology, seed, params } = scenario.lab;
    const lab = await startLab({
      nodes,
      topology,
      seed,
      params: {
        ...params,
        ...(aggregator === 'trimmed' ? { aggregator, trimF: sybil.count } : {}),
      },
    });
    const first = await waitForSnapshot(lab, (s) => s.metrics && s, 'a first tick');
    return { lab, sybil, box: honestBox(first) };
  }

  it('under mean, the Sybils drag every honest node out of the honest range toward their target', async () => {
    const { lab, sybil, box } = await attacked('mean');
    try {
      const target = sybil.behaviour.kind === 'pull' ? sybil.behaviour.target : [];
      await lab.apply(sybil);
      // The honest mean leaves the honest box toward the target, and the whole honest cloud with it.
      const dragged = await waitForSnapshot(
        lab,
        (s) => {
          const b = honestBox(s);
          return b.lo.every((x, c) => x > box.hi[c]!) && s;
        },
        'every honest node past the top of the honest range',
        60_000,
      );
      const mean = dragged.metrics!.mean;
      for (let c = 0; c < mean.length; c++) {
        expect(mean[c]!).toBeGreaterThan(box.hi[c]!);
        expect(mean[c]!).toBeLessThan(target[c]!);
      }
    } finally {
      await stopLab(lab);
    }
  });

  it('under trimmed(F = Sybils per target), every honest node stays inside the honest range', async () => {
    const { lab, sybil, box } = await attacked('trimmed');
    try {
      await lab.apply(sybil);
      let ticks = 0;
      let worst = 0;
      // alpha is 0, so only peers move a state: W-MSR keeps each coordinate inside its honest range.
      await waitForSnapshot(
        lab,
        (s) => {
          const b = honestBox(s);
          for (let c = 0; c < b.lo.length; c++)
            worst = Math.max(worst, box.lo[c]! - b.lo[c]!, b.hi[c]! - box.hi[c]!);
          return (
            ++ticks >= 60 &&
            s.samples.filter((x) => x.liar !== null).every((x) => x.peers.length > 0)
          );
        },
        '60 ticks under attack',
        60_000,
      );
      expect(worst).toBeLessThanOrEqual(1e-9);
    } finally {
      await stopLab(lab);
    }
  });
});

describe('a liar sending garbage', () => {
  it('is penalised for every frame and then cut off by all its peers', async () => {
    const lab = await startLab({ nodes: 8, topology: 'complete', seed: 6 });
    try {
      await lab.apply({ op: 'liar', nodes: [0], behaviour: { kind: 'garbage' } });
      // Every peer reaches the bad-frame limit (one bad frame a cycle), hangs up and denies it.
      const cut = await linksWhen(lab, (ls) => ls.every(([a]) => a !== 0), 30_000);
      expect(cut.filter(([a]) => a === 0)).toEqual([]);
      const alone = await waitForSnapshot(
        lab,
        (s) => s.samples[0]!.peers.length === 0 && s,
        'node 0 without sessions',
      );
      expect(alone.samples[0]!.liar).toBe('garbage');
      // Denied: node 0 keeps dialling (its pool re-dials missing links) and is refused each time.
      await waitForSnapshot(
        lab,
        (s) => (s.metrics?.cycle ?? 0) >= (alone.metrics?.cycle ?? 0) + 10,
        '10 cycles',
      );
      expect((await lab.links()).filter(([a]) => a === 0)).toEqual([]);
      expect(lab.metrics!.counted).toBe(7);
    } finally {
      await stopLab(lab);
    }
  });
});
