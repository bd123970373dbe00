// The node store on real files: round trips, bounds, coalesced writes, the rolling backup, what
// happens to damaged and newer files, and the data folder's lock.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCK_FILE,
  NodeStore,
  StoreClosedError,
  StoreError,
  StoreLockedError,
  StoreNewerFormatError,
  userDataDir,
  type OpenOptions,
  type StoreDocument,
} from '../../src-main/node/store';
import { makeEvent, Rule } from '../../src-shared/drift/rules';

let root = '';
let n = 0;
/** Stores left open by a failing test are closed afterwards, so their locks do not leak. */
const open: NodeStore[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lvs-store-test-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A new, empty data folder (not created yet: the store creates it). */
function folder(): string {
  return join(root, `d${++n}`);
}

async function openStore(dir: string, opts: Partial<OpenOptions> = {}) {
  const opened = await NodeStore.open(dir, { appVersion: '0.1.0-test', ...opts });
  open.push(opened.store);
  return opened;
}

async function closeStore(store: NodeStore): Promise<void> {
  await store.close();
  open.splice(open.indexOf(store), 1);
}

const mainOf = (dir: string) => join(dir, 'node.json');
const bakOf = (dir: string) => join(dir, 'node.json.bak');
const readDoc = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as StoreDocument;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A folder whose main file holds cycle 2 and whose backup holds cycle 1. */
async function seeded(): Promise<string> {
  const dir = folder();
  const { store } = await openStore(dir);
  for (const cycle of [1, 2]) {
    store.update((doc) => {
      doc.state.cycle = cycle;
      doc.state.S = [cycle, 10];
    });
    await store.flush();
  }
  await closeStore(store);
  return dir;
}

/** One line, no control characters, no stack. */
function expectOneLine(text: string | undefined): void {
  expect(text).toBeDefined();
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u001f\u007f\ufffd]/);
  expect(text).not.toMatch(/\s+at \S+ \(|node:internal|\.ts:\d+/);
}

async function corruptNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.includes('.corrupt-')).sort();
}

describe('round trip', () => {
  it('starts fresh, then keeps everything across a close and an open', async () => {
    const dir = folder();
    const first = await openStore(dir);
    expect(first.recovered).toBe('fresh');
    expect(first.notice).toBeUndefined();
    expect(first.store.data.state).toEqual({
      S: [0, 0],
      D: [0, 0],
      earned: 0,
      tcSelf: 1,
      recovery: false,
      cycle: 0,
    });
    first.store.update((doc) => {
      doc.config = { params: { dimensions: 3, alpha: 0.02 }, cycleMs: 250, bootstrap: ['/ip4/1'] };
      doc.state = {
        S: [1, 2.5, 3],
        D: [0.1, -0.2, 0],
        earned: 4.25,
        tcSelf: 0.9,
        recovery: true,
        cycle: 42,
      };
      doc.trust = { a: 0.5, b: 1 };
      doc.counters = { framesDropped: 3 };
      doc.history.push({ cycle: 42, at: '2026-11-21T06:00:00.000Z', S: [1, 2.5, 3] });
    });
    first.store.appendEvents([makeEvent(Rule.DriftClamp, 3, 2)], 42);
    await closeStore(first.store);
    const written = structuredClone(first.store.data); // savedAt as of the last write

    const again = await openStore(dir);
    expect(again.recovered).toBe('main');
    expect(again.notice).toBeUndefined();
    expect(again.store.data).toEqual(written);
    expect(again.store.data.writtenBy).toBe('0.1.0-test');
    expect(again.store.data.events[0]).toMatchObject({
      rule: 'drift-clamp',
      value: 3,
      limit: 2,
      cycle: 42,
    });
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['node.json', LOCK_FILE]));
    await closeStore(again.store);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it('starts a fresh node from the given config and S', async () => {
    const { store } = await openStore(folder(), {
      fresh: { config: { params: { dimensions: 3 } }, S: [5, 6, 7] },
    });
    expect(store.data.state.S).toEqual([5, 6, 7]);
    expect(store.data.state.D).toEqual([0, 0, 0]);
    expect(store.data.config.params).toEqual({ dimensions: 3 });
  });

  it('keeps config keys this version does not know', async () => {
    const dir = folder();
    const { store } = await openStore(dir);
    store.update((doc) => {
      doc.config.listen = ['/ip4/0.0.0.0/tcp/0'];
    });
    await closeStore(store);
    expect((await openStore(dir)).store.data.config.listen).toEqual(['/ip4/0.0.0.0/tcp/0']);
  });
});

describe('bounds', () => {
  it('keeps only the newest history, events, trust and counters, in memory and on disk', async () => {
    const dir = folder();
    const limits = { history: 5, events: 3, trust: 4, counters: 2 };
    const { store } = await openStore(dir, { limits });
    for (let cycle = 1; cycle <= 12; cycle++) {
      store.update((doc) => {
        doc.history.push({ cycle, at: new Date().toISOString(), S: [cycle, 0] });
        doc.trust[`peer-${cycle}`] = 0.5;
        doc.counters[`c${cycle}`] = cycle;
      });
      store.appendEvents(
        [makeEvent(Rule.Finite, NaN, 0), makeEvent(Rule.Anomaly, 60, 50, 'p')],
        cycle,
      );
    }
    const check = (doc: Readonly<StoreDocument>) => {
      expect(doc.history.map((h) => h.cycle)).toEqual([8, 9, 10, 11, 12]);
      expect(doc.events.map((e) => [e.cycle, e.rule])).toEqual([
        [11, 'anomaly-bound'],
        [12, 'finite-state'],
        [12, 'anomaly-bound'],
      ]);
      expect(doc.events[1].value).toBeNull(); // NaN kept out of the file
      expect(doc.events[2].peer).toBe('p');
      expect(Object.keys(doc.trust)).toEqual(['peer-9', 'peer-10', 'peer-11', 'peer-12']);
      expect(doc.counters).toEqual({ c11: 11, c12: 12 });
    };
    check(store.data);
    await closeStore(store);
    check(await readDoc(mainOf(dir)));
  });

  it('trims a file written with larger bounds instead of calling it damaged', async () => {
    const dir = folder();
    const { store } = await openStore(dir);
    store.update((doc) => {
      for (let cycle = 1; cycle <= 50; cycle++)
        doc.history.push({ cycle, at: doc.savedAt, S: [1, 1] });
    });
    await closeStore(store);
    const again = await openStore(dir, { limits: { history: 10 } });
    expect(again.recovered).toBe('main');
    expect(again.store.data.history.map((h) => h.cycle)).toEqual([
      41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
    ]);
  });
});

describe('writes', () => {
  it('coalesces many updates into a few writes and flushes on close', async () => {
    const dir = await seeded();
    const { store } = await openStore(dir, { persistMs: 50 });
    expect(store.writes).toBe(0);
    const started = performance.now();
    let cycle = 2;
    for (let i = 0; i < 40; i++) {
      store.update((doc) => {
        doc.state.cycle = ++cycle;
      });
      await sleep(1);
    }
    // At most one write per 50 ms: one at the first update, then one per 50 ms begun. Counted
    // against the time the updates really took, which a busy machine stretches.
    const elapsed = performance.now() - started;
    expect(store.writes).toBeGreaterThanOrEqual(1);
    expect(store.writes).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 50));
    await closeStore(store);
    expect((await readDoc(mainOf(dir))).state.cycle).toBe(cycle);
  });

  it('writes nothing before persistMs has passed since the last write, except on flush or close', async () => {
    const dir = folder();
    const { store } = await openStore(dir, { persistMs: 60_000 });
    expect(store.writes).toBe(1); // the fresh document, at once
    for (let i = 0; i < 100; i++)
      store.update((doc) => {
        doc.state.cycle++;
      });
    await sleep(50);
    expect(store.writes).toBe(1);
    expect(store.pending).toBe(true);
    expect((await readDoc(mainOf(dir))).state.cycle).toBe(0);
    await store.flush();
    expect(store.writes).toBe(2);
    expect(store.pending).toBe(false);
    expect((await readDoc(mainOf(dir))).state.cycle).toBe(100);
    store.update((doc) => {
      doc.state.cycle = 101;
    });
    await closeStore(store);
    expect(store.writes).toBe(3);
    expect((await readDoc(mainOf(dir))).state.cycle).toBe(101);
    await store.close(); // twice is fine
    expect(() => store.update(() => undefined)).toThrow(StoreClosedError);
  });

  it('keeps the previous save as the one rolling backup, and no temporary files', async () => {
    const dir = folder();
    const { store } = await openStore(dir);
    for (const cycle of [1, 2, 3]) {
      store.update((doc) => {
        doc.state.cycle = cycle;
      });
      await store.flush();
      expect((await readDoc(mainOf(dir))).state.cycle).toBe(cycle);
      expect((await readDoc(bakOf(dir))).state.cycle).toBe(cycle - 1);
    }
    expect((await readdir(dir)).sort()).toEqual(['node.json', 'node.json.bak', LOCK_FILE]);
  });

  it('refuses to save a document that would not load again, and keeps the last good file', async () => {
    const dir = await seeded();
    const { store } = await openStore(dir);
    const before = await readFile(mainOf(dir));
    store.update((doc) => {
      doc.state.S = [NaN, 1];
    });
    await expect(store.flush()).rejects.toThrow(StoreError);
    await expect(store.flush()).rejects.toThrow(/would not load again .*node\.json: state\.S\.0: /);
    expect(await readFile(mainOf(dir))).toEqual(before);
    store.update((doc) => {
      doc.state.S = [0, 1];
    });
    await store.flush();
    expect((await readDoc(mainOf(dir))).state.S).toEqual([0, 1]);
  });

  it('logs a failing background write once, keeps the change, and saves it when it can', async () => {
    const dir = await seeded();
    const lines: string[] = [];
    const { store } = await openStore(dir, { persistMs: 5, log: (line) => lines.push(line) });
    // A folder where the temporary file would go makes every write fail.
    const blocker = join(dir, `node.json.tmp-${process.pid}`);
    await mkdir(blocker);
    store.update((doc) => {
      doc.state.cycle = 7;
    });
    await sleep(60);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cannot write .*node\.json\.tmp-\d+: EISDIR.* \(will retry\)$/);
    expectOneLine(lines[0]);
    await expect(store.flush()).rejects.toThrow(StoreError);
    await rm(blocker, { recursive: true });
    await store.flush();
    expect((await readDoc(mainOf(dir))).state.cycle).toBe(7);
  });

  it('removes what interrupted writes left, and nothing else', async () => {
    const dir = await seeded();
    await writeFile(join(dir, 'node.json.tmp-4242'), '{"half');
    await writeFile(join(dir, 'node.json.bak.tmp-4242'), '{"half');
    await writeFile(join(dir, 'node.json.tmp-notes'), 'mine');
    const { recovered, notice } = await openStore(dir);
    expect(recovered).toBe('main');
    expect(notice).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual([
      'node.json',
      'node.json.bak',
      'node.json.tmp-notes',
      LOCK_FILE,
    ]);
  });
});

describe('damaged and newer files', () => {
  const cases: readonly (readonly [
    name: string,
    bytes: (good: Buffer) => Buffer | string,
    reason: RegExp,
  ])[] = [
    ['a truncated file', (good) => good.subarray(0, good.length >> 1), /did not parse \(.+\)/],
    [
      'garbage bytes',
      () => Buffer.concat([randomBytes(300), Buffer.from('\n\r\0\u2028')]),
      /did not parse \(/,
    ],
    ['an empty file', () => '', /did not parse \(the file is empty\)/],
    [
      'valid JSON of another shape',
      () => '{"format":1,"hello":"world"}',
      /does not match the schema \(writtenBy: /,
    ],
    ['JSON that is not an object', () => '[1,2,3]', /does not match the schema \(/],
    [
      'a negative value unit',
      (good) => good.toString().replace(/"S":\[2,10\]/, '"S":[-2,10]'),
      /does not match the schema \(state\.S\.0: .*>=0/,
    ],
    [
      'S with more components than dimensions',
      (good) => good.toString().replace(/"S":\[2,10\]/, '"S":[2,10,3]'),
      /does not match the schema \(state\.S: has 3 components, dimensions is 2\)/,
    ],
    [
      'drift parameters out of range',
      (good) => good.toString().replace(/"params":\{\}/, '"params":{"alpha":5}'),
      /does not match the schema \(config\.params: alpha must be in \[0, 1\] \(got 5\)\)/,
    ],
    [
      'a trust credit over 1',
      (good) => good.toString().replace(/"trust":\{\}/, '"trust":{"p":1.5}'),
      /does not match the schema \(trust\.p: /,
    ],
  ];

  for (const [name, damage, reason] of cases)
    it(`keeps ${name} aside, byte for byte, and starts from the backup`, async () => {
      const dir = await seeded();
      const bad = damage(await readFile(mainOf(dir)));
      await writeFile(mainOf(dir), bad);
      const { store, recovered, notice } = await openStore(dir);
      expect(recovered).toBe('backup');
      expect(store.data.state.cycle).toBe(1);
      expectOneLine(notice);
      expect(notice).toMatch(
        new RegExp(
          `^node\\.json in ${dir} ${reason.source}.*; kept it as node\\.json\\.corrupt-\\S+; started from the backup saved at \\S+Z$`,
        ),
      );
      const aside = await corruptNames(dir);
      expect(aside).toHaveLength(1);
      expect(aside[0]).toMatch(/^node\.json\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
      expect(notice).toContain(aside[0]);
      expect(await readFile(join(dir, aside[0]))).toEqual(Buffer.from(bad));
      // The node has a main file again, and the backup is still the one it started from.
      expect((await readDoc(mainOf(dir))).state.cycle).toBe(1);
      expect((await readDoc(bakOf(dir))).state.cycle).toBe(1);
    });

  it('keeps both aside and starts fresh when the backup is damaged too', async () => {
    const dir = await seeded();
    await writeFile(mainOf(dir), '{"format":1,');
    await writeFile(bakOf(dir), 'not json');
    const { store, recovered, notice } = await openStore(dir);
    expect(recovered).toBe('fresh');
    expect(store.data.state.cycle).toBe(0);
    expectOneLine(notice);
    expect(notice).toMatch(
      /^node\.json in \S+ did not parse \(.*\); kept it as node\.json\.corrupt-\S+; node\.json\.bak did not parse \(.*\); kept it as node\.json\.bak\.corrupt-\S+; started fresh$/,
    );
    const aside = await corruptNames(dir);
    expect(aside.map((f) => f.replace(/corrupt-.*/, 'corrupt-'))).toEqual([
      'node.json.bak.corrupt-',
      'node.json.corrupt-',
    ]);
    expect(await readFile(join(dir, aside[0]), 'utf8')).toBe('not json');
    expect(await readFile(join(dir, aside[1]), 'utf8')).toBe('{"format":1,');
  });

  it('starts from the backup when the main file is missing', async () => {
    const dir = await seeded();
    await rm(mainOf(dir));
    const { store, recovered, notice } = await openStore(dir);
    expect(recovered).toBe('backup');
    expect(store.data.state.cycle).toBe(1);
    expect(notice).toMatch(/^node\.json in \S+ was missing; started from the backup saved at \S+$/);
  });

  it('keeps a damaged backup aside rather than let the next save replace it', async () => {
    const dir = await seeded();
    await writeFile(bakOf(dir), '{');
    const { store, recovered, notice } = await openStore(dir);
    expect(recovered).toBe('main');
    expect(store.data.state.cycle).toBe(2);
    expect(notice).toMatch(
      /^node\.json\.bak in \S+ did not parse \(.*\); kept it as node\.json\.bak\.corrupt-\S+ \(node\.json is fine\)$/,
    );
    expect(await corruptNames(dir)).toHaveLength(1);
  });

  it('never overwrites an earlier damaged file kept with the same timestamp', async () => {
    const dir = await seeded();
    const now = () => new Date('2026-11-21T06:12:00.250Z');
    await writeFile(mainOf(dir), 'first');
    await closeStore((await openStore(dir, { now })).store);
    await writeFile(mainOf(dir), 'second');
    const { notice } = await openStore(dir, { now });
    expect(notice).toContain('kept it as node.json.corrupt-2026-11-21T06-12-00Z-2;');
    expect(await corruptNames(dir)).toEqual([
      'node.json.corrupt-2026-11-21T06-12-00Z',
      'node.json.corrupt-2026-11-21T06-12-00Z-2',
    ]);
    expect(await readFile(join(dir, 'node.json.corrupt-2026-11-21T06-12-00Z'), 'utf8')).toBe(
      'first',
    );
    expect(await readFile(join(dir, 'node.json.corrupt-2026-11-21T06-12-00Z-2'), 'utf8')).toBe(
      'second',
    );
  });

  it('refuses a file from a newer version and leaves the folder exactly as it was', async () => {
    const dir = await seeded();
    const newer = JSON.stringify({ format: 2, writtenBy: '9.0.0', somethingNew: [1, 2] });
    await writeFile(mainOf(dir), newer);
    const listing = (await readdir(dir)).sort();
    const backup = await readFile(bakOf(dir));
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await NodeStore.open(dir, { appVersion: '0.1.0' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreNewerFormatError);
      expect((err as Error).message).toBe(
        `${mainOf(dir)} was written by a newer LVS Node (format 2, version 9.0.0; this version reads format 1): refusing to start so as not to lose it; update LVS Node or use another --data folder`,
      );
      // Untouched, and the lock was given back (the second attempt fails the same way).
      expect((await readdir(dir)).sort()).toEqual(listing);
      expect(await readFile(mainOf(dir), 'utf8')).toBe(newer);
      expect(await readFile(bakOf(dir))).toEqual(backup);
    }
  });

  it('refuses a newer backup too, even beside a good main file', async () => {
    const dir = await seeded();
    await writeFile(bakOf(dir), '{"format":3}');
    const err = await NodeStore.open(dir, { appVersion: '0.1.0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreNewerFormatError);
    expect((err as Error).message).toMatch(
      /node\.json\.bak was written by a newer LVS Node \(format 3; this version reads format 1\)/,
    );
    expect(await readFile(bakOf(dir), 'utf8')).toBe('{"format":3}');
  });
});

describe('the data folder', () => {
  it('is created if missing, and refused if it is a file', async () => {
    const dir = join(folder(), 'a', 'b');
    const { store } = await openStore(dir);
    expect(store.dir).toBe(dir);
    const file = join(root, `file-${++n}`);
    await writeFile(file, 'x');
    const err = await NodeStore.open(file, { appVersion: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toBe(
      `${file} is not a folder; give a folder for the node's data`,
    );
  });

  it('refuses to start a fresh node from a config that would not load again', async () => {
    const dir = folder();
    const err = await NodeStore.open(dir, {
      appVersion: '0',
      fresh: { config: { params: { alpha: 5 } } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(
      /would not load again .*: config\.params: alpha must be in \[0, 1\] \(got 5\)$/,
    );
    expect(await readdir(dir)).toEqual([]); // no store written, lock given back
  });

  it('follows Electron for the default location', () => {
    const home = '/home/u';
    expect(userDataDir('LVS Node', 'linux', {}, home)).toBe('/home/u/.config/LVS Node');
    expect(userDataDir('LVS Node', 'linux', { XDG_CONFIG_HOME: '/x' }, home)).toBe('/x/LVS Node');
    expect(userDataDir('LVS Node', 'darwin', {}, home)).toBe(
      '/home/u/Library/Application Support/LVS Node',
    );
    expect(userDataDir('LVS Node', 'win32', { APPDATA: '/appdata' }, home)).toBe(
      join('/appdata', 'LVS Node'),
    );
  });
});

/** A process that stays alive until killed. */
function sleeper() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return child;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((done) => child.on('exit', done));
  return child.pid!;
}

async function writeLock(dir: string, info: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, LOCK_FILE),
    JSON.stringify({ hostname: hostname(), startedAt: '2026-11-21T06:00:00.000Z', ...info }),
  );
}

describe('the lock', () => {
  it('keeps a second store from opening the folder while the first is open', async () => {
    const dir = folder();
    const { store } = await openStore(dir);
    const err = await NodeStore.open(dir, { appVersion: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as Error).message).toBe(
      `${dir} is already open in this process (pid ${process.pid}); close the other store first`,
    );
    await closeStore(store);
    await closeStore((await openStore(dir)).store);
  });

  it('names the folder and the other process when another node holds it', async () => {
    const dir = folder();
    const other = sleeper();
    try {
      await writeLock(dir, { pid: other.pid });
      const err = await NodeStore.open(dir, { appVersion: '0' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as StoreLockedError).pid).toBe(other.pid);
      expect((err as Error).message).toBe(
        `${dir} is in use by another LVS Node (pid ${other.pid}, started 2026-11-21T06:00:00.000Z); stop it or use another --data folder`,
      );
      expect(await readdir(dir)).toEqual([LOCK_FILE]); // nothing else touched
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a node that is gone, and says so', async () => {
    const dir = await seeded();
    const pid = await deadPid();
    await writeLock(dir, { pid });
    const { store, recovered, notice } = await openStore(dir);
    expect(recovered).toBe('main');
    expect(notice).toBe(
      `took over the lock of LVS Node pid ${pid}, started 2026-11-21T06:00:00.000Z, as it is no longer running`,
    );
    const lock = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(process.pid);
    await closeStore(store);
  });

  it('takes over a lock from before the machine restarted, even if its pid is in use now', async () => {
    const dir = folder();
    await writeLock(dir, { pid: process.ppid, boot: 'another-boot' });
    const { notice } = await openStore(dir);
    expect(notice).toMatch(
      /^took over the lock of LVS Node pid \d+, .*, as the machine has restarted since$/,
    );
  });

  it('tells a lock of this process (another thread) from one left by an earlier process with its pid', async () => {
    const dir = folder();
    await writeLock(dir, { pid: process.pid });
    const err = await NodeStore.open(dir, { appVersion: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as Error).message).toMatch(/is already open in this process/);
    // Written before this process started: a container restarted with the same pid, say.
    const before = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    await utimes(join(dir, LOCK_FILE), before, before);
    const { notice } = await openStore(dir);
    expect(notice).toMatch(
      new RegExp(`^took over the lock of LVS Node pid ${process.pid}, .*no longer running$`),
    );
  });

  it('never takes over a lock from another host', async () => {
    const dir = folder();
    await writeLock(dir, { pid: 1234, hostname: 'elsewhere' });
    const err = await NodeStore.open(dir, { appVersion: '0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect((err as Error).message).toBe(
      `${dir} is in use by an LVS Node on host elsewhere (pid 1234, started 2026-11-21T06:00:00.000Z); stop it or use another --data folder (if it is not running, delete ${join(dir, LOCK_FILE)})`,
    );
  });

  it('replaces an unreadable lock once it is old enough not to be half written', async () => {
    const dir = folder();
    await mkdir(dir);
    await writeFile(join(dir, LOCK_FILE), '');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, LOCK_FILE), old, old);
    const { notice } = await openStore(dir);
    expect(notice).toBe(`replaced an unreadable lock file ${join(dir, LOCK_FILE)}`);
  });

  it('leaves a lock alone that another node took over meanwhile', async () => {
    const dir = folder();
    const { store } = await openStore(dir);
    await writeLock(dir, { pid: 999_999, token: 'someone-else' });
    await closeStore(store);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      token: 'someone-else',
    });
  });
});
