import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { ioError, StoreError, StoreLockedError } from './errors';
import { readStoreFile, type FoundFile } from './safe-file';

/**
 * One LVS Node per data folder. The lock is a small file created with O_EXCL (`wx`), so that of
 * two nodes starting at once exactly one creates it. It names its holder (pid, host, start
 * time, boot), so that a node refused by it can say who holds the folder, and a lock left by a
 * node that was killed (SIGKILL, a power cut) can be recognised as stale and taken over.
 */
export const LOCK_FILE = 'node.lock';
/** A lock file is about 200 bytes; a larger one is not a lock (read as unreadable). */
const MAX_LOCK_BYTES = 4096;

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
  /** Which boot of the machine: the kernel's boot id on Linux, else the boot time (approximate). */
  readonly boot: string;
  /** Tells this holder's lock from a later one with the same pid. */
  readonly token: string;
  readonly writtenBy?: string;
}

/** Folders locked by stores of this process (resolved paths). */
const heldHere = new Set<string>();

/** Boot times read from uptime drift a little (clock adjustments); closer than this is one boot. */
const BOOT_TIME_SLACK_MS = 120_000;

function currentBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return new Date(Math.round(Date.now() - uptime() * 1000)).toISOString();
  }
}

function sameBoot(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  // Two boot ids that differ are two boots; two boot times may differ by the clock's drift.
  return Number.isFinite(ta) && Number.isFinite(tb) && Math.abs(ta - tb) < BOOT_TIME_SLACK_MS;
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof v.pid === 'number' &&
      Number.isInteger(v.pid) &&
      v.pid > 0 &&
      typeof v.hostname === 'string' &&
      typeof v.startedAt === 'string'
    )
      return {
        pid: v.pid,
        hostname: v.hostname,
        startedAt: v.startedAt,
        boot: typeof v.boot === 'string' ? v.boot : '',
        token: typeof v.token === 'string' ? v.token : '',
        writtenBy: typeof v.writtenBy === 'string' ? v.writtenBy : undefined,
      };
  } catch {
    // not JSON: handled by the caller
  }
  return null;
}

type Liveness =
  | { readonly alive: true }
  | { readonly alive: false; readonly why: string }
  /** Held by this very process: another store, or another thread. */
  | { readonly alive: 'self' }
  /** On another machine: cannot be checked. */
  | { readonly alive: 'unknown' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the holder of a lock may still be running. `lockMtimeMs`: when the lock was written. */
function liveness(info: LockInfo, lockMtimeMs: number): Liveness {
  const boot = currentBoot();
  // The same boot id is the same machine even if its host name changed (laptops do that).
  const sameMachine = info.hostname === hostname() || (UUID.test(info.boot) && info.boot === boot);
  if (!sameMachine) return { alive: 'unknown' };
  if (info.boot && !sameBoot(info.boot, boot))
    return { alive: false, why: 'the machine has restarted since' };
  if (info.pid === process.pid) {
    // Ours if written since this process started; else a previous life of this pid (a
    // container restarted with the same pid, say).
    const started = Date.now() - process.uptime() * 1000;
    return lockMtimeMs >= started - 1000
      ? { alive: 'self' }
      : { alive: false, why: 'it is no longer running' };
  }
  try {
    process.kill(info.pid, 0);
    return { alive: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EPERM: a process of another user has that pid; it may well be a node.
    return code === 'ESRCH' ? { alive: false, why: 'it is no longer running' } : { alive: true };
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface DirLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock if it is still ours. */
  release(): Promise<void>;
}

export interface AcquiredLock {
  readonly lock: DirLock;
  /** Set when a stale lock was taken over: one sentence for the start-up notice. */
  readonly notice?: string;
}

/**
 * Takes the lock of `dir` (which must exist), or throws a StoreLockedError naming the folder
 * and the other process. A stale lock (its holder is gone) is taken over and said so.
 *
 * A lock on another host is never taken over: pids there cannot be checked. Two nodes that find
 * the same stale lock in the same few milliseconds could both take it over; that needs a
 * killed node and two new ones started at once, and is not guarded against.
 */
export async function acquireLock(
  dir: string,
  opts: { readonly appVersion: string; readonly now: () => Date },
): Promise<AcquiredLock> {
  const path = join(dir, LOCK_FILE);
  const inThisProcess = () =>
    new StoreLockedError(
      `${dir} is already open in this process (pid ${process.pid}); close the other store first`,
      dir,
      process.pid,
    );
  if (heldHere.has(dir)) throw inThisProcess();
  let notice: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      startedAt: opts.now().toISOString(),
      boot: currentBoot(),
      token: randomBytes(8).toString('hex'),
      writtenBy: opts.appVersion,
    };
    let created = false;
    try {
      const handle = await open(path, 'wx');
      created = true;
      try {
        await handle.writeFile(`${JSON.stringify(info)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      heldHere.add(dir);
      return { lock: makeLock(dir, path, info), notice };
    } catch (err) {
      if (created) {
        await unlink(path).catch(() => undefined);
        throw ioError('write the lock file', path, err);
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw ioError('create the lock file', path, err);
    }
    if (attempt >= 20) throw ioError('take the lock', path, new Error('it keeps changing'));

    let found: FoundFile;
    let mtimeMs: number;
    try {
      [found, mtimeMs] = await Promise.all([
        readStoreFile(path, MAX_LOCK_BYTES),
        stat(path).then((s) => s.mtimeMs),
      ]);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // just released
      throw ioError('read the lock file', path, err);
    }
    if (found.kind === 'missing') continue; // just released
    // A lock file too large to be one is as unreadable as a damaged one.
    const held = found.kind === 'text' ? parseLock(found.text) : null;
    if (!held) {
      // Another node may be between creating its lock and writing it: give it a moment.
      if (Date.now() - mtimeMs < 2000) {
        await sleep(100);
        continue;
      }
      notice = `replaced an unreadable lock file ${path}`;
    } else {
      const state = liveness(held, mtimeMs);
      const who = `pid ${held.pid}, started ${held.startedAt}`;
      if (state.alive === 'self') throw inThisProcess();
      if (state.alive === true)
        throw new StoreLockedError(
          `${dir} is in use by another LVS Node (${who}); stop it or use another --data folder`,
          dir,
          held.pid,
        );
      if (state.alive === 'unknown')
        throw new StoreLockedError(
          `${dir} is in use by an LVS Node on host ${held.hostname} (${who}); stop it or use another --data folder (if it is not running, delete ${path})`,
          dir,
          held.pid,
        );
      notice = `took over the lock of LVS Node ${who}, as ${state.why}`;
    }
    try {
      await unlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw ioError('remove the stale lock file', path, err);
    }
  }
}

function makeLock(dir: string, path: string, info: LockInfo): DirLock {
  let released = false;
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      try {
        // Only our own lock: if another node took it over meanwhile, it is theirs now.
        const found = await readStoreFile(path, MAX_LOCK_BYTES);
        const current = found.kind === 'text' ? parseLock(found.text) : null;
        if (current?.token === info.token) await unlink(path);
      } catch (err) {
        if (err instanceof StoreError) throw err;
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw ioError('remove the lock file', path, err);
      }
    },
  };
}
