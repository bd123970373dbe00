import type { LabEvent, TickMetrics } from '../api/lab-api';

/*
 * The lab's one convergence measure (docs/lab.md, "Convergence"). The lab runs it live and
 * records what it reports as events; the CLI's summary and the monitor read those events through
 * `convergencePhases`, so both say the same thing about the same run.
 *
 * A run falls into phases: from the start, from each partition (while it stands), from each heal.
 * What converges depends on the phase:
 *   - from the start or a heal: the swarm, spread under epsilon;
 *   - from a partition: each group on its own, every group's spread under epsilon. The swarm as
 *     a whole is never called converged while a partition stands: two halves whose means happen
 *     to lie close together are not in agreement, they cannot even talk.
 * A phase has converged when its measure holds in CONVERGE_RUN ticks in a row, and the time is
 * measured to the first tick of the run. If the measure fails again later in the phase, the
 * convergence is withdrawn ('unconverged') and only a later run counts: what the phase reports in
 * the end is the start of its final run under epsilon, not the first tick that dipped under.
 */

/** Ticks in a row the measure must hold before a phase counts as converged. */
export const CONVERGE_RUN = 3;

/** What a phase is measured from. */
export type ConvergeAfter = 'start' | 'partition' | 'heal';

/** What converges: the whole swarm, or each partition group on its own. */
export type ConvergeScope = 'swarm' | 'groups';

export function scopeOf(after: ConvergeAfter): ConvergeScope {
  return after === 'partition' ? 'groups' : 'swarm';
}

/** The fields of a tick the measure reads. */
export type ConvergeTick = Pick<TickMetrics, 't' | 'cycle' | 'counted' | 'spread' | 'groups'>;

/**
 * Whether one tick is under epsilon for a scope. A tick with fewer than two counted nodes never
 * is: one node or none has a spread of 0 that says nothing about agreement. NaN (not measured)
 * is not under anything.
 */
export function underEpsilon(m: ConvergeTick, scope: ConvergeScope, epsilon: number): boolean {
  if (m.counted < 2) return false;
  if (scope === 'swarm') return m.spread < epsilon;
  return m.groups.length > 0 && m.groups.every((g) => g.spread < epsilon);
}

/** The spread the scope measures: the swarm's, or the widest group's. */
export function measuredSpread(m: ConvergeTick, scope: ConvergeScope): number {
  if (scope === 'swarm') return m.spread;
  return m.groups.reduce((w, g) => (Number.isNaN(g.spread) ? NaN : Math.max(w, g.spread)), 0);
}

export class EpsilonError extends RangeError {
  override readonly name = 'EpsilonError';
  constructor(readonly epsilon: number) {
    super(`epsilon must be a finite number > 0 (got ${epsilon})`);
  }
}

export type ConvergedEvent = Extract<LabEvent, { type: 'converged' }>;
export type UnconvergedEvent = Extract<LabEvent, { type: 'unconverged' }>;

/**
 * Runs the measure tick by tick. `mark` starts a phase; `observe` returns 'converged' when a run
 * under epsilon reaches CONVERGE_RUN ticks, 'unconverged' when a tick of a converged phase is no
 * longer under epsilon, and null otherwise.
 */
export class ConvergenceTracker {
  private reference: { after: ConvergeAfter; t: number; cycle: number } | null = null;
  private run: { length: number; t: number; cycle: number } | null = null;
  private reported = false;

  constructor(readonly epsilon: number) {
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new EpsilonError(epsilon);
  }

  /** Measures from here on: the lab's start, a partition or a heal at time t (ms), median cycle. */
  mark(after: ConvergeAfter, t: number, cycle: number): void {
    this.reference = { after, t, cycle };
    this.run = null;
    this.reported = false;
  }

  observe(m: ConvergeTick): ConvergedEvent | UnconvergedEvent | null {
    const ref = this.reference;
    // A tick taken before the mark describes the network before the command.
    if (ref === null || m.t < ref.t) return null;
    const scope = scopeOf(ref.after);
    const { epsilon } = this;
    if (!underEpsilon(m, scope, epsilon)) {
      const withdrawn = this.reported;
      this.run = null;
      this.reported = false;
      if (!withdrawn) return null;
      const spread = measuredSpread(m, scope);
      return { t: m.t, type: 'unconverged', after: ref.after, since: ref.t, epsilon, spread };
    }
    this.run = this.run
      ? { ...this.run, length: this.run.length + 1 }
      : { length: 1, t: m.t, cycle: m.cycle };
    if (this.reported || this.run.length < CONVERGE_RUN) return null;
    this.reported = true;
    return {
      t: m.t,
      type: 'converged',
      after: ref.after,
      since: ref.t,
      epsilon,
      // The median cycle can fall when the longest-running nodes die; never report < 0.
      cycles: Math.max(0, this.run.cycle - ref.cycle),
      ms: this.run.t - ref.t,
    };
  }
}

/** A phase's start, as the lab marks it. */
export interface PhaseMark {
  readonly after: ConvergeAfter;
  readonly t: number;
  readonly cycle: number;
}

/**
 * The tracker's events over a whole sequence of ticks, with the phases' marks: what the lab
 * reports live, for a recorded or constructed run. A mark applies to the ticks at or after it.
 */
export function measureConvergence(
  ticks: readonly ConvergeTick[],
  marks: readonly PhaseMark[],
  epsilon: number,
): Array<ConvergedEvent | UnconvergedEvent> {
  const tracker = new ConvergenceTracker(epsilon);
  const pending = [...marks].sort((a, b) => a.t - b.t);
  const out: Array<ConvergedEvent | UnconvergedEvent> = [];
  for (const m of ticks) {
    while (pending.length > 0 && pending[0]!.t <= m.t) {
      const mark = pending.shift()!;
      tracker.mark(mark.after, mark.t, mark.cycle);
    }
    const e = tracker.observe(m);
    if (e) out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------- reading the events

/** A convergence: median cycles and milliseconds from the phase's start. */
export interface ConvergeTime {
  readonly cycles: number;
  readonly ms: number;
}

export interface ConvergencePhase {
  readonly after: ConvergeAfter;
  readonly scope: ConvergeScope;
  /** When the phase began, ms since the lab started (the command's time). */
  readonly since: number;
  /** When the next phase began; null for the phase still running at the end. */
  readonly until: number | null;
  /** The start of the final run under epsilon, or null when the phase has none that holds. */
  readonly converged: ConvergeTime | null;
  /** How many times a convergence in this phase was withdrawn because the spread rose again. */
  readonly withdrawn: number;
}

/**
 * The phases of a run and how each one converged, from its events. Phases start at t = 0, at
 * every partition command and at every heal (or nemesis-stop) that ends a partition; a heal with
 * no partition in place changes nothing and starts none. A convergence event belongs to the
 * latest phase of its kind that began at or before its `since` (the lab marks a phase once the
 * command has been carried out, a moment after the command's own time); one with no such phase
 * (a log cut at its start) starts its phase at `since`.
 */
export function convergencePhases(events: readonly LabEvent[]): ConvergencePhase[] {
  type Mutable = { -readonly [K in keyof ConvergencePhase]: ConvergencePhase[K] };
  const phases: Mutable[] = [
    { after: 'start', scope: 'swarm', since: 0, until: null, converged: null, withdrawn: 0 },
  ];
  const open = (after: ConvergeAfter, since: number): Mutable => {
    const last = phases.at(-1)!;
    last.until ??= since;
    const p: Mutable = {
      after,
      scope: scopeOf(after),
      since,
      until: null,
      converged: null,
      withdrawn: 0,
    };
    phases.push(p);
    return p;
  };
  // Searched from the newest: a tick sampled while a command was being carried out can still
  // report on the phase before it, after the command's event.
  const phaseOf = (e: ConvergedEvent | UnconvergedEvent): Mutable =>
    phases.findLast((p) => p.after === e.after && p.since <= e.since) ?? open(e.after, e.since);
  let partitioned = false;
  for (const e of events) {
    if (e.type === 'command') {
      const { op } = e.command;
      if (op === 'partition') {
        partitioned = true;
        open('partition', e.t);
      } else if ((op === 'heal' || op === 'nemesis-stop') && partitioned) {
        partitioned = false;
        open('heal', e.t);
      }
    } else if (e.type === 'converged') {
      phaseOf(e).converged = { cycles: e.cycles, ms: e.ms };
    } else if (e.type === 'unconverged') {
      const p = phaseOf(e);
      p.converged = null;
      p.withdrawn += 1;
    }
  }
  return phases;
}
