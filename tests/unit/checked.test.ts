import { describe, expect, it } from 'vitest';
import { accept, refuse, type Checked } from '../../src-shared/checked';

describe('the checked shape', () => {
  it('accepts a value under `value`', () => {
    expect(accept(3)).toEqual({ ok: true, value: 3 });
  });

  it('refuses with one line, and structured fields beside it', () => {
    expect(refuse('no')).toEqual({ ok: false, reason: 'no' });
    const r: Checked<number, { readonly field: string }> = refuse('nodes is 0', { field: 'nodes' });
    expect(r).toEqual({ ok: false, reason: 'nodes is 0', field: 'nodes' });
  });

  it('keeps `ok` and `reason` whatever the extra fields say', () => {
    const sneaky = { ok: true, reason: 'fine' } as object;
    expect(refuse('bad', sneaky)).toEqual({ ok: false, reason: 'bad' });
  });
});
