// Lab recordings kept under a size limit, on real files: the oldest go first, the newest stays,
// and nothing but a lab folder's recordings is touched.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepRecordingsUnder } from '../../src-main/lab/recording-retention';

const KB = 1024;
let dir: string;

/** A file of `kb` KB whose modification time is `minutesAgo` minutes before a fixed instant. */
async function file(path: string, kb: number, minutesAgo: number): Promise<string> {
  const full = join(dir, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, Buffer.alloc(kb * KB, 0x61));
  const t = new Date(Date.UTC(2026, 0, 1, 12, 0) - minutesAgo * 60_000);
  await utimes(full, t, t);
  return full;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-retention-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keepRecordingsUnder', () => {
  it('removes the oldest recordings until the rest fit, and touches nothing else', async () => {
    // Four labs, oldest first: 400 + 300 + 200 (gzipped) + 500 = 1,400 KB of recordings.
    const a = await file('lab-a/recording-a.jsonl', 400, 40);
    const b = await file('lab-b/recording-b.jsonl', 300, 30);
    const c = await file('lab-c/recording-c.jsonl.gz', 200, 20);
    const d = await file('lab-d/recording-d.jsonl', 500, 10);
    // Not recordings of a lab folder: a node's store, a user's own folder, a stray file.
    const store = await file('lab-a/node-0/node.json', 50, 50);
    const mine = await file('mine/recording-x.jsonl', 1000, 60);
    const stray = await file('lab-b/notes.txt', 10, 60);

    // 1,000 KB: dropping the oldest (400 KB) leaves exactly 1,000 KB.
    const kept = await keepRecordingsUnder(dir, 1000 * KB);
    expect(kept.removed).toEqual([a]);
    expect(kept.bytes).toBe(1000 * KB);
    expect([a, b, c, d].map((p) => existsSync(p))).toEqual([false, true, true, true]);
    expect([store, mine, stray].every((p) => existsSync(p))).toBe(true);

    // Run again with the same limit: nothing more to do.
    expect((await keepRecordingsUnder(dir, 1000 * KB)).removed).toEqual([]);

    // 600 KB: b (300) goes, leaving 700 > 600, so c (200) too: 500 KB left, the newest.
    const tighter = await keepRecordingsUnder(dir, 600 * KB);
    expect(tighter.removed).toEqual([b, c]);
    expect(tighter.bytes).toBe(500 * KB);
    expect(existsSync(d)).toBe(true);
  });

  it('keeps the newest recording even when it alone is over the limit, and any it is told to keep', async () => {
    const old = await file('lab-1/recording-1.jsonl', 300, 30);
    const writing = await file('lab-2/recording-2.jsonl', 300, 20);
    const newest = await file('lab-3/recording-3.jsonl', 300, 10);
    const kept = await keepRecordingsUnder(dir, 100 * KB, [writing]);
    expect(kept.removed).toEqual([old]);
    expect(kept.bytes).toBe(600 * KB);
    expect(existsSync(writing) && existsSync(newest)).toBe(true);
  });

  it('is a no-op for a labs folder that does not exist yet', async () => {
    expect(await keepRecordingsUnder(join(dir, 'none'), KB)).toEqual({ removed: [], bytes: 0 });
  });
});
