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
  /** Runs with shards or churn: what the swarm kept and what it lost (docs/shards.md). */
  readonly shards?: ShardSummary;
}

export interface ShardSummary {
  /** Nodes that left over the run (as many joined). */
  readonly left: number;
  /** The fewest holders of any shard in any neighbourhood at the end of a cycle, cycle 1 on. */
  readonly holdersMin: number;
  /** The same right after a churn, before its repair round: the low point. */
  readonly lowPoint: number;
  /** Neighbourhood-shard pairs that lost every holder at once, over the run. */
  readonly gapsOpened: number;
  readonly repairCyclesMax: number | null;
  /** Each shard lost, with its cycle: events, in order. */
  readonly lost: readonly { readonly shard: number; readonly cycle: number }[];
  readonly shardsPerNode: number;
}

function summariseShards(metrics: readonly CycleMetrics[]): ShardSummary | undefined {
  const cycles = metrics.slice(1).filter((m) => m.shards !== undefined);
  const last = metrics[metrics.length - 1]?.shards;
  if (!last) return undefined;
  let repairCyclesMax: number | null = null;
  for (const m of cycles)
    if (m.shards?.repairCyclesMax != null)
      repairCyclesMax = Math.max(repairCyclesMax ?? 0, m.shards.repairCyclesMax);
  const over = (f: (s: NonNullable<CycleMetrics['shards']>) => number) =>
    cycles.map((m) => (m.shards ? f(m.shards) : NaN));
  return {
    left: over((s) => s.left).reduce((a, b) => a + b, 0),
    holdersMin: Math.min(...over((s) => Math.min(...s.holdersMin))),
    lowPoint: Math.min(...over((s) => s.lowPoint)),
    gapsOpened: over((s) => s.gapsOpened).reduce((a, b) => a + b, 0),
    repairCyclesMax,
    lost: metrics.flatMap((m) =>
      (m.shards?.lost ?? []).map((shard) => ({ shard, cycle: m.cycle })),
    ),
    shardsPerNode: last.shardsPerNode,
  };
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
    ...(last.shards ? { shards: summariseShards(metrics) } : {}),
  };
}
