import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/*
 * Every lab writes a recording (8.8 MB for 30 s of 300 nodes, before gzip), so a labs folder
 * grows without end. After each lab, the recordings in the labs folder are kept under a size
 * limit: the oldest are removed first, and the newest (the lab that just ran) is always kept.
 *
 * Only what a lab of ours names is touched: files `recording-*.jsonl` or `recording-*.jsonl.gz`
 * directly inside a folder `lab-*` directly inside the labs folder (the folders `lvs lab` and
 * the monitor make). A lab given its own folder elsewhere (`lvs lab --dir`) is the user's to
 * keep and is neither counted nor removed. The lab's node stores stay where they are.
 */

/** The default limit: a few dozen large runs, or hundreds of small ones. */
export const DEFAULT_RECORDINGS_MB = 256;
/** The largest limit a flag or a setting may give, in MB (1 TB). */
export const MAX_RECORDINGS_MB = 1_000_000;

const LAB_FOLDER = /^lab-/;
const RECORDING_FILE = /^recording-.*\.jsonl(\.gz)?$/;

export interface KeptRecordings {
  /** The recordings removed, oldest first. */
  readonly removed: readonly string[];
  /** Bytes of the recordings left. */
  readonly bytes: number;
}

interface Found {
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

async function recordingsIn(labsDir: string): Promise<Found[]> {
  const found: Found[] = [];
  let labs: string[];
  try {
    labs = (await readdir(labsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && LAB_FOLDER.test(e.name))
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const lab of labs) {
    let files;
    try {
      files = await readdir(join(labsDir, lab), { withFileTypes: true });
    } catch {
      continue; // removed meanwhile, or unreadable: not ours to judge
    }
    for (const f of files) {
      if (!f.isFile() || !RECORDING_FILE.test(f.name)) continue;
      const path = join(labsDir, lab, f.name);
      const s = await stat(path).catch(() => null);
      if (s) found.push({ path, bytes: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return found;
}

/**
 * Removes the oldest recordings (by modification time) in `labsDir` until the rest take at most
 * `limitBytes`. Never removes the newest one, nor any in `keep` (a lab still writing).
 */
export async function keepRecordingsUnder(
  labsDir: string,
  limitBytes: number,
  keep: readonly string[] = [],
): Promise<KeptRecordings> {
  const found = (await recordingsIn(labsDir)).sort(
    (a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path),
  );
  const kept = new Set(keep.map((p) => resolve(p)));
  const newest = found.at(-1);
  if (newest) kept.add(resolve(newest.path));
  let bytes = found.reduce((sum, f) => sum + f.bytes, 0);
  const removed: string[] = [];
  for (const f of found) {
    if (bytes <= limitBytes) break;
    if (kept.has(resolve(f.path))) continue;
    await rm(f.path, { force: true });
    removed.push(f.path);
    bytes -= f.bytes;
  }
  return { removed, bytes };
}
