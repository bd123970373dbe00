import { describe, expect, it } from 'vitest';
import type { LabCommand, LabEvent } from '../../src-shared/api/lab-api';
import { RULES, type RuleName } from '../../src-shared/drift/rules';
import { summariseLab, type SummaryTick } from '../../src-shared/lab/summary';

const none = (): Record<RuleName, number> =>
  Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;

const tick = (
  t: number,
  bytesPerNodeS: number,
  framesPerNodeS: number,
  spread = 1,
  interventions: Partial<Record<RuleName, number>> = {},
): SummaryTick => ({
  t,
  spread,
  bytesPerNodeS,
  framesPerNodeS,
  interventions: { ...none(), ...interventions },
});

const command = (t: number, c: LabCommand): LabEvent => ({ type: 'command', t, command: c });
const converged = (
  t: number,
  after: 'start' | 'heal',
  since: number,
  cycles: number,
  ms: number,
): LabEvent => ({ type: 'converged', t, after, since, cycles, ms });
const PARTITION: LabCommand = { op: 'partition', partition: { kind: 'partition-halves' } };

describe('summariseLab', () => {
  it('is empty for a run with nothing in it', () => {
    const s = summariseLab([], []);
    expect(s).toEqual({
      converged: null,
      heals: [],
      bytesPerNodeMin: null,
      framesPerNodeS: null,
      finalSpread: null,
      interventions: none(),
      commands: {},
      ticks: 0,
      lastTickMs: 0,
    });
  });

  it('takes the time to converge from the start event', () => {
    const events: LabEvent[] = [
      { type: 'node', t: 0, slot: -1, what: '10 nodes started' },
      converged(3400, 'start', 0, 16, 3200),
    ];
    expect(summariseLab(events, []).converged).toEqual({ cycles: 16, ms: 3200 });
  });

  it('rates: mean of the ticks after the first, bytes per minute', () => {
    // The first tick's 0 would pull the means down if it counted.
    const ticks = [tick(100, 0, 0), tick(200, 100, 10), tick(300, 300, 30), tick(400, NaN, NaN)];
    const s = summariseLab([], ticks);
    expect(s.bytesPerNodeMin).toBe(200 * 60);
    expect(s.framesPerNodeS).toBe(20);
    expect(s.ticks).toBe(4);
    expect(s.lastTickMs).toBe(400);
    expect(summariseLab([], [tick(100, 0, 0)]).bytesPerNodeMin).toBeNull();
  });

  it('final spread and interventions come from the last tick', () => {
    const s = summariseLab(
      [],
      [tick(100, 0, 0, 8, { 'diff-clamp': 5 }), tick(200, 1, 1, 0.25, { 'diff-clamp': 7 })],
    );
    expect(s.finalSpread).toBe(0.25);
    expect(s.interventions['diff-clamp']).toBe(7);
    expect(s.interventions['drain-detection']).toBe(0);
    expect(summariseLab([], [tick(100, 0, 0, NaN)]).finalSpread).toBeNull();
  });

  it('counts commands by op', () => {
    const events = [
      command(10, { op: 'kill', nodes: [1] }),
      command(20, { op: 'revive', nodes: [1] }),
      command(30, { op: 'kill', nodes: [2, 3] }),
    ];
    expect(summariseLab(events, []).commands).toEqual({ kill: 2, revive: 1 });
  });

  it('one entry per heal, with its reconvergence or null', () => {
    const events = [
      command(0, PARTITION),
      command(5000, { op: 'heal' }),
      converged(6000, 'heal', 5002, 9, 700),
      command(8000, PARTITION),
      command(12000, { op: 'heal' }),
    ];
    const s = summariseLab(events, []);
    expect(s.converged).toBeNull();
    expect(s.heals).toEqual([
      { at: 5000, reconverged: { cycles: 9, ms: 700 } },
      { at: 12000, reconverged: null },
    ]);
    expect(s.commands).toEqual({ partition: 2, heal: 2 });
  });

  it('a heal with no partition in place is not a heal; nemesis-stop heals a partition', () => {
    const events = [
      converged(3000, 'start', 0, 15, 2900),
      command(4000, { op: 'heal' }),
      command(5000, PARTITION),
      command(9000, { op: 'nemesis-stop' }),
      converged(9900, 'heal', 9001, 4, 500),
    ];
    const s = summariseLab(events, []);
    expect(s.converged).toEqual({ cycles: 15, ms: 2900 });
    expect(s.heals).toEqual([{ at: 9000, reconverged: { cycles: 4, ms: 500 } }]);
  });

  it('a reconvergence without its heal command (a cut log) still counts, from its since', () => {
    const s = summariseLab([converged(2000, 'heal', 1500, 3, 400)], []);
    expect(s.heals).toEqual([{ at: 1500, reconverged: { cycles: 3, ms: 400 } }]);
  });
});
