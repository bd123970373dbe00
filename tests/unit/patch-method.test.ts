// The wire fixes' one way of replacing a library method: once per realm, loudly when the method
// is gone (src-shared/net/patch-method.ts).
import { describe, expect, it } from 'vitest';
import { isPatched, patchMethod, PatchTargetError } from '../../src-shared/net/patch-method';

class Library {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

type Greet = (this: Library, name: string) => string;

describe('patchMethod', () => {
  it('wraps the method once, however often the fix is applied', () => {
    const proto = Library.prototype;
    const wrapOnce = () =>
      patchMethod<Greet>(
        proto,
        'lib: Library',
        'greet',
        '__testShout',
        (original) =>
          function greet(this: Library, name: string) {
            return original.call(this, name).toUpperCase();
          },
      );
    expect(isPatched(proto, '__testShout')).toBe(false);
    wrapOnce();
    wrapOnce();
    // Wrapped twice it would still read the same; the marker is what says it was done once.
    expect(new Library().greet('ada')).toBe('HELLO ADA');
    expect(isPatched(proto, '__testShout')).toBe(true);
    let wrapped = 0;
    patchMethod<Greet>(proto, 'lib: Library', 'greet', '__testShout', (original) => {
      wrapped++;
      return original;
    });
    expect(wrapped).toBe(0);
  });

  it('refuses a method that is gone, naming it, and leaves the prototype as it was', () => {
    const proto = { other: () => 1 };
    let error: unknown;
    try {
      patchMethod(proto, 'lib: Gone', 'send', '__testGone', (original) => original);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PatchTargetError);
    expect(error).toMatchObject({ owner: 'lib: Gone', method: 'send' });
    expect(isPatched(proto, '__testGone')).toBe(false);
    expect(Object.keys(proto)).toEqual(['other']);
  });
});
