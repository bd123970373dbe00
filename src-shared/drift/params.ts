import { ParamConflictError, ParamError, ParamValueError, UnknownParamError } from './param-errors';

/**
 * Every tunable of the drift rule, with its default and allowed range in one table, so that
 * validation, command-line help and the model document cannot disagree.
 */
export const AGGREGATORS = ['mean', 'trimmed', 'median'] as const;
export type Aggregator = (typeof AGGREGATORS)[number];

/**
 * How a receiver weighs its peers: by the drift coefficient each claims, uniformly (every
 * peer as if it claimed 1, as the seeds average), or by Metropolis-Hastings.
 */
export const WEIGHTINGS = ['claimed', 'uniform', 'metropolis'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

/**
 * Whether a weighting needs every peer's degree, which only the simulator knows: a node (and
 * so a lab) cannot use it. `satisfies Record` makes the compiler ask about a new weighting.
 */
export const NEEDS_PEER_DEGREES = {
  claimed: false,
  uniform: false,
  metropolis: true,
} as const satisfies Record<Weighting, boolean>;

/** The weightings a node can use, in WEIGHTINGS' order. */
export const NODE_WEIGHTINGS: readonly Weighting[] = WEIGHTINGS.filter(
  (w) => !NEEDS_PEER_DEGREES[w],
);

export interface NumericSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The bound itself is not allowed. */
  readonly minOpen?: boolean;
  readonly maxOpen?: boolean;
  readonly integer?: boolean;
  readonly doc: string;
}

export const NUMERIC_PARAMS = {
  dimensions: {
    default: 2,
    min: 1,
    max: 64,
    integer: true,
    doc: 'components of the value state S',
  },
  alpha: { default: 0.05, min: 0, max: 1, doc: 'weight of the entropy force (seeds: 0.01..0.10)' },
  beta: {
    default: 0.1,
    min: 0,
    max: 1,
    minOpen: true,
    doc: 'weight of the peer force (seeds: 0.05..0.20); the step is a convex combination',
  },
  trimF: {
    default: 1,
    min: 0,
    max: 32,
    integer: true,
    doc: 'F of trimmed(F): diffs dropped at each end, per coordinate',
  },
  maxDiff: {
    default: 10,
    min: 0,
    max: 1e12,
    minOpen: true,
    doc: 'diff clamp: |diff_j| <= maxDiff (VU)',
  },
  anomalyLimit: {
    default: 50,
    min: 0,
    max: 1e12,
    minOpen: true,
    doc: 'diffs longer than this are anomalies: excluded, and TC lowered (VU)',
  },
  maxDrift: {
    default: 2,
    min: 0,
    max: 1e12,
    minOpen: true,
    doc: 'drift clamp: |D| <= maxDrift (VU)',
  },
  wMax: { default: 4, min: 0, max: 1e6, minOpen: true, doc: "bound on a sender's claimed weight" },
  lossLimit: {
    default: 0.05,
    min: 0,
    max: 1,
    minOpen: true,
    maxOpen: true,
    doc: 'largest share of sum(S) one cycle may remove',
  },
  forceLimit: {
    default: 5,
    min: 0,
    max: 1e12,
    minOpen: true,
    doc: 'mean accepted |diff| that switches recovery mode on (off under half of it)',
  },
  earnRate: { default: 0.01, min: 0, max: 1e3, doc: 'VU earned per cycle at full participation' },
  tcRise: {
    default: 0.01,
    min: 0,
    max: 1,
    doc: 'share of the gap to 1 that TC gains per accepted cycle',
  },
  tcDrop: { default: 0.5, min: 0, max: 1, doc: 'share of TC lost on every anomaly' },
  drainPenalty: {
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'TC lost per cycle while a peer is flagged as draining',
  },
  drainZ: {
    default: 4,
    min: 1,
    max: 100,
    doc: 'one-sided z-score over which a peer counts as draining',
  },
  drainMinSamples: {
    default: 16,
    min: 1,
    max: 1e6,
    doc: 'evidence (decayed count of telling cycles) needed before the drain test may fire',
  },
  drainMemory: {
    default: 0.95,
    min: 0,
    max: 1,
    maxOpen: true,
    doc: 'per-cycle decay of the drain evidence (0.95: about 20 cycles)',
  },
  tcSelfWindow: {
    default: 100,
    min: 1,
    max: 1e6,
    doc: 'cycles over which tcSelf (share of uncorrected own steps) is averaged',
  },
  shards: {
    default: 1,
    min: 1,
    max: 64,
    integer: true,
    doc: 'K: shards the state is split into, contiguous ranges of components (1: one whole state)',
  },
  replication: {
    default: 3,
    min: 1,
    max: 64,
    integer: true,
    doc: "r: holders of each shard that every node's neighbourhood keeps (docs/shards.md)",
  },
} as const satisfies Record<string, NumericSpec>;

export type NumericParam = keyof typeof NUMERIC_PARAMS;

export type DriftParams = { readonly [K in NumericParam]: number } & {
  readonly aggregator: Aggregator;
  readonly weighting: Weighting;
};

export const DEFAULT_PARAMS: DriftParams = Object.freeze({
  ...(Object.fromEntries(Object.entries(NUMERIC_PARAMS).map(([k, spec]) => [k, spec.default])) as {
    [K in NumericParam]: number;
  }),
  aggregator: 'mean',
  weighting: 'claimed',
});

export {
  ParamConflictError,
  ParamError,
  ParamValueError,
  UnknownParamError,
  type NameOf,
} from './param-errors';

/** 1000000 and above as 1e6, so that ranges stay readable. */
function bound(x: number): string {
  return Math.abs(x) >= 1e6 ? x.toExponential().replace('e+', 'e') : String(x);
}

/** "in (0, 1]", "an integer in 1..64" */
export function describeRange(spec: NumericSpec): string {
  if (spec.integer) return `an integer in ${bound(spec.min)}..${bound(spec.max)}`;
  return `in ${spec.minOpen ? '(' : '['}${bound(spec.min)}, ${bound(spec.max)}${spec.maxOpen ? ')' : ']'}`;
}

function inRange(spec: NumericSpec, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.integer && !Number.isInteger(v)) return false;
  if (spec.minOpen ? v <= spec.min : v < spec.min) return false;
  if (spec.maxOpen ? v >= spec.max : v > spec.max) return false;
  return true;
}

const CHOICES = { aggregator: AGGREGATORS, weighting: WEIGHTINGS } as const;

const KNOWN = [...Object.keys(NUMERIC_PARAMS), ...Object.keys(CHOICES)];

/** The first parameter of `input` that cannot be used, in the table's order, or null. */
function firstProblem(input: Readonly<Record<string, unknown>>): ParamError | null {
  for (const [name, spec] of Object.entries(NUMERIC_PARAMS) as Array<[string, NumericSpec]>) {
    const v = input[name];
    if (v !== undefined && !(typeof v === 'number' && inRange(spec, v)))
      return new ParamValueError(name, v, describeRange(spec));
  }
  for (const [name, words] of Object.entries(CHOICES) as Array<[string, readonly string[]]>) {
    const v = input[name];
    if (v !== undefined && !(typeof v === 'string' && words.includes(v)))
      return new ParamValueError(name, v, `one of ${words.join(', ')}`);
  }
  const unknown = Object.keys(input).filter((k) => !KNOWN.includes(k));
  return unknown.length > 0 ? new UnknownParamError(unknown, KNOWN) : null;
}

/** Relations between parameters that single ranges cannot say. Returns the first violation. */
function crossCheck(p: DriftParams): ParamConflictError | null {
  if (p.maxDiff > p.anomalyLimit)
    return new ParamConflictError('maxDiff <= anomalyLimit', {
      maxDiff: p.maxDiff,
      anomalyLimit: p.anomalyLimit,
    });
  // A shard is a non-empty range of components.
  if (p.shards > p.dimensions)
    return new ParamConflictError('shards <= dimensions', {
      shards: p.shards,
      dimensions: p.dimensions,
    });
  if (p.weighting === 'metropolis' && p.aggregator !== 'mean')
    return new ParamConflictError('metropolis needs mean', {
      weighting: p.weighting,
      aggregator: p.aggregator,
    });
  return null;
}

/**
 * Validates a partial set of parameters over the defaults (or over `base`). Throws a
 * ParamError subclass whose fields say which parameter, what was given and what is allowed,
 * and whose message is one line that says the same.
 */
export function resolveParams(input: unknown, base: DriftParams = DEFAULT_PARAMS): DriftParams {
  const given = input ?? {};
  if (typeof given !== 'object' || Array.isArray(given))
    throw new ParamError(
      `drift parameters must be an object of name: value (got ${Array.isArray(given) ? 'an array' : typeof given})`,
    );
  const fields = given as Readonly<Record<string, unknown>>;
  const problem = firstProblem(fields);
  if (problem) throw problem;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  const params = Object.freeze({ ...base, ...defined }) as DriftParams;
  const conflict = crossCheck(params);
  if (conflict) throw conflict;
  return params;
}

/** Checks one numeric value against a parameter's range (used for single flags and settings). */
export function checkParam(name: NumericParam, value: number): number {
  const spec: NumericSpec = NUMERIC_PARAMS[name];
  if (!inRange(spec, value)) throw new ParamValueError(name, value, describeRange(spec));
  return value;
}
