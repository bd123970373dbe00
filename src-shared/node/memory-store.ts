import { BoundedStore } from './coalesced-store';
import {
  DEFAULT_LIMITS,
  freshDocument,
  type FreshDocumentOptions,
  type StoreLimits,
} from './store-schema';

/** The memory store was closed (the node stopped) and takes no more changes. */
export class MemoryStoreClosedError extends Error {
  override readonly name = 'MemoryStoreClosedError';
}

/**
 * A node's document kept in memory only, with the same bounds as a store on disk: a node that
 * must not leave anything behind (a demo, a test, a page with storage switched off).
 */
export class MemoryStore extends BoundedStore {
  private closed = false;

  constructor(fresh: FreshDocumentOptions, limits: StoreLimits = DEFAULT_LIMITS) {
    super(freshDocument(fresh), limits, () => new Date());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  protected override isClosed(): boolean {
    return this.closed;
  }

  protected override closedError(): Error {
    return new MemoryStoreClosedError('the memory store is closed');
  }

  // Nothing to write: the bounds, applied by update(), are all a memory store keeps.
  protected override changed(): void {}
}
