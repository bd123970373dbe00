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
  after: 'start' | 'partition' | 'heal',
  since: number,
  cycles: number,
  ms: number,
): LabEvent => ({ type: 'converged', t, after, since, epsilon: 0.5, cycles, ms });
const PARTITION: LabCommand = { op: 'partition', partition: { kind: 'partition-halves' } };

describe('summariseLab', () => {
  it('is empty for a run with nothing in it', () => {
    const s = summariseLab([], []);
    expect(s).toEqual({
      convergence: [
        { after: 'start', scope: 'swarm', since: 0, until: null, converged: null, withdrawn: 0 },
      ],
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
    expect(summariseLab(events, []).convergence[0]?.converged).toEqual({ cycles: 16, ms: 3200 });
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

  it('one phase per partition and per heal, each with its convergence or null', () => {
    const events = [
      command(0, PARTITION),
      converged(1500, 'partition', 2, 4, 900),
      command(5000, { op: 'heal' }),
      converged(6000, 'heal', 5002, 9, 700),
      command(8000, PARTITION),
      command(12000, { op: 'heal' }),
    ];
    const s = summariseLab(events, []);
    expect(s.convergence.map((p) => [p.after, p.scope, p.since, p.converged])).toEqual([
      ['start', 'swarm', 0, null],
      ['partition', 'groups', 0, { cycles: 4, ms: 900 }],
      ['heal', 'swarm', 5000, { cycles: 9, ms: 700 }],
      ['partition', 'groups', 8000, null],
      ['heal', 'swarm', 12000, null],
    ]);
    expect(s.commands).toEqual({ partition: 2, heal: 2 });
  });
});
