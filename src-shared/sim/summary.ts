import { RULES, type RuleName } from '../drift/rules';
import type { CycleMetrics } from './simulator';

/** Spread thresholds, as shares of the initial spread, that a run reports the crossing of. */
export const SPREAD_THRESHOLDS = [1e-1, 1e-2, 1e-3, 1e-6] as const;

export interface SimSummary {
  readonly cycles: number;
  readonly initialSpread: number;
  readonly finalSpread: number;
  readonly finalMaxDistance: number;
  /** First cycle at which spread <= threshold * initial spread (null: not reached). */
  readonly cyclesTo: readonly { readonly threshold: number; readonly cycle: number | null }[];
  readonly finalWander: number;
  readonly maxWander: number;
  readonly interventions: Record<RuleName, number>;
}

/** Condenses per-cycle metrics (cycle 0, the initial state, first) into the end-of-run table. */
export function summarise(metrics: readonly CycleMetrics[]): SimSummary {
  const first = metrics[0];
  const last = metrics[metrics.length - 1];
  if (!first || !last) throw new RangeError('a run summary needs at least the initial metrics');
  const cyclesTo = SPREAD_THRESHOLDS.map((threshold) => ({
    threshold,
    cycle: metrics.find((m) => m.spread <= threshold * first.spread)?.cycle ?? null,
  }));
  const interventions = Object.fromEntries(
    RULES.map((rule) => [rule, metrics.reduce((sum, m) => sum + m.interventions[rule], 0)]),
  ) as Record<RuleName, number>;
  return {
    cycles: last.cycle,
    initialSpread: first.spread,
    finalSpread: last.spread,
    finalMaxDistance: last.maxDistance,
    cyclesTo,
    finalWander: last.wander,
    maxWander: metrics.reduce((mx, m) => Math.max(mx, m.wander), 0),
    interventions,
  };
}
