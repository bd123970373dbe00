import { describe, expect, it } from 'vitest';
import type { LabCommand, LabEvent } from '../../src-shared/api/lab-api';
import {
  CONVERGE_RUN,
  ConvergenceTracker,
  EpsilonError,
  convergencePhases,
  measureConvergence,
  type ConvergeTick,
  type PhaseMark,
} from '../../src-shared/lab/convergence';
import { describeEvent, describePhase } from '../../src-shared/lab/describe';

/*
 * The convergence measure (docs/lab.md, "Convergence") on constructed runs. Ticks come every
 * 200 ms and a node runs one cycle per tick, so a tick at t ms is at cycle t / 200; every
 * expected time below is read off the sequence by the definition: from the phase's mark to the
 * first tick of the final run of at least CONVERGE_RUN ticks under epsilon.
 */

const EPS = 0.5;
const TICK_MS = 200;

/** Ticks at `from`, `from + 200`, ... with these swarm spreads (and group spreads, if any). */
function ticks(from: number, spreads: readonly number[], groups: readonly number[][] = []) {
  return spreads.map((spread, i): ConvergeTick => ({
    t: from + i * TICK_MS,
    cycle: (from + i * TICK_MS) / TICK_MS,
    counted: 12,
    spread,
    groups: (groups[i] ?? []).map((s) => ({ mean: [], spread: s })),
  }));
}

const mark = (after: PhaseMark['after'], t: number): PhaseMark => ({
  after,
  t,
  cycle: t / TICK_MS,
});
const command = (t: number, c: LabCommand): LabEvent => ({ type: 'command', t, command: c });
const PARTITION: LabCommand = { op: 'partition', partition: { kind: 'partition-halves' } };
const HEAL: LabCommand = { op: 'heal' };

/** The events of a run: its commands and what the measure reports, in time order. */
function run(
  sequence: readonly ConvergeTick[],
  commands: readonly [number, LabCommand][],
): LabEvent[] {
  const marks = [mark('start', 0)];
  let partitioned = false;
  for (const [t, c] of commands) {
    if (c.op === 'partition') {
      partitioned = true;
      marks.push(mark('partition', t));
    } else if (c.op === 'heal' && partitioned) {
      partitioned = false;
      marks.push(mark('heal', t));
    }
  }
  const measured = measureConvergence(sequence, marks, EPS);
  return [...commands.map(([t, c]) => command(t, c)), ...measured].sort((a, b) => a.t - b.t);
}

describe('the convergence measure', () => {
  it('needs three ticks in a row under epsilon', () => {
    expect(CONVERGE_RUN).toBe(3);
  });

  it('while partitioned it never says the swarm converged, only "within each group"', () => {
    // Two halves whose means lie close: the swarm's spread is under epsilon throughout (0.3),
    // which alone would read as converged. Each group's own spread is 0.9 until 2.0 s and 0.2
    // from 2.2 s on, so the groups converge 1.2 s after the partition at 1.0 s.
    const before = ticks(0, [3, 3, 3, 3, 3]); // 0 .. 800 ms, no partition yet
    const during = ticks(
      1000,
      Array.from({ length: 20 }, () => 0.3),
      Array.from({ length: 20 }, (_, i) => (1000 + i * TICK_MS <= 2000 ? [0.9, 0.9] : [0.2, 0.1])),
    );
    const events = run([...before, ...during], [[1000, PARTITION]]);
    const measured = events.filter((e) => e.type === 'converged' || e.type === 'unconverged');
    expect(measured).toEqual([
      {
        t: 2600, // the third tick of the run that starts at 2200
        type: 'converged',
        after: 'partition',
        since: 1000,
        epsilon: EPS,
        cycles: (2200 - 1000) / TICK_MS,
        ms: 1200,
      },
    ]);
    const phases = convergencePhases(events);
    expect(phases.map((p) => [p.after, p.scope, p.since, p.until, p.converged])).toEqual([
      ['start', 'swarm', 0, 1000, null],
      ['partition', 'groups', 1000, null, { cycles: 6, ms: 1200 }],
    ]);
    const lines = phases.map((p) => describePhase(p, 4800));
    expect(lines).toEqual([
      'not converged between the start and 1.00 s',
      'converged within each group 1.20 s (6 cycles) after the partition at 1.00 s',
    ]);
    // No line, and no event line, calls the partitioned swarm converged as a whole.
    for (const line of [...lines, ...events.map(describeEvent)])
      if (/\bconverged\b/.test(line) && !line.startsWith('not '))
        expect(line).toContain('within each group');
  });

  it('a partition whose groups never settle is not converged, however close their means', () => {
    const events = run(
      ticks(
        0,
        Array.from({ length: 10 }, () => 0.1),
        Array.from({ length: 10 }, () => [0.2, 0.7]),
      ),
      [[0, PARTITION]],
    );
    expect(events.some((e) => e.type === 'converged')).toBe(false);
    const [phase] = convergencePhases(events).filter((p) => p.after === 'partition');
    expect(describePhase(phase!, 1800)).toBe(
      'not converged within each group after the partition at 0.00 s within the run (1.80 s)',
    );
  });

  it('after a heal: from the heal to the start of the final run under epsilon', () => {
    // Healed at 5.0 s. The spread dips under epsilon for two ticks (5.2, 5.4 s: too short to
    // count), rises to 0.7, then falls under at 6.0 s and stays: reconverged 1.0 s (5 cycles)
    // after the heal.
    const partitioned = ticks(
      1000,
      Array.from({ length: 20 }, () => 4),
      Array.from({ length: 20 }, () => [0.1, 0.1]),
    );
    const healed = ticks(5000, [0.9, 0.4, 0.45, 0.6, 0.7, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1]);
    const events = run(
      [...partitioned, ...healed],
      [
        [1000, PARTITION],
        [5000, HEAL],
      ],
    );
    const heal = convergencePhases(events).find((p) => p.after === 'heal');
    expect(heal?.converged).toEqual({ ms: 6000 - 5000, cycles: 5 });
    expect(describePhase(heal!, 7000)).toBe(
      'reconverged 1.00 s (5 cycles) after the heal at 5.00 s',
    );
  });

  it('a spread grazing epsilon does not count until it stays under', () => {
    // From the start: under epsilon at 0.2-0.6 s (three ticks: converged, for now), over it at
    // 0.8 s (withdrawn), under again from 1.0 s to the end. The run that lasts starts at 1.0 s.
    const sequence = ticks(0, [2, 0.45, 0.49, 0.4, 0.55, 0.3, 0.3, 0.2, 0.2]);
    const events = run(sequence, []);
    expect(events.map((e) => [e.type, e.t])).toEqual([
      ['converged', 600],
      ['unconverged', 800],
      ['converged', 1400],
    ]);
    expect(events[1]).toMatchObject({ after: 'start', since: 0, epsilon: EPS, spread: 0.55 });
    const [start] = convergencePhases(events);
    expect(start).toMatchObject({ converged: { ms: 1000, cycles: 5 }, withdrawn: 1 });
    expect(describePhase(start!, 1600)).toBe('converged 1.00 s (5 cycles) after the start');
  });

  it('a run still too short at the end is not converged, and says it was under for a while', () => {
    const events = run(ticks(0, [2, 0.4, 0.4, 0.4, 0.8, 0.4, 0.4]), []);
    const [start] = convergencePhases(events);
    expect(start?.converged).toBeNull();
    expect(describePhase(start!, 1200)).toBe(
      'not converged after the start within the run (1.20 s) (under ε for a while, then over it again)',
    );
    expect(describePhase(start!, null)).toBe(
      'not converged yet after the start (under ε for a while, then over it again)',
    );
  });

  it('epsilon itself is not under epsilon, and a tick with one counted node breaks the run', () => {
    const tracker = new ConvergenceTracker(EPS);
    tracker.mark('start', 0, 0);
    const [a, b, c, d, e, f] = ticks(0, [0.4, 0.4, EPS, 0.4, 0.4, 0.4]);
    for (const t of [a!, b!, c!, d!, e!]) expect(tracker.observe(t)).toBeNull();
    expect(tracker.observe({ ...f!, counted: 1 })).toBeNull();
    const later = ticks(1200, [0.4, 0.4, 0.4]);
    expect(tracker.observe(later[0]!)).toBeNull();
    expect(tracker.observe(later[1]!)).toBeNull();
    expect(tracker.observe(later[2]!)).toMatchObject({ ms: 1200, cycles: 6 });
  });

  it('ticks taken before a mark are ignored; epsilon must be finite and > 0', () => {
    const tracker = new ConvergenceTracker(EPS);
    expect(tracker.observe(ticks(0, [0.1])[0]!)).toBeNull(); // no mark yet
    tracker.mark('heal', 1000, 5);
    expect(tracker.observe(ticks(800, [0.1])[0]!)).toBeNull();
    expect(() => new ConvergenceTracker(0)).toThrow(EpsilonError);
    expect(() => new ConvergenceTracker(Number.NaN)).toThrow(EpsilonError);
    expect(() => new ConvergenceTracker(Infinity)).toThrow(EpsilonError);
  });
});

describe('convergencePhases', () => {
  const converged = (after: 'start' | 'heal', since: number, ms: number): LabEvent => ({
    type: 'converged',
    t: since + ms + 400,
    after,
    since,
    epsilon: EPS,
    cycles: ms / TICK_MS,
    ms,
  });

  it('a heal with no partition in place starts no phase; nemesis-stop heals a partition', () => {
    const events = [
      converged('start', 0, 2800),
      command(4000, HEAL),
      command(5000, PARTITION),
      command(9000, { op: 'nemesis-stop' }),
      converged('heal', 9001, 600),
    ];
    expect(convergencePhases(events).map((p) => [p.after, p.since, p.converged?.ms])).toEqual([
      ['start', 0, 2800],
      ['partition', 5000, undefined],
      ['heal', 9000, 600],
    ]);
  });

  it('a report on the phase before a command, logged after it, stays with that phase', () => {
    // The partition's event is logged when it is given; a tick sampled while the cut is being
    // carried out still reports on the start.
    const events = [command(3000, PARTITION), converged('start', 0, 2400)];
    const phases = convergencePhases(events);
    expect(phases.map((p) => [p.after, p.converged?.ms])).toEqual([
      ['start', 2400],
      ['partition', undefined],
    ]);
  });

  it('a reconvergence without its heal command (a cut log) starts its phase at its since', () => {
    const phases = convergencePhases([converged('heal', 1500, 400)]);
    expect(phases.at(-1)).toMatchObject({ after: 'heal', since: 1500, converged: { ms: 400 } });
  });

  it('a recording made before the measure kept epsilon still reads', () => {
    const old: LabEvent = {
      type: 'converged',
      t: 900,
      after: 'start',
      since: 0,
      cycles: 3,
      ms: 600,
    };
    expect(describeEvent(old)).toBe('converged 0.60 s (3 cycles) after the start');
  });
});
