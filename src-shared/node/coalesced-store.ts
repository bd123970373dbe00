import type { VaultEvent } from '../drift/rules';
import { unrefTimer } from '../timers';
import type { CoreStore } from './node-core';
import { StoreError } from './store-errors';
import {
  applyLimits,
  checkDocument,
  DEFAULT_LIMITS,
  STORE_FORMAT,
  storedEvent,
  type StoreDocument,
  type StoreLimits,
} from './store-schema';

/*
 * What every store of a node shares, whatever it keeps the document in: the document in memory,
 * changed only through `update()` and trimmed to its bounds after every change (BoundedStore);
 * and, for a store that writes it somewhere (node.json on disk, IndexedDB in a browser),
 * coalesced writes, retried after a failure that is logged once (CoalescedStore). A store only
 * says how one write reaches its medium and how it lets go of it.
 */

export const DEFAULT_PERSIST_MS = 2000;

/**
 * The write interval asked for, checked: a store checks it before it takes its lock, so a bad
 * value changes nothing.
 */
export function checkedPersistMs(persistMs: number = DEFAULT_PERSIST_MS): number {
  if (!Number.isFinite(persistMs) || persistMs < 0)
    throw new RangeError(`persistMs must be a finite number >= 0 (got ${persistMs})`);
  return persistMs;
}

/** The document of a node in memory, within its bounds. */
export abstract class BoundedStore implements CoreStore {
  protected constructor(
    /** Changed only through `update()`, so that every change is bounded (and saved). */
    protected readonly doc: StoreDocument,
    protected readonly limits: StoreLimits,
    protected readonly now: () => Date,
  ) {
    // A document written with larger bounds is trimmed, not refused.
    applyLimits(doc, limits);
  }

  /** The document as it is in memory. Change it only through `update()`. */
  get data(): Readonly<StoreDocument> {
    return this.doc;
  }

  /**
   * Changes the document in memory; a store that writes it schedules a write. The bounded
   * sections are trimmed afterwards, oldest first, even when the mutator throws half-way.
   */
  update(mutator: (doc: StoreDocument) => void): void {
    if (this.isClosed()) throw this.closedError();
    try {
      mutator(this.doc);
    } finally {
      applyLimits(this.doc, this.limits);
      this.changed();
    }
  }

  /** Appends VaultGuard events to the bounded log (non-finite measurements stored as null). */
  appendEvents(events: readonly VaultEvent[], cycle: number, at: Date = this.now()): void {
    if (events.length === 0) return;
    const when = at.toISOString();
    this.update((doc) => {
      for (const e of events) doc.events.push(storedEvent(e, cycle, when));
    });
  }

  abstract close(): Promise<void>;

  /** Whether `update()` is refused. */
  protected abstract isClosed(): boolean;
  /** What `update()` throws once the store is closed: a bug in the caller. */
  protected abstract closedError(): Error;
  /** Called after every change, the bounds applied. */
  protected abstract changed(): void;
}

/** What a writing store is given, whatever it writes to. */
export interface CoalescedOptions {
  /** The running LVS Node's version; written into the document as `writtenBy`. */
  readonly appVersion: string;
  /** At most one write per this many milliseconds (default 2000). `flush()` writes at once. */
  readonly persistMs?: number;
  /** Where write failures go, one line each (a failing write is retried every persistMs). */
  readonly log?: (line: string) => void;
  readonly limits?: Partial<StoreLimits>;
  /** The clock (tests). */
  readonly now?: () => Date;
}

/**
 * A store that writes its document: at most one write per `persistMs`, the first change after a
 * quiet spell written at once; one write at a time, changes made during a write going into the
 * next. A failed background write keeps the change and is retried every `persistMs`; its line is
 * logged once until the failure changes or a write succeeds. `flush()` writes at once and throws
 * what the write threw; `close()` writes what is pending, then releases the medium.
 *
 * Subclasses write one document (`write`), let go of the medium (`release`), and word the lines
 * that name it.
 */
export abstract class CoalescedStore extends BoundedStore {
  private readonly persistMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private lastWriteStart = -Infinity;
  private writeCount = 0;
  private lastLogged = '';

  protected constructor(
    doc: StoreDocument,
    private readonly options: CoalescedOptions,
  ) {
    super(doc, { ...DEFAULT_LIMITS, ...options.limits }, options.now ?? (() => new Date()));
    this.persistMs = checkedPersistMs(options.persistMs);
  }

  /** Completed writes since open (tests, the monitor). */
  get writes(): number {
    return this.writeCount;
  }

  /** Whether there are changes not yet written. */
  get pending(): boolean {
    return this.dirty || this.inflight !== null;
  }

  /** Writes pending changes now; resolves once they are stored. Throws what the write threw. */
  async flush(): Promise<void> {
    await this.persist();
  }

  /**
   * Writes what is pending (after a write already under way), then releases the medium, even if
   * that write failed. The store cannot be used afterwards; a second call returns the first's.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.persist();
      } finally {
        this.clearTimer();
        this.closed = true;
        await this.release();
      }
    })();
    return this.closing;
  }

  /**
   * Writes one document; a change made to it after this returns a promise must not reach that
   * write (serialise it before the first await). Throws a StoreError, or anything that
   * `describeFailure` words.
   */
  protected abstract write(doc: Readonly<StoreDocument>): Promise<void>;
  /** Lets go of the medium (the lock, the database). Called once, by `close` or `abandon`. */
  protected abstract release(): Promise<void> | void;
  /** Where the document is written, completing "refusing to save a document ... to <it>". */
  protected abstract destination(): string;
  /** The one line for a write failure that is not a StoreError. */
  protected abstract describeFailure(err: unknown): string;

  /** Writes the document now, changed or not: a store that did not open from its main copy. */
  protected async writeAtOnce(): Promise<void> {
    this.dirty = true;
    await this.persist();
  }

  /**
   * Stops every write for good without releasing anything: for an open that failed after the
   * store was made, so that no retry of its first write runs once the medium is given back.
   */
  protected stopWriting(): void {
    this.closed = true;
    this.clearTimer();
  }

  /**
   * Releases the medium without saving what changed since the last write: what a crash leaves
   * (a lab's kill). A write already under way completes; nothing newer is written.
   */
  abandon(): Promise<void> {
    this.closing ??= (async () => {
      this.clearTimer();
      this.closed = true;
      this.dirty = false;
      await this.inflight?.catch(() => undefined);
      await this.release();
    })();
    return this.closing;
  }

  protected override isClosed(): boolean {
    return this.closed || this.closing !== null;
  }

  protected override changed(): void {
    this.dirty = true;
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.inflight || this.closed) return;
    const wait = Math.max(0, this.lastWriteStart + this.persistMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.persist().catch((err: unknown) => this.report(err));
    }, wait);
    // A write waiting for its turn must not keep a process from exiting: close() saves it.
    unrefTimer(this.timer);
  }

  private report(err: unknown): void {
    const line = err instanceof StoreError ? err.message : this.describeFailure(err);
    // The same failure every persistMs would flood the log: say it once until it changes.
    if (line === this.lastLogged) return;
    this.lastLogged = line;
    this.options.log?.(`${line} (will retry)`);
  }

  private async persist(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => undefined);
    if (!this.dirty) return;
    this.clearTimer();
    this.dirty = false;
    const write = this.writeOnce();
    this.inflight = write;
    try {
      await write;
      this.lastLogged = '';
    } catch (err) {
      this.dirty = true;
      throw err;
    } finally {
      this.inflight = null;
      if (this.dirty && !this.closed && !this.closing) this.schedule();
    }
  }

  private async writeOnce(): Promise<void> {
    this.lastWriteStart = performance.now();
    const doc = this.doc;
    doc.format = STORE_FORMAT;
    doc.writtenBy = this.options.appVersion;
    doc.savedAt = this.now().toISOString();
    const problem = checkDocument(doc);
    if (problem)
      throw new StoreError(
        `refusing to save a document that would not load again to ${this.destination()}: ${problem}`,
      );
    await this.write(doc);
    this.writeCount++;
  }
}
