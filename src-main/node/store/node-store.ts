import { mkdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { describeSystemError, ioError, StoreClosedError, StoreError } from './errors';
import { acquireLock, type DirLock } from './lock';
import { inspectFile, moveAside, removeLeftovers, SafeJsonFile } from './safe-file';
import {
  checkedPersistMs,
  CoalescedStore,
  type CoalescedOptions,
} from '../../../src-shared/node/coalesced-store';
import {
  recoverStore,
  type Recovered,
  type Recovery,
} from '../../../src-shared/node/store-recovery';
import {
  freshDocument,
  type StoreConfig,
  type StoreDocument,
} from '../../../src-shared/node/store-schema';

/** The store file's name in the data folder; the backup is `node.json.bak` beside it. */
export const STORE_FILE = 'node.json';

export { DEFAULT_PERSIST_MS } from '../../../src-shared/node/coalesced-store';

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

export interface OpenOptions extends CoalescedOptions {
  /** The configuration and starting S of a node that finds no usable store. */
  readonly fresh?: { readonly config?: StoreConfig; readonly S?: readonly number[] };
  /** Called after every completed write (the data is on disk then). */
  readonly onSaved?: (saved: SavedInfo) => void;
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
export class NodeStore extends CoalescedStore {
  private constructor(
    /** The data folder (real path). */
    readonly dir: string,
    private readonly file: SafeJsonFile,
    private readonly lock: DirLock,
    doc: StoreDocument,
    private readonly opts: OpenOptions,
  ) {
    super(doc, opts);
  }

  /**
   * Opens (creating if needed) the store in `dir`: takes the folder's lock, loads `node.json`
   * (or its backup, or starts fresh), and removes what interrupted writes left behind.
   *
   * Throws StoreLockedError when another node uses the folder, StoreNewerFormatError when a
   * newer version wrote the store (nothing is changed then), StoreError for I/O problems.
   */
  static async open(dir: string, opts: OpenOptions): Promise<Opened> {
    checkedPersistMs(opts.persistMs);
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
      // A node that did not start from its main file writes one at once, so that it has one
      // (and an unwritable folder shows now, not minutes later).
      if (loaded.recovered !== 'main') await store.writeAtOnce();
      const notes = lockNotice ? [lockNotice, ...loaded.notes] : loaded.notes;
      return {
        store,
        recovered: loaded.recovered,
        notice: notes.length > 0 ? notes.join('; ') : undefined,
      };
    } catch (err) {
      // No retry of a failed first write may run once the lock is given back.
      store?.stopWriting();
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  /** The store file's path. */
  get path(): string {
    return this.file.path;
  }

  protected override async write(doc: Readonly<StoreDocument>): Promise<void> {
    const started = performance.now();
    const cycle = doc.state.cycle;
    const savedAt = doc.savedAt;
    // The file serialises the document before its first await.
    await this.file.write(doc);
    this.opts.onSaved?.({
      cycle,
      savedAt,
      bytes: this.file.lastBytes,
      ms: performance.now() - started,
    });
  }

  protected override release(): Promise<void> {
    return this.lock.release();
  }

  protected override destination(): string {
    return this.file.path;
  }

  protected override describeFailure(err: unknown): string {
    return `cannot save ${this.file.path}: ${describeSystemError(err)}`;
  }

  protected override closedError(): Error {
    return new StoreClosedError(`the store in ${this.dir} is closed`);
  }
}
