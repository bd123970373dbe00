import type { LabCommand, LabEvent, TickMetrics } from '../api/lab-api';
import { RULES, type RuleName } from '../drift/rules';

import { convergencePhases, type ConvergencePhase } from './convergence';

/*
 * What a lab run comes to, from its events and its ticks: the same for a live run (`lvs lab`)
 * and for a recording read back (`lvs lab --replay`). Pure: no clock, no I/O. Convergence is
 * read from the lab's own convergence events by the one measure (./convergence.ts).
 */

export interface LabSummary {
  /** Each phase (the start, every partition, every heal that ended one) and how it converged. */
  readonly convergence: readonly ConvergencePhase[];
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
  const commands: Partial<Record<LabCommand['op'], number>> = {};
  for (const e of events) {
    if (e.type === 'command') commands[e.command.op] = (commands[e.command.op] ?? 0) + 1;
  }
  // The first tick's rates are 0 by definition (nothing to measure them against).
  const rated = ticks.slice(1);
  const bytes = meanOf(rated.map((t) => t.bytesPerNodeS));
  const last = ticks.at(-1);
  const interventions = Object.fromEntries(
    RULES.map((r) => [r, last?.interventions[r] ?? 0]),
  ) as Record<RuleName, number>;
  return {
    convergence: convergencePhases(events),
    bytesPerNodeMin: bytes === null ? null : bytes * 60,
    framesPerNodeS: meanOf(rated.map((t) => t.framesPerNodeS)),
    finalSpread: last && Number.isFinite(last.spread) ? last.spread : null,
    interventions,
    commands,
    ticks: ticks.length,
    lastTickMs: last?.t ?? 0,
  };
}
