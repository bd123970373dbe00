import { constants, type Stats } from 'node:fs';
import { copyFile, link, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { ioError, StoreError, StoreNotAFileError, type NotAFileKind } from './errors';
import {
  inspectText,
  type Inspection,
  type StoreDocument,
  MAX_STORE_BYTES,
  tooLargeToRead,
  tooLargeToSave,
} from '../../../src-shared/node/store-schema';

/**
 * The file side of the store: a lowdb adapter whose every write is atomic and durable, and
 * keeps the file it replaces as the one rolling backup.
 *
 * lowdb's own TextFile (steno) writes a temporary file and renames it, but does not fsync the
 * file or the folder: after a power cut the rename can be on disk while the data is not, and
 * the "atomic" file comes back empty. So a write here is:
 *
 *   1. write `node.json.tmp-<pid>`, fsync it, close it;
 *   2. hard-link the current `node.json` as `node.json.bak.tmp-<pid>` and rename that over
 *      `node.json.bak` (the old backup goes; `node.json` itself stays in place throughout);
 *   3. rename the temporary file over `node.json`;
 *   4. fsync the folder, so that both renames are on disk.
 *
 * A crash at any point leaves a complete `node.json` (the old or the new one) and a complete
 * backup. Where hard links are not supported (FAT, some network shares) step 2 copies instead
 * (and fsyncs the copy). Leftover temporary files belong to a write that never finished; the
 * next start removes them.
 */

export { MAX_STORE_BYTES } from '../../../src-shared/node/store-schema';

const BACKUP_SUFFIX = '.bak';
const TEMP_MARK = '.tmp-';

/** Error codes meaning "this file system cannot hard-link". */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK', 'EACCES']);
/** Transient on Windows while a scanner or indexer has the file open. */
const RETRY_RENAME = new Set(['EPERM', 'EACCES', 'EBUSY']);

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const codeOf = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code;

async function renameRetrying(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (err) {
      if (process.platform !== 'win32' || !RETRY_RENAME.has(codeOf(err) ?? '') || attempt >= 9)
        throw err;
      await sleep(50);
    }
  }
}

/** Makes the folder's entries (new names, renames) durable. Not possible on Windows: skipped. */
export async function syncFolder(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = codeOf(err);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes `text` to a new file and fsyncs it. */
async function writeDurably(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `to` becomes a second name of `from` (or, where links are not supported, a synced copy). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if (!NO_LINKS.has(codeOf(err) ?? '')) throw err;
    await copyFile(from, to, constants.COPYFILE_EXCL);
    const handle = await open(to, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** "2026-11-21T06-12-00Z": a timestamp that is a valid file name everywhere. */
export function fileStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}

/**
 * Moves a bad file aside as `<name>.corrupt-<timestamp>` (with `-2`, `-3`... if that name is
 * taken), never overwriting anything, and returns the new base name. Byte for byte the same file.
 */
export async function moveAside(path: string, at: Date): Promise<string> {
  const stem = `${path}.corrupt-${fileStamp(at)}`;
  for (let n = 1; n < 1000; n++) {
    const target = n === 1 ? stem : `${stem}-${n}`;
    try {
      // A link never replaces an existing name (a rename would, silently).
      await linkOrCopy(path, target);
    } catch (err) {
      if (codeOf(err) === 'EEXIST') continue;
      throw ioError('keep the damaged file', path, err);
    }
    try {
      await unlink(path);
      await syncFolder(dirname(path));
    } catch (err) {
      throw ioError('move aside the damaged file', path, err);
    }
    return basename(target);
  }
  throw new StoreError(`cannot keep the damaged file ${path}: too many earlier copies beside it`);
}

/** What a file of the store folder held: its text, or its size when that is over the limit. */
export type FoundFile =
  | { readonly kind: 'missing' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'too-large'; readonly bytes: number };

/** Opening a FIFO whose swap for a regular file came after the stat still returns at once. */
const READ_FLAGS = constants.O_RDONLY | ((constants as Partial<typeof constants>).O_NONBLOCK ?? 0);

/**
 * Reads a file of the store folder of at most `maxBytes`. Its type and size are checked with
 * stat before it is opened: a path that is not a regular file is never opened (opening a FIFO
 * waits for a writer, holding a thread of the pool that even process.exit waits for, and a
 * device may do anything) and throws StoreNotAFileError; a larger file is not read. Other I/O
 * failures throw a StoreError.
 */
export async function readStoreFile(path: string, maxBytes: number): Promise<FoundFile> {
  let handle;
  try {
    const checked = checkedSize(path, await stat(path), maxBytes);
    if (checked !== null) return checked;
    handle = await open(path, READ_FLAGS);
    // The same checks on what was opened: the path may have changed since the stat.
    return (
      checkedSize(path, await handle.stat(), maxBytes) ?? {
        kind: 'text',
        text: await handle.readFile('utf8'),
      }
    );
  } catch (err) {
    if (err instanceof StoreError) throw err;
    if (codeOf(err) === 'ENOENT') return { kind: 'missing' };
    throw ioError('read', path, err);
  } finally {
    await handle?.close();
  }
}

/** Throws for a file that is not a regular one; `too-large` over maxBytes; null when fine. */
function checkedSize(path: string, info: Stats, maxBytes: number): FoundFile | null {
  if (!info.isFile()) {
    const found = notAFileKind(info);
    throw new StoreNotAFileError(
      `${path} is a ${found}, not a regular file: LVS Node never makes one there and will not open it; move it away or use another --data folder`,
      path,
      found,
    );
  }
  return info.size > maxBytes ? { kind: 'too-large', bytes: info.size } : null;
}

/** What a path that is not a regular file is, in words for a one-line error. */
export function notAFileKind(info: Stats): NotAFileKind {
  if (info.isDirectory()) return 'folder';
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  return 'special file';
}

/** Megabytes with one decimal, for messages. */

export type FileInspection = Inspection | { readonly kind: 'missing' };

/**
 * Reads and checks a store file without changing anything. A file larger than any store is
 * damaged (it is set aside like one); one that is not a regular file throws
 * StoreNotAFileError, other I/O failures a StoreError.
 */
export async function inspectFile(path: string): Promise<FileInspection> {
  const found = await readStoreFile(path, MAX_STORE_BYTES);
  switch (found.kind) {
    case 'missing':
      return found;
    case 'too-large':
      return {
        kind: 'corrupt',
        reason: tooLargeToRead(found.bytes),
      };
    case 'text':
      return inspectText(found.text);
  }
}

/** Removes the temporary files of writes that a crash interrupted (call while holding the lock). */
export async function removeLeftovers(file: string): Promise<number> {
  const dir = dirname(file);
  const name = basename(file);
  const prefixes = [`${name}${TEMP_MARK}`, `${name}${BACKUP_SUFFIX}${TEMP_MARK}`];
  const isLeftover = (entry: string) =>
    prefixes.some((p) => entry.startsWith(p) && /^\d+$/.test(entry.slice(p.length)));
  let removed = 0;
  for (const entry of await readdir(dir)) {
    if (!isLeftover(entry)) continue;
    await unlink(join(dir, entry)).catch((err: unknown) => {
      if (codeOf(err) !== 'ENOENT') throw ioError('remove the unfinished write', entry, err);
    });
    removed++;
  }
  return removed;
}

/** A lowdb adapter for one store file and its backup, with the writes described above. */
export class SafeJsonFile implements Adapter<StoreDocument> {
  readonly backup: string;
  private readonly dir: string;
  /** Bytes of the last completed write. */
  lastBytes = 0;

  constructor(readonly path: string) {
    this.backup = `${path}${BACKUP_SUFFIX}`;
    this.dir = dirname(path);
  }

  /** The document in the file; null if there is none. A damaged or newer file throws. */
  async read(): Promise<StoreDocument | null> {
    const found = await inspectFile(this.path);
    switch (found.kind) {
      case 'missing':
        return null;
      case 'ok':
        return found.doc;
      case 'corrupt':
        throw new StoreError(`${this.path} ${found.reason}`);
      case 'newer':
        throw new StoreError(
          `${this.path} was written by a newer LVS Node (format ${found.format})`,
        );
    }
  }

  /**
   * Serialises `data` at once (later changes to it do not reach this write), then replaces the
   * file as described at the top of this module.
   */
  write(data: StoreDocument): Promise<void> {
    return this.writeText(`${JSON.stringify(data)}\n`);
  }

  async writeText(text: string): Promise<void> {
    // What would be set aside at the next start is never written.
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_STORE_BYTES) throw new StoreError(tooLargeToSave(this.path, bytes));
    const tmp = `${this.path}${TEMP_MARK}${process.pid}`;
    const bakTmp = `${this.backup}${TEMP_MARK}${process.pid}`;
    try {
      await writeDurably(tmp, text);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw ioError('write', tmp, err);
    }
    try {
      await unlink(bakTmp).catch(() => undefined);
      let rotated = true;
      try {
        await linkOrCopy(this.path, bakTmp);
      } catch (err) {
        if (codeOf(err) !== 'ENOENT') throw err;
        rotated = false; // the first save: nothing to keep yet
      }
      if (rotated) await renameRetrying(bakTmp, this.backup);
      await renameRetrying(tmp, this.path);
      await syncFolder(this.dir);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      await unlink(bakTmp).catch(() => undefined);
      throw ioError('save', this.path, err);
    }
    this.lastBytes = bytes;
  }
}
