import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src-main/cli/errors';
import { paramFlag, paramsFrom, PARAM_FLAGS } from '../../src-main/cli/flags';

/*
 * The drift flags' errors name flags, not parameters: the parameter error words its own line
 * with the flag names (PARAM_FLAGS, else `--set name`), so nothing rewrites its text.
 */

function usageLine(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('drift flags in errors', () => {
  it('a relation between --set parameters names both as --set', () => {
    // anomalyLimit is at its default, 50.
    expect(usageLine(() => paramsFrom({ maxDiff: 100 }, PARAM_FLAGS))).toBe(
      '--set maxDiff (100) must not exceed --set anomalyLimit (50)',
    );
  });

  it('metropolis with another aggregator names the two flags, each before its value', () => {
    expect(
      usageLine(() => paramsFrom({ weighting: 'metropolis', aggregator: 'median' }, PARAM_FLAGS)),
    ).toBe('--weights metropolis works with --aggregator mean only (got median)');
  });

  it('a parameter name inside a value is left alone', () => {
    // An unknown name spelt like a flag's parameter: only the error's fields are renamed, so
    // the list of known names stays the parameters' own (it is what --set takes).
    const line = usageLine(() => paramsFrom({ betaa: 1 } as Record<string, unknown>, PARAM_FLAGS));
    expect(line).toMatch(/^unknown parameter betaa \(known: dimensions, alpha, beta, /);
  });

  it('a single flag out of range shows the text as typed', () => {
    expect(usageLine(() => paramFlag('alpha', 'alpha')('1e3'))).toBe(
      '--alpha must be in [0, 1] (got 1e3)',
    );
    expect(usageLine(() => paramFlag('set drainZ', 'drainZ')('0.5'))).toBe(
      '--set drainZ must be in [1, 100] (got 0.5)',
    );
  });
});
