import type { VaultEvent } from '../drift/rules';
import type { CoreStore } from './node-core';
import {
  applyLimits,
  DEFAULT_LIMITS,
  freshDocument,
  storedEvent,
  type FreshDocumentOptions,
  type StoreDocument,
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
export class MemoryStore implements CoreStore {
  private readonly doc: StoreDocument;
  private closed = false;

  constructor(
    fresh: FreshDocumentOptions,
    private readonly limits: StoreLimits = DEFAULT_LIMITS,
  ) {
    this.doc = freshDocument(fresh);
  }

  get data(): Readonly<StoreDocument> {
    return this.doc;
  }

  update(mutator: (doc: StoreDocument) => void): void {
    if (this.closed) throw new MemoryStoreClosedError('the memory store is closed');
    try {
      mutator(this.doc);
    } finally {
      applyLimits(this.doc, this.limits);
    }
  }

  appendEvents(events: readonly VaultEvent[], cycle: number, at: Date = new Date()): void {
    if (events.length === 0) return;
    const when = at.toISOString();
    this.update((doc) => {
      for (const e of events) doc.events.push(storedEvent(e, cycle, when));
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
