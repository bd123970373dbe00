import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCK_FILE,
  MAX_STORE_BYTES,
  NodeStore,
  STORE_FILE,
  StoreNotAFileError,
} from '../../src-main/node/store';
import { SafeJsonFile } from '../../src-main/node/store/safe-file';
import { disposeLvs, killAll, prepareLvs, start, type Run } from '../helpers/lvs-process';

/*
 * What a node does with files in its data folder that its store never writes: a FIFO (or any
 * file that is not a regular one) where node.json, its backup or the lock belongs, and a
 * node.json larger than any store. Real files (mkfifo; a sparse file from truncate, so 600 MB
 * cost no disk) and real `lvs node` processes: the FIFO used to hang the start for good, past
 * SIGTERM, and the large file to stop the node with "Invalid string length".
 */

let work = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-store-odd-'));
  await prepareLvs();
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

const flags = (dir: string) => [
  ...['--data', dir, '--host', '127.0.0.1', '--port', '0', '--no-mdns'],
  ...['--cycle-ms', '10', '--persist-ms', '50', '--status-every', '0', '--log-level', 'debug'],
];

/** The run's end, or a failure naming what it printed when it has not ended within `ms`. */
async function ended(p: ReturnType<typeof start>, ms = 30_000): Promise<Run> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`still running after ${ms} ms:\n${p.out()}\n${p.err()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([p.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a FIFO where the store keeps a file', () => {
  for (const name of [STORE_FILE, `${STORE_FILE}.bak`, LOCK_FILE]) {
    it(`${name}: the node refuses to start in one line, without opening it, and leaves it there`, async () => {
      const dir = join(work, `fifo-${name}`);
      await mkdir(dir);
      execFileSync('mkfifo', [join(dir, name)]);
      const r = await ended(start(flags(dir)));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^lvs: [^\\n]*${name.replace('.', '\\.')} is a FIFO, not a regular file[^\\n]*\\n$`,
        ),
      );
      expect((await lstat(join(dir, name))).isFIFO()).toBe(true);
    });
  }

  it('in process: StoreNotAFileError names the file and what it found', async () => {
    const dir = join(work, 'fifo-in-process');
    await mkdir(dir);
    execFileSync('mkfifo', [join(dir, `${STORE_FILE}.bak`)]);
    const err = await NodeStore.open(dir, { appVersion: 'test' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreNotAFileError);
    expect((err as StoreNotAFileError).file).toBe(join(dir, `${STORE_FILE}.bak`));
    expect((err as StoreNotAFileError).found).toBe('FIFO');
  });
});

describe('odd files where --stable-key keeps its key', () => {
  it('a FIFO as node.key: refused in one line, without opening it, and left there', async () => {
    const dir = join(work, 'fifo-key');
    await mkdir(dir);
    execFileSync('mkfifo', [join(dir, 'node.key')]);
    const r = await ended(start([...flags(dir), '--stable-key']));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^lvs: [^\n]*node\.key is a FIFO, not a regular file[^\n]*\n$/);
    expect((await lstat(join(dir, 'node.key'))).isFIFO()).toBe(true);
  });

  it('a node.key far larger than a key: refused in one line, unread', async () => {
    const dir = join(work, 'large-key');
    await mkdir(dir);
    // A key is 68 bytes; 1 GB (sparse) would take the node's memory if it were read whole.
    await writeFile(join(dir, 'node.key'), '');
    await truncate(join(dir, 'node.key'), 2 ** 30);
    const r = await ended(start([...flags(dir), '--stable-key']));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^lvs: [^\n]*node\.key is 1073741824 bytes, larger than any key file[^\n]*\n$/,
    );
  });
});

describe('a node.json larger than any store', () => {
  it('is set aside unread and the node starts from its backup, then stops on SIGTERM', async () => {
    const dir = join(work, 'large');
    // A real store with a backup: two saves at least, then a graceful stop.
    const first = start(flags(dir));
    await first.waitFor(/saved cycle [1-9]\d*[\s\S]*saved cycle [1-9]\d*/);
    first.child.kill('SIGTERM');
    expect((await ended(first)).code).toBe(0);

    // 600 MB: over V8's longest string, so reading it whole could not even fail as a parse.
    const main = join(dir, STORE_FILE);
    await rm(main);
    await writeFile(main, '');
    await truncate(main, 600 * 2 ** 20);

    const again = start(flags(dir));
    await again.waitFor(/resumed cycle \d+ from node\.json\.bak/);
    const out = again.out();
    expect(out).toMatch(
      /node\.json in \S+ is 600\.0 MB, larger than any store LVS Node writes \(at most 16\.0 MB\), so it was not read; kept it as node\.json\.corrupt-/,
    );
    expect(out).toMatch(/started from the backup saved at/);
    again.child.kill('SIGTERM');
    const r = await ended(again);
    expect(r.code, r.stderr).toBe(0);

    // Set aside byte for byte (never deleted), and a new node.json written in its place.
    const aside = (await readdir(dir)).filter((f) => f.startsWith(`${STORE_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect((await stat(join(dir, aside[0]!))).size).toBe(600 * 2 ** 20);
    expect((await stat(main)).size).toBeLessThan(MAX_STORE_BYTES);
  });

  it('is never written: a document over the limit is refused before any file changes', async () => {
    const dir = join(work, 'write-limit');
    await mkdir(dir);
    const file = new SafeJsonFile(join(dir, STORE_FILE));
    await expect(file.writeText('x'.repeat(MAX_STORE_BYTES + 2 ** 20))).rejects.toThrow(
      /refusing to save .*node\.json: 17\.0 MB is over the 16\.0 MB a store may hold/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
