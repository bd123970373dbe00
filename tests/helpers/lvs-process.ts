// Real `lvs` processes for tests: the CLI and the engine worker bundled once with esbuild
// (packages stay in node_modules), so a start costs a fraction of a second instead of tsx's
// compile; without esbuild they run through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'src-main/cli/lvs.ts');
const WORKER = join(ROOT, 'src-main/node/engine/engine-worker.ts');

/** How to start `lvs`: the bundle, or through tsx. */
let lvsArgs: string[] = ['--import', 'tsx', ENTRY];
let bundleDir = '';

/** Bundles the CLI (call once, in beforeAll). */
export async function prepareLvs(): Promise<void> {
  try {
    const { build } = await import('esbuild');
    // Inside node_modules/, so that the bundle finds the packages it leaves external.
    await mkdir(join(ROOT, 'node_modules/.cache'), { recursive: true });
    bundleDir = await mkdtemp(join(ROOT, 'node_modules/.cache/lvs-node-cli-'));
    await writeFile(join(bundleDir, 'package.json'), '{ "type": "module" }\n');
    const common = {
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    } as const;
    // The drift engine's worker is loaded from beside the module that starts it.
    await build({ ...common, entryPoints: [ENTRY], outfile: join(bundleDir, 'cli.js') });
    await build({ ...common, entryPoints: [WORKER], outfile: join(bundleDir, 'engine-worker.js') });
    lvsArgs = [join(bundleDir, 'cli.js')];
  } catch {
    lvsArgs = ['--import', 'tsx', ENTRY];
  }
}

/** Removes the bundle (call in afterAll). */
export async function disposeLvs(): Promise<void> {
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `lvs node` with its output so far. */
export interface Proc {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves with the first match in stdout (waiting for more output as needed). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly done: Promise<Run>;
}

const procs: Proc[] = [];

/** Kills every process still running (call in afterEach). */
export function killAll(): void {
  for (const p of procs.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

/** Starts `lvs node` with these flags. */
export function start(args: readonly string[]): Proc {
  const child = spawn(process.execPath, [...lvsArgs, 'node', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<Run>((ok) =>
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      ok({ code, signal, stdout, stderr });
    }),
  );
  const proc: Proc = {
    child,
    out: () => stdout,
    err: () => stderr,
    done,
    waitFor: (re, timeoutMs = 15_000) =>
      new Promise((ok, fail) => {
        const check = () => {
          const m = re.exec(stdout);
          if (m) {
            waiters.delete(check);
            clearTimeout(timer);
            ok(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            fail(new Error(`lvs node ended before ${re}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          fail(new Error(`timed out waiting for ${re}:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  procs.push(proc);
  return proc;
}

/** Runs `lvs node` to its end. */
export const run = (args: readonly string[]): Promise<Run> => start(args).done;
