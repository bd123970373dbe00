import { describe, expect, it, vi } from 'vitest';
import { checkParamsForm } from '../../src-renderer/lib/validate';
import { DEFAULT_PARAMS, ParamValueError, resolveParams } from '../../src-shared/drift/params';

/*
 * The parameters form points at the field a ParamError names in its fields, whatever its
 * message says.
 */

const reworded = vi.hoisted(() => ({ on: false }));

vi.mock('../../src-shared/drift/params', async (original) => {
  const real = await original<typeof import('../../src-shared/drift/params')>();
  return {
    ...real,
    resolveParams: (input: unknown, base?: Parameters<typeof real.resolveParams>[1]) => {
      try {
        return real.resolveParams(input, base);
      } catch (err) {
        // The same error with other words: a message that no longer starts with its parameter.
        if (reworded.on && err instanceof real.ParamError)
          err.message = 'the value you typed is outside what is allowed';
        throw err;
      }
    },
  };
});

const form = { alpha: '0.05', beta: '0.1', aggregator: 'mean', trimF: '1' };

describe('checkParamsForm finds the field by the error`s fields', () => {
  it('finds beta when the message is worded without the parameter`s name', () => {
    reworded.on = true;
    try {
      const r = checkParamsForm({ ...form, beta: '2' }, DEFAULT_PARAMS);
      expect(r).toEqual({
        ok: false,
        field: 'beta',
        reason: 'the value you typed is outside what is allowed',
      });
    } finally {
      reworded.on = false;
    }
  });

  it('points at the aggregator typed here when it conflicts with metropolis weighting', () => {
    // The weighting is not on this form: the aggregator is the field to change.
    const current = resolveParams({ weighting: 'metropolis' });
    const r = checkParamsForm({ ...form, aggregator: 'median' }, current);
    expect(r).toEqual({
      ok: false,
      field: 'aggregator',
      reason: 'weighting metropolis works with aggregator mean only (got median)',
    });
  });

  it('the mock passes the real errors through', () => {
    expect(() => resolveParams({ beta: 2 })).toThrow(ParamValueError);
  });
});
