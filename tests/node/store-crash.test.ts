// Crash safety of the node store, with real processes and real SIGKILLs: a child persists every
// 20 ms while changing its state every 2 ms, and is killed at seeded random moments. After every
// kill the folder must open from its main file, with no damaged file anywhere, and hold at least
// the last cycle the child saw reach the disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore, StoreLockedError } from '../../src-main/node/store';
import { seededRng } from '../../src-shared/random';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/store-crash-child.ts');
const KILLS = 60;
const PERSIST_MS = 20;

let work = '';
/** How to start the child: a pre-bundled .mjs (~0.1 s a start) or, failing that, through tsx. */
let childArgs: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-store-crash-'));
  const bundle = join(work, 'child.mjs');
  try {
    // esbuild comes with tsx; bundling saves tsx's start-up cost on each of the many spawns.
    const { build } = await import('esbuild');
    await build({
      entryPoints: [FIXTURE],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    childArgs = [bundle];
  } catch {
    childArgs = ['--import', 'tsx', FIXTURE];
  }
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the `ready` line's fields. */
  readonly ready: Promise<{ recovered: string; cycle: number }>;
  /** Resolves once the process is gone and its output read to the end. */
  readonly closed: Promise<void>;
  /** The cycle of the last `saved` line so far (-1: none). */
  lastSaved(): number;
  /** Whether a `saved` line ever went back (it must not). */
  wentBack(): boolean;
  saves(): number;
  stderr(): string;
}

function startChild(dir: string): Child {
  const proc = spawn(process.execPath, [...childArgs, dir, String(PERSIST_MS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  let err = '';
  let last = -1;
  let count = 0;
  let backwards = false;
  let onReady: (v: { recovered: string; cycle: number }) => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<{ recovered: string; cycle: number }>((ok, fail) => {
    onReady = ok;
    onFail = fail;
  });
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [word, a, b] = line.split(' ');
      if (word === 'saved') {
        const cycle = Number(a);
        if (!(cycle >= last)) backwards = true;
        last = cycle;
        count++;
      } else if (word === 'ready') onReady({ recovered: a, cycle: Number(b) });
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const closed = new Promise<void>((done) => proc.on('close', () => done()));
  void closed.then(() => onFail(new Error(`child exited before it was ready: ${err}`)));
  return {
    proc,
    ready,
    closed,
    lastSaved: () => last,
    wentBack: () => backwards,
    saves: () => count,
    stderr: () => err,
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('node store under SIGKILL', () => {
  it(`always reopens from a complete main file holding every reported save (${KILLS} kills)`, async () => {
    const dir = join(work, 'data');
    const rng = seededRng(20261121);
    let loaded = -1;
    let totalSaves = 0;
    let killedMidWrite = 0;

    for (let round = 0; round < KILLS; round++) {
      const child = startChild(dir);
      const ready = await child.ready;
      expect(ready.recovered).toBe(round === 0 ? 'fresh' : 'main');
      expect(ready.cycle).toBe(round === 0 ? 0 : loaded);

      if (round === 0) {
        // While the child runs, the folder is taken: the message names it and the child.
        const err = await NodeStore.open(dir, { appVersion: 'test' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreLockedError);
        expect((err as Error).message).toContain(`pid ${child.proc.pid}`);
        expect((err as Error).message).toContain(dir);
      }

      await sleep(30 + rng.float() * 120);
      child.proc.kill('SIGKILL');
      await child.closed;
      expect(child.stderr()).toBe('');
      expect(child.wentBack()).toBe(false);
      const reported = child.lastSaved();
      totalSaves += child.saves();

      const before = await readdir(dir);
      if (before.some((f) => f.includes('.tmp-'))) killedMidWrite++;

      const { store, recovered, notice } = await NodeStore.open(dir, { appVersion: 'test' });
      try {
        expect(recovered).toBe('main');
        // The only thing to report is the dead child's lock.
        expect(notice).toMatch(
          new RegExp(
            `^took over the lock of LVS Node pid ${child.proc.pid}, [^;]*no longer running$`,
          ),
        );
        expect(store.data.state.cycle).toBeGreaterThanOrEqual(reported);
        expect(store.data.state.cycle).toBeGreaterThanOrEqual(loaded);
        loaded = store.data.state.cycle;
        const after = await readdir(dir);
        expect(after.filter((f) => f.includes('.corrupt-'))).toEqual([]);
        expect(after.filter((f) => f.includes('.tmp-'))).toEqual([]);
      } finally {
        await store.close();
      }
    }

    // The child did make progress and saved along the way (about 4 saves and 20 cycles a round
    // here; the bounds leave room for slow machines). Report how many kills hit a write.
    expect(totalSaves).toBeGreaterThan(KILLS);
    expect(loaded).toBeGreaterThan(KILLS * 2);
    console.log(
      `store crash test: ${KILLS} kills, ${totalSaves} saves, ${killedMidWrite} kills during a write, final cycle ${loaded}`,
    );
  });
});
