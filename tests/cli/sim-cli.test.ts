// End-to-end tests of the `lvs` command line: real processes from the sources (node --import
// tsx), no build needed. Flag mistakes must cost one line on stderr and exit code 2, never a
// stack trace; good runs must be reproducible to the byte, threaded or not.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUsageError } from '../helpers/lvs-process';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = 'src-main/cli/lvs.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a node script from the repository root and collects what it prints. */
function node(args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const lvs = (...args: string[]) => node(['--import', 'tsx', ENTRY, ...args]);

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-cli-test-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every flag of `lvs sim` with wrong values; `allowed` is what the message must say is allowed. */
const BAD_FLAGS: readonly (readonly [flag: string, args: readonly string[], allowed: RegExp])[] = [
  ['--nodes', ['--nodes', 'many'], /number/],
  ['--nodes', ['--nodes', ''], /number/],
  ['--nodes', ['--nodes', '1'], /integer in 2\.\./],
  ['--nodes', ['--nodes', '-5'], /integer in 2\.\./],
  ['--nodes', ['--nodes', '2.5'], /integer/],
  ['--nodes', ['--nodes', '1e9'], /integer in 2\.\./],
  ['--topology', ['--topology', 'torus'], /ring.*random.*complete/],
  ['--topology', ['--topology', 'ws:4:2'], /0\.\.1/],
  ['--topology', ['--topology', 'er:-1'], /non-negative/],
  ['--topology', ['--topology', 'complete:3'], /at most 0/],
  ['--topology', ['--topology', 'ring:3'], /even/],
  ['--topology', ['--topology', 'random:500'], /n-1/],
  ['--topology', ['--topology', 'ba:3'], /even/],
  ['--degree', ['--degree', 'eight'], /number/],
  ['--degree', ['--degree', '0'], /integer in 1\.\./],
  ['--degree', ['--degree', '2.5'], /integer/],
  ['--dimensions', ['--dimensions', 'two'], /number/],
  ['--dimensions', ['--dimensions', '0'], /integer in 1\.\.64/],
  ['--dimensions', ['--dimensions', '65'], /integer in 1\.\.64/],
  ['--dimensions', ['--dimensions', '1.5'], /integer in 1\.\.64/],
  ['--alpha', ['--alpha', 'x'], /number/],
  ['--alpha', ['--alpha', '-0.1'], /\[0, 1\]/],
  ['--alpha', ['--alpha', '1.5'], /\[0, 1\]/],
  ['--beta', ['--beta', 'big'], /number/],
  ['--beta', ['--beta', '0'], /\(0, 1\]/],
  ['--beta', ['--beta', '1.01'], /\(0, 1\]/],
  ['--aggregator', ['--aggregator', 'max'], /mean, trimmed, median/],
  ['--aggregator', ['--aggregator', 'mean:2'], /trimmed:F/],
  ['--aggregator', ['--aggregator', 'trimmed:1:2'], /trimmed:F/],
  ['--aggregator', ['--aggregator', 'trimmed:x'], /number/],
  ['--aggregator', ['--aggregator', 'trimmed:99'], /integer in 0\.\.32/],
  ['--aggregator', ['--aggregator', 'trimmed:1.5'], /integer in 0\.\.32/],
  ['--weights', ['--weights', 'equal'], /uniform, metropolis, claimed/],
  ['--weights', ['--weights', 'metropolis', '--aggregator', 'median'], /--aggregator/],
  ['--shards', ['--shards', 'two'], /number/],
  ['--shards', ['--shards', '0'], /an integer in 1\.\.64/],
  ['--shards', ['--shards', '65'], /an integer in 1\.\.64/],
  ['--shards', ['--shards', '1.5'], /an integer in 1\.\.64/],
  ['--shards', ['--shards', '3'], /--shards \(3\) must not exceed --dimensions \(2\)/],
  ['--replication', ['--replication', 'x'], /number/],
  ['--replication', ['--replication', '0'], /an integer in 1\.\.64/],
  ['--replication', ['--replication', '65'], /an integer in 1\.\.64/],
  ['--churn', ['--churn', 'lots'], /number/],
  ['--churn', ['--churn', '-0.1'], /in \[0, 1\]/],
  ['--churn', ['--churn', '1.5'], /in \[0, 1\]/],
  ['--capped', ['--capped', 'half', '--capped-shards', '1'], /number/],
  ['--capped', ['--shards', '2', '--capped', '1.5', '--capped-shards', '1'], /in \[0, 1\]/],
  ['--capped', ['--shards', '2', '--capped', '0.5'], /--capped and --capped-shards go together/],
  ['--capped', ['--capped', '0.5', '--capped-shards', '1'], /--shards above 1/],
  ['--capped-shards', ['--shards', '2', '--capped', '0.5', '--capped-shards', '0'], /1\.\./],
  [
    '--capped-shards',
    ['--shards', '2', '--capped', '0.5', '--capped-shards', '3'],
    /integer in 1\.\.2, as there are 2 shards/,
  ],
  ['--cycles', ['--cycles', 'ten'], /number/],
  ['--cycles', ['--cycles', '0'], /integer in 1\.\./],
  ['--cycles', ['--cycles', '1.5'], /integer/],
  ['--cycles', ['--cycles', '1e8'], /integer in 1\.\./],
  ['--seed', ['--seed', 'abc'], /number/],
  ['--seed', ['--seed', '-1'], /integer in 0\.\./],
  ['--seed', ['--seed', '0.5'], /integer in 0\.\./],
  ['--seed', ['--seed', '4294967296'], /integer in 0\.\./],
  ['--threads', ['--threads', 'many'], /number/],
  ['--threads', ['--threads', '0'], /integer in 1\.\.256/],
  ['--threads', ['--threads', '257'], /integer in 1\.\.256/],
  ['--threads', ['--threads', '1.5'], /integer in 1\.\.256/],
  ['--center', ['--center', 'mid'], /number/],
  ['--center', ['--center', '-1'], /\[0, /],
  ['--center', ['--center', '2e12'], /\[0, /],
  ['--spread', ['--spread', 'wide'], /number/],
  ['--spread', ['--spread', '-1'], /\[0, /],
  ['--spread', ['--center', '5', '--spread', '10'], /--center.*>= 0/],
  ['--set', ['--set', 'nonsense'], /name=value.*maxDiff/],
  ['--set', ['--set', 'colour=1'], /name=value.*maxDiff/],
  ['--set', ['--set', 'drainZ=abc'], /number/],
  ['--set', ['--set', 'drainZ=0.5'], /\[1, /],
  ['--set', ['--set', 'maxDiff=0'], /\(0, /],
  ['--set', ['--set', 'maxDiff=100'], /must not exceed --set anomalyLimit/],
  ['--set', ['--set', 'beta=0.5'], /use --beta/],
  ['--set', ['--set', 'shards=2'], /use --shards/],
  ['--out', ['--out', 'metrics.txt'], /\.csv or \.json/],
  ['--out', ['--out', 'no-such-folder/metrics.csv'], /does not exist/],
  ['--bogus', ['--bogus'], /unknown option/],
  ['--nodes', ['--nodes'], /argument missing/],
];

describe('lvs sim: every wrong value is one line on stderr and exit 2', () => {
  it.concurrent.each(BAD_FLAGS)('%s: %j', async (flag, args, allowed) => {
    expectUsageError(await lvs('sim', '--nodes', '200', '--cycles', '2', ...args), flag, allowed);
  });

  it.concurrent('--out: an existing file without --force', async () => {
    const existing = join(dir, 'existing.csv');
    await writeFile(existing, 'keep me\n');
    expectUsageError(await lvs('sim', '--nodes', '200', '--out', existing), '--out', /--force/);
    expect(await readFile(existing, 'utf8')).toBe('keep me\n');
  });
});

describe('lvs sim: good runs', () => {
  it('writes per-cycle metrics as CSV, refuses to overwrite them without --force', async () => {
    const out = join(dir, 'good', 'm.csv');
    await mkdir(join(dir, 'good'));
    const run = await lvs('sim', '--nodes', '200', '--cycles', '30', '--seed', '5', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const row of ['initial spread', 'final spread', 'final max pairwise distance'])
      expect(run.stdout).toContain(row);
    expect(run.stdout).toContain('200 nodes, 30 cycles on 1 thread(s)');

    const bytes = await readFile(out);
    const [header = '', ...rows] = bytes.toString('utf8').trimEnd().split('\n');
    const columns = header.split(',');
    expect(columns.slice(0, 4)).toEqual(['cycle', 'spread', 'max_distance', 'wander']);
    expect(rows).toHaveLength(31);
    const table = rows.map((r) => r.split(',').map(Number));
    expect(table.map((r) => r[0])).toEqual(Array.from({ length: 31 }, (_, t) => t));
    for (const r of table) expect(r).toHaveLength(columns.length);
    const spread = table.map((r) => r[1] ?? NaN);
    expect(spread.every(Number.isFinite)).toBe(true);
    expect(spread[30]).toBeLessThan((spread[0] ?? 0) / 2);
    const falls = spread.slice(1).filter((s, t) => s < (spread[t] ?? 0)).length;
    expect(falls).toBeGreaterThanOrEqual(24); // decreasing overall: at least 80 % of the steps

    // Again to the same file (another seed, so an overwrite would show): refused, untouched.
    const again = await lvs('sim', '--nodes', '200', '--cycles', '30', '--seed', '6', '--out', out);
    expectUsageError(again, '--out', /--force/);
    expect((await readFile(out)).equals(bytes)).toBe(true);

    const forced = await lvs(
      ...['sim', '--nodes', '200', '--cycles', '30', '--seed', '6', '--out', out, '--force'],
    );
    expect(forced.code).toBe(0);
    const replaced = await readFile(out);
    expect(replaced.equals(bytes)).toBe(false);
    expect(replaced.toString('utf8').split('\n')[0]).toBe(header);
    expect(await readdir(join(dir, 'good'))).toEqual(['m.csv']); // no temporary file left
  });

  it('writes JSON with summary and metrics', async () => {
    const out = join(dir, 'm.json');
    const run = await lvs('sim', '--nodes', '200', '--cycles', '30', '--seed', '5', '--out', out);
    expect(run.code).toBe(0);
    const json = JSON.parse(await readFile(out, 'utf8')) as {
      summary: { cycles: number; initialSpread: number; finalSpread: number };
      metrics: { cycle: number; spread: number }[];
    };
    expect(json.summary.cycles).toBe(30);
    expect(json.summary.finalSpread).toBeLessThan(json.summary.initialSpread);
    expect(json.metrics).toHaveLength(31);
    expect(json.metrics.map((m) => m.cycle)).toEqual(Array.from({ length: 31 }, (_, t) => t));
  });

  it('with shards: the measures in the JSON, and a line for every shard lost', async () => {
    const out = join(dir, 'shards.json');
    // Every node leaves at once: no one is left to copy either shard from.
    const run = await lvs(
      ...['sim', '--nodes', '50', '--topology', 'ring:2', '--shards', '2', '--churn', '1'],
      ...['--cycles', '3', '--seed', '4', '--out', out],
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('cycle 1: shard 0 lost: no node holds it any more\n');
    expect(run.stdout).toContain('cycle 1: shard 1 lost: no node holds it any more\n');
    expect(run.stdout).toContain('shard 0 at cycle 1');
    const json = JSON.parse(await readFile(out, 'utf8')) as {
      options: { churn: number; params: { shards: number; replication: number } };
      summary: { shards: { lost: { shard: number; cycle: number }[]; left: number } };
      metrics: { shards: { holders: number[]; left: number } }[];
    };
    expect(json.options.churn).toBe(1);
    expect(json.options.params).toMatchObject({ shards: 2, replication: 3 });
    expect(json.summary.shards.lost).toEqual([
      { shard: 0, cycle: 1 },
      { shard: 1, cycle: 1 },
    ]);
    expect(json.summary.shards.left).toBe(150);
    expect(json.metrics.map((m) => m.shards.holders)).toEqual([
      [50, 50],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });

  it('same seed, same bytes; another seed, other bytes', async () => {
    const paths = ['s7a.csv', 's7b.csv', 's8.csv'].map((f) => join(dir, f));
    const seeds = ['7', '7', '8'];
    const runs = await Promise.all(
      paths.map((out, i) =>
        lvs('sim', '--nodes', '300', '--cycles', '20', '--seed', seeds[i] ?? '', '--out', out),
      ),
    );
    for (const run of runs) expect(run.code).toBe(0);
    const [a, b, c] = await Promise.all(paths.map((p) => readFile(p)));
    expect(a?.equals(b ?? Buffer.alloc(0))).toBe(true);
    expect(a?.equals(c ?? Buffer.alloc(0))).toBe(false);
  });

  it('two worker threads give the single-threaded run bit for bit', async () => {
    const common = ['sim', '--nodes', '20000', '--cycles', '15', '--seed', '3'];
    const [one, two] = [join(dir, 't1.csv'), join(dir, 't2.csv')];
    const [single, threaded] = await Promise.all([
      lvs(...common, '--threads', '1', '--out', one),
      lvs(...common, '--threads', '2', '--out', two),
    ]);
    expect(single.stderr).toBe('');
    expect(threaded.stderr).toBe('');
    expect(single.stdout).toContain('20000 nodes, 15 cycles on 1 thread(s)');
    expect(threaded.stdout).toContain('20000 nodes, 15 cycles on 2 thread(s)');
    const [a, b] = await Promise.all([readFile(one), readFile(two)]);
    expect(a.toString('utf8').trimEnd().split('\n')).toHaveLength(17); // header, cycles 0..15
    expect(a.equals(b)).toBe(true);
  });
});

describe('lvs: commands and help', () => {
  // `lvs node` and `lvs lab` have their own files: tests/cli/node-cli.test.ts, lab-cli.test.ts.
  it.concurrent('lvs without a command names the commands', async () => {
    const run = await lvs();
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^lvs: [^\n]*sim, node, lab[^\n]*\n$/);
  });

  it.concurrent('lvs --help lists the commands', async () => {
    const run = await lvs('--help');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of ['sim', 'node', 'lab']) expect(run.stdout).toMatch(new RegExp(command));
  });

  it.concurrent('lvs sim --help lists every flag', async () => {
    const run = await lvs('sim', '--help');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const flags = [...new Set(BAD_FLAGS.map(([flag]) => flag))].filter((f) => f !== '--bogus');
    for (const flag of [...flags, '--force', '--no-progress']) expect(run.stdout).toContain(flag);
  });

  it.concurrent('bin/lvs.js without a build says how to build', async () => {
    // A copy of bin/lvs.js with no out/ beside it: the state of a fresh clone.
    const bin = join(dir, 'fresh', 'bin', 'lvs.js');
    await mkdir(join(dir, 'fresh', 'bin'), { recursive: true });
    await copyFile(join(ROOT, 'bin', 'lvs.js'), bin);
    await writeFile(join(dir, 'fresh', 'package.json'), '{ "type": "module" }\n');
    const run = await node([bin, 'sim']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'lvs: not built yet: run npm run build (or use npm run lvs -- <command> from the sources)\n',
    );
  });
});
