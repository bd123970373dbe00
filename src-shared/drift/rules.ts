/**
 * VaultGuard's rules. The numeric ids index the per-rule counters that the drift kernel
 * fills; the names are what logs, stores and the monitor show.
 */
export const RULES = [
  'finite-state',
  'vu-nonnegative',
  'drift-clamp',
  'diff-clamp',
  'anomaly-bound',
  'catastrophic-loss',
  'drain-detection',
  'weight-bound',
  'recovery-enter',
  'recovery-exit',
] as const;

export type RuleName = (typeof RULES)[number];

export const Rule = {
  Finite: 0,
  VuNonNegative: 1,
  DriftClamp: 2,
  DiffClamp: 3,
  Anomaly: 4,
  CatastrophicLoss: 5,
  Drain: 6,
  WeightBound: 7,
  RecoveryEnter: 8,
  RecoveryExit: 9,
} as const satisfies Record<string, number>;

export type RuleId = (typeof Rule)[keyof typeof Rule];

export const RULE_COUNT = RULES.length;

/** Where the kernel reports an intervention: node and peer are state indices (peer -1: none). */
export type InterventionSink = (
  rule: RuleId,
  node: number,
  peer: number,
  value: number,
  limit: number,
) => void;

/** One intervention, as logged, stored and shown. */
export interface VaultEvent {
  readonly rule: RuleName;
  /** The offending peer's index (or session id, above the kernel); absent for the node's own step. */
  readonly peer?: number | string;
  /** What was measured (a norm, a share, a claimed weight). */
  readonly value: number;
  /** The bound it was held to. */
  readonly limit: number;
  readonly reason: string;
}

const fmt = (x: number): string =>
  Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x);

/** The sentence a user reads for an intervention. */
export function describeIntervention(rule: RuleId, value: number, limit: number): string {
  switch (rule) {
    case Rule.Finite:
      return `a non-finite number (${fmt(value)}) was kept out of the state`;
    case Rule.VuNonNegative:
      return `a component would have gone to ${fmt(value)} VU; held at 0`;
    case Rule.DriftClamp:
      return `drift |D| = ${fmt(value)} clamped to ${fmt(limit)}`;
    case Rule.DiffClamp:
      return `peer diff |diff| = ${fmt(value)} clamped to ${fmt(limit)}`;
    case Rule.Anomaly:
      return `peer diff |diff| = ${fmt(value)} over the anomaly limit ${fmt(limit)}: excluded, trust lowered`;
    case Rule.CatastrophicLoss:
      return `step would remove ${fmt(value * 100)}% of sum(S); scaled back to ${fmt(limit * 100)}%, recovery on`;
    case Rule.Drain:
      return `peer pulls toward less value far more often than chance (z = ${fmt(value)} > ${fmt(limit)}): trust lowered`;
    case Rule.WeightBound:
      return `peer claimed weight ${fmt(value)}; bounded to [0, ${fmt(limit)}]`;
    case Rule.RecoveryEnter:
      return value > limit
        ? `mean |diff| ${fmt(value)} over the force limit ${fmt(limit)}: recovery mode on`
        : `recovery mode on after a catastrophic loss (mean |diff| ${fmt(value)})`;
    case Rule.RecoveryExit:
      return `mean |diff| ${fmt(value)} under ${fmt(limit)}: recovery mode off`;
  }
}

export function makeEvent(
  rule: RuleId,
  value: number,
  limit: number,
  peer?: number | string,
): VaultEvent {
  const reason = describeIntervention(rule, value, limit);
  return peer === undefined
    ? { rule: RULES[rule], value, limit, reason }
    : { rule: RULES[rule], peer, value, limit, reason };
}

/** Zeroed per-rule counters, indexed by RuleId. */
export function emptyCounts(): Float64Array {
  return new Float64Array(RULE_COUNT);
}

/** Counters as a plain record keyed by rule name, for printing and storing. */
export function countsByRule(counts: ArrayLike<number>): Record<RuleName, number> {
  return Object.fromEntries(RULES.map((name, i) => [name, counts[i] ?? 0])) as Record<
    RuleName,
    number
  >;
}
