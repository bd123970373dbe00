/*
 * Errors of drift parameters. Each says what was wrong as fields (which parameter, what was
 * given, what is allowed), so that a caller points at a form field or rewords the line for its
 * own names (a flag, `--set name`) without reading the message. `message` is the line with the
 * parameters' own names: one line naming what was wrong and what is allowed.
 */

/** How a caller names a parameter: a flag, a form label. */
export type NameOf = (param: string) => string;

const ownName: NameOf = (param) => param;

/** A value as a user typed it: strings quoted, so that "0.1" is told from 0.1. */
function shown(given: unknown): string {
  return typeof given === 'string' ? JSON.stringify(given) : String(given);
}

/**
 * Drift parameters that cannot be used. This class itself is for input that is wrong as a
 * whole (not an object); the subclasses below are for one parameter or a relation.
 */
export class ParamError extends Error {
  override readonly name: string = 'ParamError';
  constructor(
    message: string,
    /** The parameters at fault, the one to point at first; empty when no one parameter is. */
    readonly params: readonly string[] = [],
  ) {
    super(message);
  }

  /** The line with each parameter named by `nameOf` (this class's line names none). */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the subclasses use it
  describe(nameOf: NameOf = ownName): string {
    return this.message;
  }
}

/** One parameter's value outside its range, or not one of its words. */
export class ParamValueError extends ParamError {
  override readonly name = 'ParamValueError';
  constructor(
    readonly param: string,
    /** The value given, as it came (a number, or a string where a number belongs). */
    readonly given: unknown,
    /** What is allowed, in words: "in (0, 1]", "one of mean, trimmed, median". */
    readonly allowed: string,
  ) {
    super(`${param} must be ${allowed} (got ${shown(given)})`, [param]);
  }

  override describe(nameOf: NameOf = ownName): string {
    return `${nameOf(this.param)} must be ${this.allowed} (got ${shown(this.given)})`;
  }
}

/** Names that are not drift parameters. */
export class UnknownParamError extends ParamError {
  override readonly name = 'UnknownParamError';
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(`unknown parameter ${unknown.join(', ')} (known: ${known.join(', ')})`, unknown);
  }
}

/** Relations between parameters that single ranges cannot say. */
export type ParamRelation =
  'maxDiff <= anomalyLimit' | 'shards <= dimensions' | 'metropolis needs mean';

/** Two parameters each within its range, but not allowed together. */
export class ParamConflictError extends ParamError {
  override readonly name = 'ParamConflictError';
  constructor(
    readonly relation: ParamRelation,
    /** The two parameters' values, by name. */
    readonly given: Readonly<Record<string, number | string>>,
  ) {
    super(conflictLine(relation, given, ownName), RELATED[relation]);
  }

  override describe(nameOf: NameOf = ownName): string {
    return conflictLine(this.relation, this.given, nameOf);
  }
}

/** The parameters of each relation, the one a user would change first ahead. */
const RELATED: Record<ParamRelation, readonly [string, string]> = {
  'maxDiff <= anomalyLimit': ['maxDiff', 'anomalyLimit'],
  'shards <= dimensions': ['shards', 'dimensions'],
  'metropolis needs mean': ['aggregator', 'weighting'],
};

function conflictLine(
  relation: ParamRelation,
  given: Readonly<Record<string, number | string>>,
  nameOf: NameOf,
): string {
  const v = (name: string) => String(given[name]);
  switch (relation) {
    case 'maxDiff <= anomalyLimit':
      return `${nameOf('maxDiff')} (${v('maxDiff')}) must not exceed ${nameOf('anomalyLimit')} (${v('anomalyLimit')})`;
    case 'shards <= dimensions':
      return `${nameOf('shards')} (${v('shards')}) must not exceed ${nameOf('dimensions')} (${v('dimensions')}): a shard is at least one component`;
    case 'metropolis needs mean':
      return `${nameOf('weighting')} metropolis works with ${nameOf('aggregator')} mean only (got ${v('aggregator')})`;
  }
}
