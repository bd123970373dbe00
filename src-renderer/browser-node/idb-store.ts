import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { holdChannelLock } from './tab-lock';
import { errorMessage } from '../../src-shared/error-message';
import {
  checkedPersistMs,
  CoalescedStore,
  type CoalescedOptions,
} from '../../src-shared/node/coalesced-store';
import { StoreClosedError, StoreError } from '../../src-shared/node/store-errors';
import {
  recoverStore,
  type Recovered,
  type SlotInspection,
  type StoreSlot,
} from '../../src-shared/node/store-recovery';
import {
  freshDocument,
  inspectText,
  MAX_STORE_BYTES,
  storeTextBytes,
  tooLargeToRead,
  tooLargeToSave,
  type StoreConfig,
  type StoreDocument,
} from '../../src-shared/node/store-schema';

/*
 * A browser node's store: the same document, checks, bounds and recovery rules as the desktop
 * store (src-main/node/store/node-store.ts), kept in IndexedDB instead of node.json.
 *
 * One database per node name, with one object store of text records: `main` (the last write),
 * `backup` (the write before it) and `corrupt-<ISO time>` (damaged records set aside, never
 * deleted). The document is kept as JSON text, not as a structured-clone object, so that
 * exactly the desktop's `inspectText` decides whether a record is good, newer or damaged.
 */

export { DEFAULT_PERSIST_MS } from '../../src-shared/node/coalesced-store';

/**
 * The node is open in another tab or window of this browser: two pages writing one node's
 * records would each overwrite the other's state, as two processes on one data folder would (the
 * desktop store's folder lock refuses the second; this is the browser's).
 */
export class NodeInUseError extends StoreError {
  override readonly name = 'NodeInUseError';
  constructor(
    message: string,
    /** The IndexedDB database the other page holds. */
    readonly database: string,
  ) {
    super(message);
  }
}

/**
 * Holds the Web Lock `name` (shared by every page of this origin) until the returned function is
 * called; null when another page holds it. Where there are no Web Locks (a page over plain HTTP
 * is not a secure context), the tabs settle it over a BroadcastChannel (./tab-lock.ts).
 */
async function holdLock(name: string): Promise<(() => void) | null> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return holdChannelLock(name);
  return new Promise((resolve) => {
    void locks.request(name, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(null);
        return undefined;
      }
      // The lock is held for as long as this promise is pending.
      return new Promise<void>((release) => resolve(() => release()));
    });
  });
}

/** The object store holding the records. */
const RECORDS = 'records';
/**
 * The IndexedDB schema's version: one object store of text. The document's own `format` says
 * what the text holds, so a new document format does not change this.
 */
const DB_VERSION = 1;
const CORRUPT_PREFIX = 'corrupt-';

interface NodeDb extends DBSchema {
  // Values are whatever was found: this version writes only strings, but a record from
  // elsewhere is inspected, not trusted.
  records: { key: string; value: unknown };
}

/** The IndexedDB database that holds the node `name`'s store. */
export function idbDatabaseName(name: string): string {
  return `lvs-node-${name}`;
}

export interface IdbOpenOptions extends CoalescedOptions {
  /** The configuration and starting S of a node that finds no usable store. */
  readonly fresh?: { readonly config?: StoreConfig; readonly S?: readonly number[] };
}

export interface IdbOpened {
  readonly store: IdbStore;
  readonly recovered: Recovered;
  /** One line to show the user when something was not as expected (a damaged record). */
  readonly notice?: string;
}

/** What a record holds, as far as this version can tell. */
function inspectRecord(value: unknown): SlotInspection {
  if (value === undefined) return { kind: 'missing' };
  if (typeof value !== 'string')
    return {
      kind: 'corrupt',
      reason: `is not text (found ${value === null ? 'null' : typeof value})`,
    };
  // Already in memory (IndexedDB has no partial read), but not parsed: the same rule as on disk.
  const bytes = storeTextBytes(value);
  if (bytes > MAX_STORE_BYTES) return { kind: 'corrupt', reason: tooLargeToRead(bytes) };
  return inspectText(value);
}

/**
 * Keeps a damaged record under `corrupt-<ISO time>` (`-2`, `-3`... if taken) and removes it from
 * its slot, in one transaction: it is either moved whole or not at all. Returns the new key.
 */
async function setAside(db: IDBPDatabase<NodeDb>, slot: StoreSlot, at: Date): Promise<string> {
  const tx = db.transaction(RECORDS, 'readwrite');
  const value: unknown = await tx.store.get(slot);
  const stem = `${CORRUPT_PREFIX}${at.toISOString()}`;
  let key = stem;
  for (let n = 2; (await tx.store.getKey(key)) !== undefined; n++) key = `${stem}-${n}`;
  await tx.store.add(value, key);
  await tx.store.delete(slot);
  await tx.done;
  return key;
}

/**
 * The node's store in IndexedDB. Changes are made in memory with `update()`; writes are
 * coalesced (at most one per `persistMs`). `flush()` writes at once; `close()` writes what is
 * pending and closes the database. A page that goes away without `close()` loses the changes of
 * the last `persistMs`, as the desktop store does when killed.
 */
export class IdbStore extends CoalescedStore {
  private constructor(
    /** The IndexedDB database's name. */
    readonly database: string,
    private readonly db: IDBPDatabase<NodeDb>,
    doc: StoreDocument,
    /** The text of the last good document in `main`: what the next write keeps as `backup`. */
    private previous: string | null,
    opts: IdbOpenOptions,
    /** Gives up the Web Lock that keeps other pages off this node. */
    private readonly unlock: () => void,
  ) {
    super(doc, opts);
  }

  /**
   * Opens (creating if needed) the store of the node `name`: loads `main` (or `backup`, or
   * starts fresh) by the rules every store shares (src-shared/node/store-recovery.ts).
   *
   * Throws StoreNewerFormatError when a newer version wrote a record (nothing is changed then),
   * StoreError when IndexedDB cannot be used.
   */
  static async open(name: string, opts: IdbOpenOptions): Promise<IdbOpened> {
    checkedPersistMs(opts.persistMs);
    if (name === '') throw new RangeError('the node name must not be empty');
    const now = opts.now ?? (() => new Date());
    const database = idbDatabaseName(name);
    const release = await holdLock(`lvs-node:${database}`);
    if (!release)
      throw new NodeInUseError(
        `node ${name} is open in another tab or window of this browser (IndexedDB ${database}); close it there first`,
        database,
      );
    let db: IDBPDatabase<NodeDb>;
    try {
      const say = opts.log ?? (() => undefined);
      db = await openDB<NodeDb>(database, DB_VERSION, {
        upgrade(created) {
          created.createObjectStore(RECORDS);
        },
        // Someone deletes or upgrades the database (the user cleared the site's data, a newer
        // version opens it): an open connection would block that until the tab closes. Let go
        // of it at once; the node runs on, unsaved, and says so.
        blocking() {
          say(
            `IndexedDB ${database} is being deleted or upgraded elsewhere (site data cleared?): this node no longer saves; reload the page to start again`,
          );
          db.close();
        },
        terminated() {
          say(
            `the browser closed IndexedDB ${database} (its storage was cleared or evicted): this node no longer saves; reload the page to start again`,
          );
        },
      });
    } catch (err) {
      release();
      // VersionError: a newer LVS Node changed the database itself; it is left as it is.
      throw new StoreError(
        `cannot open IndexedDB database ${database}: ${errorMessage(err)}; update LVS Node or use another node name`,
      );
    }
    let store: IdbStore | undefined;
    try {
      const tx = db.transaction(RECORDS, 'readonly');
      const [mainValue, backupValue] = await Promise.all([
        tx.store.get('main'),
        tx.store.get('backup'),
        tx.done,
      ]);
      const recovery = await recoverStore({
        main: inspectRecord(mainValue),
        backup: inspectRecord(backupValue),
        names: { main: 'record "main"', backup: 'record "backup"' },
        where: `of IndexedDB database ${database}`,
        paths: { main: `IndexedDB ${database}/main`, backup: `IndexedDB ${database}/backup` },
        otherwise: 'use another node name',
        setAside: (slot) => setAside(db, slot, now()),
      });
      const doc =
        recovery.doc ??
        freshDocument({
          appVersion: opts.appVersion,
          now: now(),
          config: opts.fresh?.config,
          S: opts.fresh?.S,
        });
      // What was loaded passed the checks, so it is the good text the first write keeps.
      const previous =
        recovery.recovered === 'main'
          ? (mainValue as string)
          : recovery.recovered === 'backup'
            ? (backupValue as string)
            : null;
      store = new IdbStore(database, db, doc, previous, opts, release);
      // A node that did not start from its main record writes one at once, so that it has one.
      if (recovery.recovered !== 'main') await store.writeAtOnce();
      return {
        store,
        recovered: recovery.recovered,
        notice: recovery.notes.length > 0 ? recovery.notes.join('; ') : undefined,
      };
    } catch (err) {
      store?.stopWriting();
      db.close();
      release();
      throw err;
    }
  }

  protected override async write(doc: Readonly<StoreDocument>): Promise<void> {
    // Serialised before the first await: changes made while the write runs go in the next one.
    const text = JSON.stringify(doc);
    // What would be set aside at the next start is never written.
    const bytes = storeTextBytes(text);
    if (bytes > MAX_STORE_BYTES)
      throw new StoreError(tooLargeToSave(`IndexedDB ${this.database}`, bytes));
    // IndexedDB transactions are atomic: both records change or neither does, whatever stops the
    // page mid-way. So unlike node.json there is no temporary file, fsync or rename to order:
    // `main` and `backup` are never seen half-written. 'strict' asks the browser to have the
    // data on disk before the transaction completes, as the desktop store's fsync does.
    const tx = this.db.transaction(RECORDS, 'readwrite', { durability: 'strict' });
    const puts = [tx.store.put(text, 'main')];
    if (this.previous !== null) puts.push(tx.store.put(this.previous, 'backup'));
    await Promise.all([...puts, tx.done]);
    this.previous = text;
  }

  // The lock goes last: no other page may open the database before this one has let go of it.
  protected override release(): void {
    this.db.close();
    this.unlock();
  }

  protected override destination(): string {
    return `IndexedDB ${this.database}`;
  }

  protected override describeFailure(err: unknown): string {
    return `cannot save to IndexedDB ${this.database}: ${errorMessage(err)}`;
  }

  protected override closedError(): Error {
    return new StoreClosedError(`the store in IndexedDB ${this.database} is closed`);
  }
}
