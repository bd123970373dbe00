/**
 * Lets a timer not keep its process alive. Node's timers are objects with `unref`; a browser's
 * are numbers, and a page has no process to keep alive, so there it does nothing.
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer) {
    const unref = (timer as { unref: unknown }).unref;
    if (typeof unref === 'function') unref.call(timer);
  }
}
