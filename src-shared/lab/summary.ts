import type { LabCommand, LabEvent, TickMetrics } from '../api/lab-api';
import { RULES, type RuleName } from '../drift/rules';

/*
 * What a lab run comes to, from its events and its ticks: the same for a live run (`lvs lab`)
 * and for a recording read back (`lvs lab --replay`). Pure: no clock, no I/O.
 *
 * Heals are followed through the commands as the lab applies them: a `heal` (or a
 * `nemesis-stop`) while a partition is in place is a heal the lab measures reconvergence from; a
 * `heal` with no partition in place changes nothing and is not one. A 'converged' event measured
 * after a heal belongs to the latest heal (the lab measures from the newest heal only).
 */

/** A convergence: median cycles and milliseconds from the start or from a heal. */
export interface ConvergeTime {
  readonly cycles: number;
  readonly ms: number;
}

export interface HealSummary {
  /** When the heal was applied, ms since the lab started. */
  readonly at: number;
  /** How long the swarm took to converge again, or null when it did not within the run. */
  readonly reconverged: ConvergeTime | null;
}

export interface LabSummary {
  /** Time from the start to the first convergence, or null when it did not converge (or a heal
   *  came first: the lab then measures from the heal). */
  readonly converged: ConvergeTime | null;
  readonly heals: readonly HealSummary[];
  /** Mean outbound bytes per counted node per minute over the ticks (null with under 2 ticks). */
  readonly bytesPerNodeMin: number | null;
  /** Mean outbound drift frames per counted node per second (null with under 2 ticks). */
  readonly framesPerNodeS: number | null;
  /** The last tick's spread (null without ticks, or when it was not measured). */
  readonly finalSpread: number | null;
  /** VaultGuard interventions by rule at the last tick (totals over the honest nodes). */
  readonly interventions: Record<RuleName, number>;
  /** Commands applied, by op. */
  readonly commands: Readonly<Partial<Record<LabCommand['op'], number>>>;
  /** Ticks summarised, and the time of the last one (ms; 0 without ticks). */
  readonly ticks: number;
  readonly lastTickMs: number;
}

/** The fields of a tick the summary uses: a live run can keep just these for a long run. */
export type SummaryTick = Pick<
  TickMetrics,
  't' | 'spread' | 'framesPerNodeS' | 'bytesPerNodeS' | 'interventions'
>;

/** Mean of the finite values, or null when there are none. */
function meanOf(values: readonly number[]): number | null {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? null : finite.reduce((a, b) => a + b, 0) / finite.length;
}

export function summariseLab(
  events: readonly LabEvent[],
  ticks: readonly SummaryTick[],
): LabSummary {
  let converged: ConvergeTime | null = null;
  const heals: Array<{ at: number; reconverged: ConvergeTime | null }> = [];
  const commands: Partial<Record<LabCommand['op'], number>> = {};
  let partitioned = false;
  for (const e of events) {
    if (e.type === 'command') {
      const { op } = e.command;
      commands[op] = (commands[op] ?? 0) + 1;
      if (op === 'partition') partitioned = true;
      else if ((op === 'heal' || op === 'nemesis-stop') && partitioned) {
        partitioned = false;
        heals.push({ at: e.t, reconverged: null });
      }
    } else if (e.type === 'converged') {
      const time = { cycles: e.cycles, ms: e.ms };
      if (e.after === 'start') converged ??= time;
      else {
        const last = heals.at(-1);
        // A heal whose command is missing (a log cut at its start) still counts, from `since`.
        if (last && last.reconverged === null && last.at <= e.since) last.reconverged = time;
        else heals.push({ at: e.since, reconverged: time });
      }
    }
  }
  // The first tick's rates are 0 by definition (nothing to measure them against).
  const rated = ticks.slice(1);
  const bytes = meanOf(rated.map((t) => t.bytesPerNodeS));
  const last = ticks.at(-1);
  const interventions = Object.fromEntries(
    RULES.map((r) => [r, last?.interventions[r] ?? 0]),
  ) as Record<RuleName, number>;
  return {
    converged,
    heals,
    bytesPerNodeMin: bytes === null ? null : bytes * 60,
    framesPerNodeS: meanOf(rated.map((t) => t.framesPerNodeS)),
    finalSpread: last && Number.isFinite(last.spread) ? last.spread : null,
    interventions,
    commands,
    ticks: ticks.length,
    lastTickMs: last?.t ?? 0,
  };
}
