import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Low } from 'lowdb';
import type { VaultEvent } from '../../../src-shared/drift/rules';
import { describeSystemError, ioError, StoreClosedError, StoreError } from './errors';
import { acquireLock, type DirLock } from './lock';
import { inspectFile, moveAside, removeLeftovers, SafeJsonFile } from './safe-file';
import {
  recoverStore,
  type Recovered,
  type Recovery,
} from '../../../src-shared/node/store-recovery';
import {
  applyLimits,
  checkDocument,
  DEFAULT_LIMITS,
  freshDocument,
  STORE_FORMAT,
  storedEvent,
  type StoreConfig,
  type StoreDocument,
  type StoreLimits,
} from '../../../src-shared/node/store-schema';

/** The store file's name in the data folder; the backup is `node.json.bak` beside it. */
export const STORE_FILE = 'node.json';

export const DEFAULT_PERSIST_MS = 2000;

export type { Recovered };

/** What a completed write put on disk. */
export interface SavedInfo {
  /** `state.cycle` of the saved document. */
  readonly cycle: number;
  readonly savedAt: string;
  readonly bytes: number;
  /** How long the write took, fsyncs included. */
  readonly ms: number;
}

export interface OpenOptions {
  /** The running LVS Node's version; written into the file as `writtenBy`. */
  readonly appVersion: string;
  /** At most one write per this many milliseconds (default 2000). `flush()` writes at once. */
  readonly persistMs?: number;
  /** Where write failures go, one line each (a failing write is retried every persistMs). */
  readonly log?: (line: string) => void;
  readonly limits?: Partial<StoreLimits>;
  /** The configuration and starting S of a node that finds no usable store. */
  readonly fresh?: { readonly config?: StoreConfig; readonly S?: readonly number[] };
  /** Called after every completed write (the data is on disk then). */
  readonly onSaved?: (saved: SavedInfo) => void;
  /** The clock (tests). */
  readonly now?: () => Date;
}

export interface Opened {
  readonly store: NodeStore;
  readonly recovered: Recovered;
  /** One line to show the user when something was not as expected (damaged file, stale lock). */
  readonly notice?: string;
}

/**
 * Decides what a node starts from, given its main file and its backup, by the rule every store
 * shares (src-shared/node/store-recovery.ts). Damaged files are moved aside (never deleted); a
 * file from a newer version stops everything before anything moves.
 */
async function load(file: SafeJsonFile, now: Date): Promise<Recovery> {
  const [main, backup] = await Promise.all([inspectFile(file.path), inspectFile(file.backup)]);
  return recoverStore({
    main,
    backup,
    names: { main: basename(file.path), backup: basename(file.backup) },
    where: `in ${resolve(file.path, '..')}`,
    paths: { main: file.path, backup: file.backup },
    otherwise: 'use another --data folder',
    setAside: (slot) => moveAside(slot === 'main' ? file.path : file.backup, now),
  });
}

/** Creates the data folder if needed; returns its real path. */
async function prepareFolder(dirIn: string): Promise<string> {
  const dir = resolve(dirIn);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new StoreError(`${dir} is not a folder; give a folder for the node's data`);
    throw ioError('create the data folder', dir, err);
  }
  const info = await stat(dir).catch((err: unknown) => {
    throw ioError('open the data folder', dir, err);
  });
  if (!info.isDirectory())
    throw new StoreError(`${dir} is not a folder; give a folder for the node's data`);
  return realpath(dir);
}

/**
 * The micro-node's crash-safe store: config, S, D, earned VU, the trust table, counters, a
 * bounded history of states and a bounded VaultGuard event log, in `node.json` in the node's
 * data folder (Electron's `userData`, or `lvs node --data DIR`).
 *
 * Changes are made in memory with `update()`; writes are coalesced (at most one per
 * `persistMs`) and atomic (see safe-file.ts). `flush()` writes at once; `close()` flushes and
 * releases the folder's lock. Call `close()` at shutdown: the timer of a pending write does not
 * keep the process alive, so changes of the last `persistMs` are lost without it.
 */
export class NodeStore {
  private readonly db: Low<StoreDocument>;
  private readonly limits: StoreLimits;
  private readonly persistMs: number;
  private readonly now: () => Date;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  private lastWriteStart = -Infinity;
  private writeCount = 0;
  private lastLogged = '';
  private closing: Promise<void> | null = null;

  private constructor(
    /** The data folder (real path). */
    readonly dir: string,
    private readonly file: SafeJsonFile,
    private readonly lock: DirLock,
    doc: StoreDocument,
    private readonly opts: OpenOptions,
  ) {
    this.db = new Low(file, doc);
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.persistMs = opts.persistMs ?? DEFAULT_PERSIST_MS;
    this.now = opts.now ?? (() => new Date());
  }

  /**
   * Opens (creating if needed) the store in `dir`: takes the folder's lock, loads `node.json`
   * (or its backup, or starts fresh), and removes what interrupted writes left behind.
   *
   * Throws StoreLockedError when another node uses the folder, StoreNewerFormatError when a
   * newer version wrote the store (nothing is changed then), StoreError for I/O problems.
   */
  static async open(dir: string, opts: OpenOptions): Promise<Opened> {
    const persistMs = opts.persistMs ?? DEFAULT_PERSIST_MS;
    if (!Number.isFinite(persistMs) || persistMs < 0)
      throw new RangeError(`persistMs must be a finite number >= 0 (got ${persistMs})`);
    const now = opts.now ?? (() => new Date());
    const folder = await prepareFolder(dir);
    const { lock, notice: lockNotice } = await acquireLock(folder, {
      appVersion: opts.appVersion,
      now,
    });
    let store: NodeStore | undefined;
    try {
      const file = new SafeJsonFile(join(folder, STORE_FILE));
      await removeLeftovers(file.path);
      const loaded = await load(file, now());
      const doc =
        loaded.doc ??
        freshDocument({
          appVersion: opts.appVersion,
          now: now(),
          config: opts.fresh?.config,
          S: opts.fresh?.S,
        });
      store = new NodeStore(folder, file, lock, doc, opts);
      applyLimits(doc, store.limits);
      // A node that did not start from its main file writes one at once, so that it has one
      // (and an unwritable folder shows now, not minutes later).
      if (loaded.recovered !== 'main') {
        store.dirty = true;
        await store.flush();
      }
      const notes = lockNotice ? [lockNotice, ...loaded.notes] : loaded.notes;
      return {
        store,
        recovered: loaded.recovered,
        notice: notes.length > 0 ? notes.join('; ') : undefined,
      };
    } catch (err) {
      // No retry of a failed first write may run once the lock is given back.
      if (store) {
        store.closed = true;
        store.clearTimer();
      }
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  /** The document as it is in memory. Change it only through `update()`. */
  get data(): Readonly<StoreDocument> {
    return this.db.data;
  }

  /** The store file's path. */
  get path(): string {
    return this.file.path;
  }

  /** Completed writes since open (for tests and the monitor). */
  get writes(): number {
    return this.writeCount;
  }

  /** Whether there are changes not yet on disk. */
  get pending(): boolean {
    return this.dirty || this.inflight !== null;
  }

  /**
   * Changes the document in memory and schedules a write (coalesced: at most one per
   * persistMs). The bounded sections are trimmed afterwards, oldest first.
   */
  update(mutator: (doc: StoreDocument) => void): void {
    if (this.closed || this.closing)
      throw new StoreClosedError(`the store in ${this.dir} is closed`);
    try {
      mutator(this.db.data);
    } finally {
      applyLimits(this.db.data, this.limits);
      this.dirty = true;
      this.schedule();
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

  /** Writes pending changes now; resolves once they are on disk. Throws a StoreError on failure. */
  async flush(): Promise<void> {
    await this.persist();
  }

  /** Flushes and releases the folder's lock. The store cannot be used afterwards. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.persist();
      } finally {
        this.clearTimer();
        this.closed = true;
        await this.lock.release();
      }
    })();
    return this.closing;
  }

  /**
   * Gives the folder back without saving what changed since the last write: what a crash
   * leaves (a lab's kill). A write already under way completes; nothing newer is written.
   */
  abandon(): Promise<void> {
    this.closing ??= (async () => {
      this.clearTimer();
      this.closed = true;
      this.dirty = false;
      await this.inflight?.catch(() => undefined);
      await this.lock.release();
    })();
    return this.closing;
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
    this.timer.unref();
  }

  private report(err: unknown): void {
    const line =
      err instanceof StoreError
        ? err.message
        : `cannot save ${this.file.path}: ${describeSystemError(err)}`;
    // The same failure every persistMs would flood the log: say it once until it changes.
    if (line === this.lastLogged) return;
    this.lastLogged = line;
    this.opts.log?.(`${line} (will retry)`);
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
    const started = performance.now();
    this.lastWriteStart = started;
    const doc = this.db.data;
    doc.format = STORE_FORMAT;
    doc.writtenBy = this.opts.appVersion;
    doc.savedAt = this.now().toISOString();
    const problem = checkDocument(doc);
    if (problem)
      throw new StoreError(
        `refusing to save a document that would not load again to ${this.file.path}: ${problem}`,
      );
    const cycle = doc.state.cycle;
    const savedAt = doc.savedAt;
    // Low.write hands the document to the adapter, which serialises it before its first await.
    await this.db.write();
    this.writeCount++;
    this.opts.onSaved?.({
      cycle,
      savedAt,
      bytes: this.file.lastBytes,
      ms: performance.now() - started,
    });
  }
}
