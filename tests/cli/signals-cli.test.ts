// Ctrl-C and SIGTERM through the wrappers a node is really started with: `npm run lvs -- node`
// (npm, sh, node --import tsx), `npm start` (npm, sh, scripts/start.js, bin/lvs.js from out/)
// and `npx lvs node` (npm exec, sh, bin/lvs.js). A terminal's Ctrl-C signals its whole foreground process group, so each run is started
// in a group of its own (detached) and signalled as `kill(-pgid, SIGINT)`, as a terminal does.
// What must hold afterwards: node.json at the cycle the node logged last, no node.lock, no
// temporary file, the node's own exit code 0 (it logs it: npm and sh report their own signal).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { disposeLvs, killAll, prepareLvs, ROOT, start } from '../helpers/lvs-process';

let work = '';
const groups: number[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-signals-'));
  await prepareLvs();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

afterEach(() => {
  // A failed test must not leave a node running on the machine.
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Each node: its own folder, loopback, any port, no mDNS, JSON logs, fast cycles. */
const nodeFlags = (data: string) => [
  '--data',
  data,
  '--host',
  '127.0.0.1',
  '--port',
  '0',
  '--no-mdns',
  '--json-logs',
  '--cycle-ms',
  '50',
  '--status-every',
  '0.2',
];

type Rec = { msg?: string; kind?: string; cycle?: number; code?: number; pid?: number };

interface Launched {
  readonly pgid: number;
  /** Resolves with the first log record that matches (the node logs JSON lines on stdout). */
  waitFor(test: (r: Rec) => boolean, timeoutMs?: number): Promise<Rec>;
  /** npm's own end: its exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process that held our stdout has ended (npm may end before the node does). */
  readonly closed: Promise<void>;
  records(): Rec[];
  stderr(): string;
}

/** `npm <args>` in a process group of its own, as a terminal's foreground job is. */
function launch(npmArgs: readonly string[], command: 'npm' | 'npx' = 'npm'): Launched {
  const child = spawn(command, [...npmArgs], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  groups.push(child.pid!);
  let out = '';
  let err = '';
  const recs: Rec[] = [];
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('{')) recs.push(JSON.parse(line) as Rec);
    }
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const closed = new Promise<void>((ok) => child.stdout.on('close', () => ok()));
  return {
    pgid: child.pid!,
    exited: new Promise((ok) => child.on('exit', (code, signal) => ok({ code, signal }))),
    closed,
    records: () => recs,
    stderr: () => err,
    waitFor: (test, timeoutMs = 120_000) =>
      new Promise((ok, fail) => {
        const check = () => {
          const r = recs.find(test);
          if (r) {
            waiters.delete(check);
            clearTimeout(timer);
            ok(r);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`timed out; records:\n${JSON.stringify(recs)}\nstderr:\n${err}`));
        }, timeoutMs);
        waiters.add(check);
        void closed.then(() => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          clearTimeout(timer);
          fail(new Error(`ended early; records:\n${JSON.stringify(recs)}\nstderr:\n${err}`));
        });
        check();
      }),
  };
}

/** The node stopped gracefully, once, and left its folder clean at its last cycle. */
async function expectCleanStop(l: Launched, data: string, how: RegExp): Promise<void> {
  await l.closed;
  const recs = l.records();
  const stopping = recs.filter((r) => r.kind === 'stopping');
  expect(stopping, l.stderr()).toHaveLength(1);
  expect(stopping[0]!.msg).toMatch(how);
  expect(recs.some((r) => /exiting at once/.test(r.msg ?? ''))).toBe(false);
  const stopped = recs.find((r) => /^stopped at cycle \d+/.test(r.msg ?? ''));
  expect(stopped, JSON.stringify(recs.slice(-5))).toBeDefined();
  const finalCycle = Number(/^stopped at cycle (\d+)/.exec(stopped!.msg!)![1]);
  expect(finalCycle).toBeGreaterThanOrEqual(3);
  const exit = recs.filter((r) => r.kind === 'exit');
  expect(exit.map((r) => r.code)).toEqual([0]);
  const stored = JSON.parse(await readFile(join(data, 'node.json'), 'utf8')) as {
    state: { cycle: number };
  };
  expect(stored.state.cycle).toBe(finalCycle);
  const left = await readdir(data);
  expect(left).not.toContain('node.lock');
  expect(left.filter((f) => f.includes('.tmp-'))).toEqual([]);
  // Nothing of the job is left running. A node whose shell died before it is reparented to
  // pid 1, which in a container may never reap it: a zombie has ended, so it counts as gone.
  await l.exited;
  expect(liveMembers(l.pgid)).toEqual([]);
}

/** `pid stat args` of every process of the group that has not ended (zombies have). */
function liveMembers(pgid: number): string[] {
  const r = spawnSync('ps', ['-o', 'pid=,stat=,args=', '-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\d+\s+Z/.test(line));
}

const running = (r: Rec) => r.kind === 'status' && (r.cycle ?? 0) >= 3;

describe('npm run lvs -- node', () => {
  it('Ctrl-C (SIGINT to the foreground group) saves the final cycle; npm reports the interrupt', async () => {
    const data = await mkdtemp(join(work, 'run-int-'));
    const l = launch(['run', '--silent', 'lvs', '--', 'node', ...nodeFlags(data)]);
    await l.waitFor(running);
    process.kill(-l.pgid, 'SIGINT');
    const npm = await l.exited;
    // npm re-raises the signal its script died of; that is npm's report, not the node's code.
    expect(npm.signal === 'SIGINT' || npm.code === 130, JSON.stringify(npm)).toBe(true);
    await expectCleanStop(l, data, /^SIGINT: stopping/);
  }, 180_000);

  it('SIGTERM to npm alone stops the node gracefully (its shell dies of it, the node sees that)', async () => {
    const data = await mkdtemp(join(work, 'run-term-'));
    const l = launch(['run', '--silent', 'lvs', '--', 'node', ...nodeFlags(data)]);
    await l.waitFor(running);
    process.kill(l.pgid, 'SIGTERM');
    await expectCleanStop(l, data, /process that started this node is gone/);
  }, 180_000);
});

describe('npm start (no Electron binary: the web monitor with a personal node)', () => {
  it('Ctrl-C saves the final cycle and exits 0', async () => {
    const data = await mkdtemp(join(work, 'start-int-'));
    const l = launch(['start', '--silent', '--', ...nodeFlags(data), '--monitor-port', '0']);
    await l.waitFor(running, 300_000);
    process.kill(-l.pgid, 'SIGINT');
    const npm = await l.exited;
    expect(npm.signal === 'SIGINT' || npm.code === 130, JSON.stringify(npm)).toBe(true);
    await expectCleanStop(l, data, /^SIGINT: stopping/);
  }, 360_000);

  it('SIGTERM to npm alone stops the node gracefully', async () => {
    const data = await mkdtemp(join(work, 'start-term-'));
    const l = launch(['start', '--silent', '--', ...nodeFlags(data), '--monitor-port', '0']);
    await l.waitFor(running, 300_000);
    process.kill(l.pgid, 'SIGTERM');
    await expectCleanStop(l, data, /^SIGTERM: stopping/);
  }, 360_000);
});

describe('npx lvs node (bin/lvs.js: the build in out/)', () => {
  beforeAll(() => {
    // bin/lvs.js runs out/main/cli.js: build it if the sources are newer (npm start would too).
    const cli = join(ROOT, 'out/main/cli.js');
    const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
    const newest = Math.max(
      ...['src-main', 'src-shared', 'src-renderer'].flatMap((d) =>
        readdirSync(join(ROOT, d), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => statSync(join(e.parentPath, e.name)).mtimeMs),
      ),
    );
    if (newest > built)
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 300_000);

  it('Ctrl-C saves the final cycle; npx reports the interrupt', async () => {
    const data = await mkdtemp(join(work, 'npx-int-'));
    const l = launch(['--no-install', 'lvs', 'node', ...nodeFlags(data)], 'npx');
    await l.waitFor(running);
    process.kill(-l.pgid, 'SIGINT');
    const npx = await l.exited;
    expect(npx.signal === 'SIGINT' || npx.code === 130, JSON.stringify(npx)).toBe(true);
    await expectCleanStop(l, data, /^SIGINT: stopping/);
  }, 180_000);

  it('SIGTERM to npx alone stops the node gracefully', async () => {
    const data = await mkdtemp(join(work, 'npx-term-'));
    const l = launch(['--no-install', 'lvs', 'node', ...nodeFlags(data)], 'npx');
    await l.waitFor(running);
    process.kill(l.pgid, 'SIGTERM');
    await expectCleanStop(l, data, /process that started this node is gone/);
  }, 180_000);
});

describe('a burst of one signal', () => {
  it('is one request: three SIGINTs within a moment stop the node once, with its final save', async () => {
    const data = await mkdtemp(join(work, 'burst-'));
    const p = start(nodeFlags(data));
    await p.waitFor(/"kind":"status","cycle":([3-9]|\d\d)/);
    // The terminal's SIGINT, then copies as a wrapper relays them (tsx waits 30 ms per try).
    p.child.kill('SIGINT');
    p.child.kill('SIGINT');
    await new Promise((ok) => setTimeout(ok, 30));
    p.child.kill('SIGINT');
    // A copy that comes after the stop, while the process exits, is ignored too (it had killed
    // the process with 130 after a clean stop). If the process is gone already, nothing is sent.
    await p.waitFor(/stopped at cycle/);
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(0);
    const recs = r.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Rec);
    expect(recs.filter((x) => x.kind === 'stopping')).toHaveLength(1);
    expect(recs.some((x) => /exiting at once/.test(x.msg ?? ''))).toBe(false);
    const stopped = recs.find((x) => /^stopped at cycle \d+/.test(x.msg ?? ''));
    const finalCycle = Number(/^stopped at cycle (\d+)/.exec(stopped?.msg ?? '')?.[1]);
    const stored = JSON.parse(await readFile(join(data, 'node.json'), 'utf8')) as {
      state: { cycle: number };
    };
    expect(stored.state.cycle).toBe(finalCycle);
    expect(await readdir(data)).not.toContain('node.lock');
    expect(recs.filter((x) => x.kind === 'exit').map((x) => x.code)).toEqual([0]);
  }, 60_000);
});
