// Real `lvs` processes for tests: the CLI and its workers bundled once with esbuild
// (packages stay in node_modules), so a start costs a fraction of a second instead of tsx's
// compile; without esbuild they run through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = join(ROOT, 'src-main/cli/lvs.ts');
/** Workers the CLI starts, each loaded from beside the module that starts it (worker-entry.ts). */
const WORKERS = {
  'engine-worker': join(ROOT, 'src-main/node/engine/engine-worker.ts'),
  'lab-worker': join(ROOT, 'src-main/lab/lab-worker.ts'),
} as const;

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
    // A node's drift engine and a lab's node pools run in workers that are loaded from beside
    // the module that starts them: in the bundle, cli.js.
    await Promise.all([
      build({ ...common, entryPoints: [ENTRY], outfile: join(bundleDir, 'cli.js') }),
      ...Object.entries(WORKERS).map(([name, entry]) =>
        build({ ...common, entryPoints: [entry], outfile: join(bundleDir, `${name}.js`) }),
      ),
    ]);
    lvsArgs = [join(bundleDir, 'cli.js')];
  } catch {
    lvsArgs = ['--import', 'tsx', ENTRY];
  }
}

/** Removes the bundle (call in afterAll). */
export async function disposeLvs(): Promise<void> {
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
}

/** The command line that runs `lvs <args>` (node and the bundle, or tsx), for other spawners. */
export function lvsArgv(args: readonly string[]): string[] {
  return [process.execPath, ...lvsArgs, ...args];
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running `lvs` command with its output so far. */
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
export const start = (args: readonly string[]): Proc => startLvs(['node', ...args]);

/** Starts `lvs` with this command line (command first). */
export function startLvs(args: readonly string[]): Proc {
  const child = spawn(process.execPath, [...lvsArgs, ...args], {
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
            fail(new Error(`lvs ${args[0] ?? ''} ended before ${re}:\n${stdout}\n${stderr}`));
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

/** Runs `lvs` with this command line (command first) to its end. */
export const runLvs = (args: readonly string[]): Promise<Run> => startLvs(args).done;

/**
 * A refused command line: exit 2, nothing on stdout, one `lvs: ` line on stderr naming every one
 * of `flags` (and saying what is allowed, when given), no stack trace.
 */
export function expectUsageError(
  r: Pick<Run, 'code' | 'stdout' | 'stderr'>,
  flags: string | readonly string[],
  allowed?: RegExp,
): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^lvs: [^\n]+\n$/);
  const line = r.stderr.trimEnd();
  for (const flag of typeof flags === 'string' ? [flags] : flags) expect(line).toContain(flag);
  if (allowed) expect(line).toMatch(allowed);
  expect(line).not.toMatch(/\bError\b|^\s*at |node:internal|\.ts:\d+/m);
}
