import { describe, expect, it } from 'vitest';
import {
  checkParam,
  DEFAULT_PARAMS,
  NODE_WEIGHTINGS,
  NUMERIC_PARAMS,
  ParamConflictError,
  ParamError,
  ParamValueError,
  resolveParams,
  UnknownParamError,
  type NumericParam,
  type NumericSpec,
} from '../../src-shared/drift/params';

/*
 * The parameter table: defaults inside their ranges, every bound enforced exactly (open or
 * closed, integer or not), and one-line messages that name the parameter, the allowed range
 * and the offending value.
 */

const names = Object.keys(NUMERIC_PARAMS) as NumericParam[];
const specOf = (name: NumericParam): NumericSpec => NUMERIC_PARAMS[name];

/** The neighbouring doubles of x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  buf.setBigUint64(0, buf.getBigUint64(0) + (x > 0 ? 1n : -1n));
  return buf.getFloat64(0);
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

/** A bound as a message may print it: 1000000000000 or 1e12. */
function boundPattern(x: number): string {
  const forms = new Set([String(x), x.toExponential().replace('e+', 'e')]);
  return `(?:${[...forms].map((f) => f.replace(/[.+]/g, '\\$&')).join('|')})`;
}

function rangePattern(s: NumericSpec): string {
  if (s.integer) return `an integer in ${boundPattern(s.min)}\\.\\.${boundPattern(s.max)}`;
  return `in ${s.minOpen ? '\\(' : '\\['}${boundPattern(s.min)}, ${boundPattern(s.max)}${
    s.maxOpen ? '\\)' : '\\]'
  }`;
}

/** Values just outside the range, and the bounds themselves when they are open. */
function justOutside(s: NumericSpec): number[] {
  if (s.integer) return [s.min - 1, s.max + 1, s.min + 0.5];
  return [
    s.minOpen ? s.min : nextDown(s.min),
    s.maxOpen ? s.max : nextUp(s.max),
    // A clearly wrong value too, so that the check is not only about the last bit.
    s.min - 1,
  ];
}

/** Values just inside (the bounds themselves when closed). */
function justInside(s: NumericSpec): number[] {
  if (s.integer) return [s.min, s.max];
  return [s.minOpen ? nextUp(s.min) : s.min, s.maxOpen ? nextDown(s.max) : s.max];
}

/** Other parameters that keep the cross checks quiet while `name` is at `value`. */
function withCompanions(name: NumericParam, value: number): Record<string, number> {
  if (name === 'maxDiff') return { maxDiff: value, anomalyLimit: 1e12 };
  // shards <= dimensions: the largest dimension leaves every shard count of the range valid.
  if (name === 'shards') return { shards: value, dimensions: 64 };
  if (name === 'anomalyLimit') {
    const valid = value > 0 && value <= 1e12;
    return { anomalyLimit: value, maxDiff: valid ? Math.min(value, 1e-9) : 1e-9 };
  }
  return { [name]: value };
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ParamError);
    return (e as Error).message;
  }
  throw new Error('expected a ParamError');
}

describe('defaults', () => {
  it.each(names)('%s has its default inside its own range', (name) => {
    const s = specOf(name);
    const v = DEFAULT_PARAMS[name];
    expect(v).toBe(s.default);
    expect(Number.isFinite(v)).toBe(true);
    if (s.integer) expect(Number.isInteger(v)).toBe(true);
    expect(s.minOpen ? v > s.min : v >= s.min).toBe(true);
    expect(s.maxOpen ? v < s.max : v <= s.max).toBe(true);
    expect(checkParam(name, v)).toBe(v);
  });

  it('are the seeds` values and pass the cross checks', () => {
    expect(resolveParams({})).toEqual(DEFAULT_PARAMS);
    expect(resolveParams(undefined)).toEqual(DEFAULT_PARAMS);
    expect(DEFAULT_PARAMS.alpha).toBe(0.05);
    expect(DEFAULT_PARAMS.beta).toBe(0.1);
    expect(DEFAULT_PARAMS.dimensions).toBe(2);
    expect(DEFAULT_PARAMS.aggregator).toBe('mean');
    expect(DEFAULT_PARAMS.maxDiff).toBeLessThanOrEqual(DEFAULT_PARAMS.anomalyLimit);
    expect(Object.isFrozen(DEFAULT_PARAMS)).toBe(true);
  });

  it('cannot be changed through a resolved object', () => {
    const p = resolveParams({ alpha: 0.02 });
    expect(Object.isFrozen(p)).toBe(true);
    expect(DEFAULT_PARAMS.alpha).toBe(0.05);
  });
});

describe('numeric ranges', () => {
  for (const name of names) {
    const s = specOf(name);
    it.each(justOutside(s))(`${name} rejects %s with a one-line message`, (value) => {
      for (const f of [
        () => resolveParams(withCompanions(name, value)),
        () => checkParam(name, value),
      ]) {
        const msg = messageOf(f);
        expect(msg).not.toContain('\n');
        expect(msg).toMatch(
          new RegExp(`^${name} must be ${rangePattern(s)} \\(got ${String(value)}\\)$`),
        );
      }
    });

    it(`${name} accepts the values just inside its range`, () => {
      for (const value of justInside(s)) {
        expect(resolveParams(withCompanions(name, value))[name]).toBe(value);
        expect(checkParam(name, value)).toBe(value);
      }
    });
  }

  it('prints ranges as a user reads them (hand-written for a few parameters)', () => {
    expect(messageOf(() => resolveParams({ alpha: 1.5 }))).toBe(
      'alpha must be in [0, 1] (got 1.5)',
    );
    expect(messageOf(() => resolveParams({ beta: 0 }))).toBe('beta must be in (0, 1] (got 0)');
    expect(messageOf(() => resolveParams({ lossLimit: 1 }))).toBe(
      'lossLimit must be in (0, 1) (got 1)',
    );
    expect(messageOf(() => resolveParams({ dimensions: 65 }))).toBe(
      'dimensions must be an integer in 1..64 (got 65)',
    );
    expect(messageOf(() => resolveParams({ trimF: 2.5 }))).toBe(
      'trimF must be an integer in 0..32 (got 2.5)',
    );
    expect(messageOf(() => resolveParams({ drainZ: 0.5 }))).toBe(
      'drainZ must be in [1, 100] (got 0.5)',
    );
  });

  it.each([NaN, Infinity, -Infinity])('rejects %s for every numeric parameter, naming it', (v) => {
    for (const name of names) {
      const msg = messageOf(() => resolveParams({ [name]: v }));
      expect(msg.startsWith(name)).toBe(true);
      expect(msg).not.toContain('\n');
      expect(messageOf(() => checkParam(name, v))).toMatch(
        new RegExp(`^${name} must be .* \\(got ${String(v)}\\)$`),
      );
    }
  });

  it('rejects a number given as a string, naming the parameter', () => {
    const msg = messageOf(() => resolveParams({ alpha: '0.1' }));
    expect(msg.startsWith('alpha')).toBe(true);
    expect(msg).not.toContain('\n');
  });
});

describe('choices and unknown keys', () => {
  it('rejects an unknown aggregator or weighting with the allowed values and the value', () => {
    // Quoted, as a string given for a number is and as the CLI quotes a word.
    expect(messageOf(() => resolveParams({ aggregator: 'mode' }))).toBe(
      'aggregator must be one of mean, trimmed, median (got "mode")',
    );
    expect(messageOf(() => resolveParams({ weighting: 'stake' }))).toBe(
      'weighting must be one of claimed, uniform, metropolis (got "stake")',
    );
    expect(messageOf(() => resolveParams({ aggregator: 3 }))).toBe(
      'aggregator must be one of mean, trimmed, median (got 3)',
    );
  });

  it('offers a node the weightings it can compute from what it hears', () => {
    // Metropolis weighs by both ends' degrees; a node knows its own, never its peers'.
    expect(NODE_WEIGHTINGS).toEqual(['claimed', 'uniform']);
  });

  it('rejects an unknown key, naming it', () => {
    const msg = messageOf(() => resolveParams({ alpah: 0.1 }));
    expect(msg).toMatch(/^unknown parameter alpah\b/);
    expect(msg).not.toContain('\n');
    expect(messageOf(() => resolveParams({ beta: 0.2, gamma: 1 }))).toMatch(
      /^unknown parameter gamma\b/,
    );
  });

  it('rejects a non-object, saying what it got', () => {
    expect(messageOf(() => resolveParams(5))).toBe(
      'drift parameters must be an object of name: value (got number)',
    );
    expect(messageOf(() => resolveParams([0.1]))).toBe(
      'drift parameters must be an object of name: value (got an array)',
    );
  });

  it('resolves over a base, keeping what the input leaves out', () => {
    const base = resolveParams({ alpha: 0.02, beta: 0.3 });
    const p = resolveParams({ beta: 0.4 }, base);
    expect(p.alpha).toBe(0.02);
    expect(p.beta).toBe(0.4);
    expect(resolveParams({ alpha: undefined }, base).alpha).toBe(0.02);
  });
});

describe('cross checks', () => {
  it('rejects maxDiff over anomalyLimit, naming both values', () => {
    expect(messageOf(() => resolveParams({ maxDiff: 60 }))).toBe(
      'maxDiff (60) must not exceed anomalyLimit (50)',
    );
    expect(messageOf(() => resolveParams({ maxDiff: 10, anomalyLimit: 9.5 }))).toBe(
      'maxDiff (10) must not exceed anomalyLimit (9.5)',
    );
    // Over the base's anomaly limit as well.
    const base = resolveParams({ anomalyLimit: 20, maxDiff: 20 });
    expect(() => resolveParams({ maxDiff: 21 }, base)).toThrow(ParamError);
  });

  it('accepts maxDiff equal to anomalyLimit', () => {
    const p = resolveParams({ maxDiff: 25, anomalyLimit: 25 });
    expect(p.maxDiff).toBe(25);
    expect(p.anomalyLimit).toBe(25);
  });

  it.each(['trimmed', 'median'])('rejects metropolis weighting with %s', (aggregator) => {
    expect(messageOf(() => resolveParams({ weighting: 'metropolis', aggregator }))).toBe(
      `weighting metropolis works with aggregator mean only (got ${aggregator})`,
    );
  });

  it('accepts metropolis weighting with the mean, and trimmed with other weightings', () => {
    expect(resolveParams({ weighting: 'metropolis' }).weighting).toBe('metropolis');
    expect(resolveParams({ weighting: 'uniform', aggregator: 'trimmed' }).aggregator).toBe(
      'trimmed',
    );
    expect(resolveParams({ weighting: 'claimed', aggregator: 'median' }).aggregator).toBe('median');
  });
});

describe('errors carry what was wrong as fields', () => {
  function thrown(f: () => unknown): unknown {
    try {
      f();
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  }

  it('a value out of range: the parameter, the value as given and the range', () => {
    for (const f of [() => resolveParams({ beta: 2 }), () => checkParam('beta', 2)]) {
      const e = thrown(f);
      expect(e).toBeInstanceOf(ParamValueError);
      expect(e).toMatchObject({ param: 'beta', given: 2, allowed: 'in (0, 1]', params: ['beta'] });
    }
    // A number given as a string is kept as the string it was.
    expect(thrown(() => resolveParams({ alpha: '0.1' }))).toMatchObject({
      param: 'alpha',
      given: '0.1',
      allowed: 'in [0, 1]',
    });
    expect(thrown(() => resolveParams({ weighting: 'stake' }))).toMatchObject({
      param: 'weighting',
      given: 'stake',
      allowed: 'one of claimed, uniform, metropolis',
    });
  });

  it('unknown names: every one of them, and the known ones', () => {
    const e = thrown(() => resolveParams({ gamma: 1, alpah: 0.1 }));
    expect(e).toBeInstanceOf(UnknownParamError);
    expect(e).toMatchObject({ unknown: ['gamma', 'alpah'], params: ['gamma', 'alpah'] });
    expect((e as UnknownParamError).known).toEqual([
      ...Object.keys(NUMERIC_PARAMS),
      'aggregator',
      'weighting',
    ]);
  });

  it('a conflict: the relation, both parameters and both values', () => {
    const e = thrown(() => resolveParams({ maxDiff: 60 }));
    expect(e).toBeInstanceOf(ParamConflictError);
    expect(e).toMatchObject({
      relation: 'maxDiff <= anomalyLimit',
      params: ['maxDiff', 'anomalyLimit'],
      given: { maxDiff: 60, anomalyLimit: 50 },
    });
    expect(
      thrown(() => resolveParams({ weighting: 'metropolis', aggregator: 'median' })),
    ).toMatchObject({
      relation: 'metropolis needs mean',
      params: ['aggregator', 'weighting'],
      given: { weighting: 'metropolis', aggregator: 'median' },
    });
    // Three shards of two components would leave one shard without a component.
    const shards = thrown(() => resolveParams({ shards: 3 }));
    expect(shards).toMatchObject({
      relation: 'shards <= dimensions',
      params: ['shards', 'dimensions'],
      given: { shards: 3, dimensions: 2 },
    });
    expect((shards as Error).message).toBe(
      'shards (3) must not exceed dimensions (2): a shard is at least one component',
    );
    expect(resolveParams({ shards: 3, dimensions: 3 }).shards).toBe(3);
  });

  it('describe words the same line with the caller`s names for the parameters', () => {
    const flag = (name: string) => `--${name.toLowerCase()}`;
    const value = thrown(() => resolveParams({ drainZ: 0.5 })) as ParamError;
    expect(value.describe(flag)).toBe('--drainz must be in [1, 100] (got 0.5)');
    const conflict = thrown(() => resolveParams({ maxDiff: 10, anomalyLimit: 9.5 })) as ParamError;
    expect(conflict.describe(flag)).toBe('--maxdiff (10) must not exceed --anomalylimit (9.5)');
    // With no names given, the message itself.
    expect(conflict.describe()).toBe(conflict.message);
  });
});
