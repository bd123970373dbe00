import {
  AGGREGATORS,
  checkParam,
  NUMERIC_PARAMS,
  ParamError,
  ParamValueError,
  resolveParams,
  type Aggregator,
  type DriftParams,
  type NumericParam,
  type Weighting,
} from '../../src-shared/drift/params';
import type { Command } from 'commander';
import {
  CappedNodesError,
  checkCappedNodes,
  type CappedNodes,
} from '../../src-shared/sim/shard-book';
import { UsageError } from './errors';

/*
 * Flag parsers: each turns the text of one flag into a value or a UsageError that names the
 * flag and what it accepts. Commander calls them as it reads the command line.
 */

function toNumber(flag: string, text: string): number {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v)) throw new UsageError(`--${flag} must be a number (got "${text}")`);
  return v;
}

/** An integer flag in [min, max]. */
export function integerFlag(flag: string, min: number, max: number) {
  return (text: string): number => {
    const v = toNumber(flag, text);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new UsageError(`--${flag} must be an integer in ${min}..${max} (got ${text})`);
    return v;
  };
}

/** A number flag in [min, max]. */
export function numberFlag(flag: string, min: number, max: number) {
  return (text: string): number => {
    const v = toNumber(flag, text);
    if (v < min || v > max)
      throw new UsageError(`--${flag} must be in [${min}, ${max}] (got ${text})`);
    return v;
  };
}

/**
 * A flag that sets a drift parameter, held to the parameter's own range. Relations between
 * parameters (maxDiff <= anomalyLimit, ...) are checked once all flags are read: see paramsFrom.
 */
export function paramFlag(flag: string, name: NumericParam) {
  return (text: string): number => {
    const v = toNumber(flag, text);
    try {
      return checkParam(name, v);
    } catch (err) {
      // The text as typed, not the number it became: "1e3" stays "1e3" in the line.
      if (err instanceof ParamValueError)
        throw new UsageError(`--${flag} must be ${err.allowed} (got ${text})`);
      throw err;
    }
  };
}

/** One of a fixed set of words. */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[]) {
  return (text: string): T => {
    if (!(choices as readonly string[]).includes(text))
      throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got "${text}")`);
    return text as T;
  };
}

/** `--set name=value`, repeatable: any drift parameter not given a flag of its own. */
export function collectSetting(
  text: string,
  previous: Record<string, number> = {},
): Record<string, number> {
  const match = /^([A-Za-z]+)=(.*)$/.exec(text);
  const name = match?.[1];
  if (!match || !name || !(name in NUMERIC_PARAMS))
    throw new UsageError(
      `--set takes name=value with name one of ${Object.keys(NUMERIC_PARAMS).join(', ')} (got "${text}")`,
    );
  return { ...previous, [name]: paramFlag(`set ${name}`, name as NumericParam)(match[2] ?? '') };
}

/**
 * Resolves the collected parameters, turning a cross-parameter conflict into a UsageError that
 * names flags rather than parameters: `flags` maps a parameter to the flag that sets it; any
 * other parameter is set with `--set name=value`. The error words its own line with those
 * names, so no message text is rewritten here.
 */
export function paramsFrom(
  values: Partial<Record<keyof DriftParams, unknown>>,
  flags: Partial<Record<keyof DriftParams, string>> = {},
): DriftParams {
  try {
    return resolveParams(values);
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    throw new UsageError(
      err.describe((name) => flags[name as keyof DriftParams] ?? `--set ${name}`),
    );
  }
}

/** `--aggregator`: `mean`, `median`, `trimmed` or `trimmed:F`. */
export function parseAggregator(text: string): { aggregator: Aggregator; trimF?: number } {
  const [name, f, extra] = text.split(':');
  const forms = `${AGGREGATORS.join(', ')} or trimmed:F`;
  if (extra !== undefined || !(AGGREGATORS as readonly string[]).includes(name ?? ''))
    throw new UsageError(`--aggregator must be ${forms} (got "${text}")`);
  if (f === undefined) return { aggregator: name as Aggregator };
  if (name !== 'trimmed') throw new UsageError(`--aggregator must be ${forms} (got "${text}")`);
  return { aggregator: 'trimmed', trimF: paramFlag('aggregator trimmed:F', 'trimF')(f) };
}

/** A parameter that has a flag of its own may not be given with `--set` as well. */
export function refuseSetForFlags(
  set: Record<string, number> | undefined,
  flags: Partial<Record<keyof DriftParams, string>>,
): void {
  for (const name of Object.keys(set ?? {}))
    if (name in flags)
      throw new UsageError(`--set ${name}: use ${flags[name as keyof DriftParams]} instead`);
}

/** Drift parameters with a flag of their own in `lvs sim` and `lvs node` (the rest: --set). */
export const PARAM_FLAGS = {
  dimensions: '--dimensions',
  alpha: '--alpha',
  beta: '--beta',
  trimF: '--aggregator trimmed:F',
  aggregator: '--aggregator',
  weighting: '--weights',
} as const;

/**
 * Drift parameters that only `lvs sim` has flags for: a node holds the whole state until the
 * node implements shards (docs/shards.md).
 */
export const SIM_PARAM_FLAGS = { shards: '--shards', replication: '--replication' } as const;

/** The drift flags both commands share. */
export interface DriftFlags {
  readonly dimensions: number;
  readonly alpha: number;
  readonly beta: number;
  readonly aggregator: string;
  readonly weights: Weighting;
  readonly set?: Record<string, number>;
}

/**
 * The drift parameters from the shared flags and --set, every value and relation checked;
 * `simOnly` are the values of a command's SIM_PARAM_FLAGS (null: it has none).
 */
export function driftParamsFromFlags(
  flags: DriftFlags,
  simOnly: Readonly<Record<keyof typeof SIM_PARAM_FLAGS, number>> | null = null,
): DriftParams {
  const { aggregator, trimF } = parseAggregator(flags.aggregator);
  const names = simOnly === null ? PARAM_FLAGS : { ...PARAM_FLAGS, ...SIM_PARAM_FLAGS };
  refuseSetForFlags(flags.set, names);
  return paramsFrom(
    {
      ...flags.set,
      ...simOnly,
      dimensions: flags.dimensions,
      alpha: flags.alpha,
      beta: flags.beta,
      aggregator,
      ...(trimF === undefined ? {} : { trimF }),
      weighting: flags.weights,
    },
    names,
  );
}

/** Adds the drift flags `lvs sim` and `lvs node` share (each adds its own --weights). */
export function withDriftOptions(cmd: Command): Command {
  const p = NUMERIC_PARAMS;
  return cmd
    .option(
      '--dimensions <d>',
      'components of the value state',
      paramFlag('dimensions', 'dimensions'),
      p.dimensions.default,
    )
    .option('--alpha <a>', 'entropy weight', paramFlag('alpha', 'alpha'), p.alpha.default)
    .option('--beta <b>', 'peer weight, 0 < beta <= 1', paramFlag('beta', 'beta'), p.beta.default)
    .option('--aggregator <name>', `${AGGREGATORS.join(', ')} or trimmed:F`, 'mean');
}

/** What `--capped` and `--capped-shards` read into. */
export interface CappedFlags {
  capped?: number;
  cappedShards?: number;
}

/**
 * `--capped <share> --capped-shards <n>` (docs/shards.md, "Nodes of small capacity"): the same
 * two flags, with the same help, on every command that runs many nodes.
 */
export function withCappedOptions(cmd: Command): Command {
  return cmd
    .option(
      '--capped <share>',
      'share of the nodes (and of newcomers) that hold at most --capped-shards shards',
      numberFlag('capped', 0, 1),
    )
    .option(
      '--capped-shards <n>',
      'the most shards a capped node holds, 1..K (docs/shards.md, "Capacity")',
      integerFlag('capped-shards', 1, 10_000),
    );
}

/**
 * The capped nodes the flags ask for, checked against K: both flags or neither, K > 1, and n a
 * node's maxShards (1..K). `shardsFlag` is how the command sets K (`--shards`, `--set shards`),
 * named when K is 1. Null: neither flag was given.
 */
export function cappedFlags(flags: CappedFlags, K: number, shardsFlag: string): CappedNodes | null {
  const { capped: share, cappedShards: shards } = flags;
  if (share === undefined && shards === undefined) return null;
  if (share === undefined || shards === undefined)
    throw new UsageError(
      `--capped and --capped-shards go together: the share of nodes capped, and the most shards they hold`,
    );
  try {
    return checkCappedNodes({ share, shards }, K);
  } catch (err) {
    if (!(err instanceof CappedNodesError)) throw err;
    throw new UsageError(
      err.fault === 'shards-one'
        ? `--capped needs ${shardsFlag} above 1: with one shard every node holds the whole state`
        : `--capped-shards ${err.message}`,
    );
  }
}
