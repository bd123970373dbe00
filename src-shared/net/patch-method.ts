/*
 * The wire fixes (one-write.ts, yamux-window.ts, lp-empty-read.ts) each replace one method of a
 * library's prototype. They share how: once per realm (a process, a worker thread, a page), told
 * apart by a marker on the prototype itself, so that a second copy of a fix's module (two bundles
 * of one page, a test importing it again) changes nothing; and loudly at import when the method is
 * gone, so that a library upgrade cannot turn a fix off in silence. Each fix's test checks that it
 * still takes effect.
 */

/** A library no longer has the method a wire fix replaces (its version moved past the fix). */
export class PatchTargetError extends Error {
  constructor(
    /** The package and class, e.g. `@libp2p/utils: LengthPrefixedDecoder`. */
    readonly owner: string,
    readonly method: string,
  ) {
    super(`${owner}.${method} is missing: the wire fix for it cannot be applied`);
    this.name = 'PatchTargetError';
  }
}

type Prototype = Record<string, unknown>;

/**
 * Replaces `proto[method]` with `wrap(original)` unless `marker` is already set on `proto`. The
 * marker is a string so that every copy of the fix's module sees the same one.
 */
export function patchMethod<F extends (...args: never[]) => unknown>(
  proto: object,
  owner: string,
  method: string,
  marker: string,
  wrap: (original: F) => F,
): void {
  const p = proto as Prototype;
  if (p[marker] === true) return;
  const original = p[method];
  if (typeof original !== 'function') throw new PatchTargetError(owner, method);
  p[method] = wrap(original as F);
  p[marker] = true;
}

/** Whether patchMethod has run on `proto` with `marker` (for the fixes' tests). */
export function isPatched(proto: object, marker: string): boolean {
  return (proto as Prototype)[marker] === true;
}
