import { describe, expect, it } from 'vitest';
import { ParamValueError } from '../../src-shared/drift/params';
import { errorMessage } from '../../src-shared/error-message';

describe('errorMessage', () => {
  it('is an Error`s message, without its name or stack', () => {
    expect(errorMessage(new RangeError('too far'))).toBe('too far');
    expect(errorMessage(new ParamValueError('beta', 2, 'in (0, 1]'))).toBe(
      'beta must be in (0, 1] (got 2)',
    );
  });

  it('writes anything else thrown as String() does', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ code: 'E' })).toBe('[object Object]');
  });
});
