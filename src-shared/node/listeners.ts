/**
 * Typed listeners for a few named events, the same on Node.js and in a browser (Node's
 * EventEmitter is not there; EventTarget would wrap every payload in an event object). A
 * listener that throws stops the emit, as with EventEmitter.
 */
export class Listeners<Events extends Record<string, unknown[]>> {
  // Stored untyped: each name's set only ever holds listeners of that name's type (on, below).
  private readonly byName = new Map<keyof Events, Set<unknown>>();

  on<K extends keyof Events>(name: K, listener: (...args: Events[K]) => void): this {
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(listener);
    return this;
  }

  off<K extends keyof Events>(name: K, listener: (...args: Events[K]) => void): this {
    this.byName.get(name)?.delete(listener);
    return this;
  }

  /**
   * Whether anyone listens to `name`: an event whose payload costs work to build (a node's whole
   * status, every cycle) is built only for someone.
   */
  protected listens(name: keyof Events): boolean {
    return (this.byName.get(name)?.size ?? 0) > 0;
  }

  protected emit<K extends keyof Events>(name: K, ...args: Events[K]): void {
    for (const listener of [...(this.byName.get(name) ?? [])])
      (listener as (...a: Events[K]) => void)(...args);
  }
}
