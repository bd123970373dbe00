// End-to-end tests of `lvs lab`: real processes, real nodes on loopback in worker threads. The
// CLI and its workers are bundled once with esbuild (tests/helpers/lvs-process.ts). The two real
// runs go side by side to keep the file near half a minute; mistakes must cost one line on
// stderr and exit code 2 before any node starts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecordingFile } from '../../src-main/lab/recording-file';
import { noBrowserReason } from '../helpers/browser';
import { disposeLvs, killAll, prepareLvs, ROOT, runLvs, type Run } from '../helpers/lvs-process';
import { builtRenderer } from '../helpers/renderer-build';

let work = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-lab-cli-'));
  await prepareLvs();
});

afterAll(async () => {
  // Not afterEach: the tests run concurrently, and killAll ends every process still running.
  killAll();
  if (work) await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

const lab = (...args: string[]) => runLvs(['lab', ...args]);

/** Exit 2, nothing on stdout, one `lvs: ` line on stderr saying `what`, no stack trace. */
function expectUsageError(r: Run, what: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^lvs: [^\n]+\n$/);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/\bError\b|^\s*at |node:internal|\.ts:\d+/m);
}

/** The event lines a run or a replay prints (`   20.00 s  heal`), nodes' own messages aside. */
const eventLines = (text: string) =>
  text.split('\n').filter((l) => /^ *\d+\.\d\d s {2}/.test(l) && !/ s {2}node \d+: /.test(l));

/** The value in the summary table's row whose label starts with `label`. */
function row(table: string, label: string): string | undefined {
  return rowLines(table, label)[0];
}

/** Every line of the value of the row labelled exactly `label`: its line and those under it. */
function rowLines(table: string, label: string): string[] {
  const lines = table.split('\n');
  const at = lines.findIndex((l) => l.split('│')[1]?.trim() === label);
  if (at < 0) return [];
  const out: string[] = [];
  for (let i = at; i < lines.length; i++) {
    const [, name, value] = lines[i]!.split('│');
    if (i > at && name?.trim() !== '') break;
    if (value !== undefined) out.push(value.trim());
  }
  return out;
}

describe('lvs lab', () => {
  it.concurrent(
    '--list-scenarios lists the shipped scenarios with their descriptions',
    async () => {
      const shipped = (await readdir(join(ROOT, 'resources/scenarios')))
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5));
      expect(shipped).toHaveLength(7);
      const r = await lab('--list-scenarios');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      for (const name of shipped)
        expect(r.stdout).toMatch(new RegExp(`^${name} {2}\\(\\d+ nodes`, 'm'));
      expect(r.stdout).toContain('Jepsen');
    },
  );

  it.concurrent('an ad-hoc run converges, and writes its recording and the CSV', async () => {
    const dir = join(work, 'ad-hoc');
    const csv = join(dir, 'm.csv');
    const r = await lab(
      ...['--nodes', '10', '--topology', 'random:4', '--duration', '6', '--cycle-ms', '100'],
      ...['--dir', dir, '--csv', csv, '--seed', '3'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(row(r.stdout, 'scenario')).toBe('none (ad hoc)');
    expect(row(r.stdout, 'nodes')).toBe('10');
    expect(row(r.stdout, 'topology')).toBe('random:4');
    expect(row(r.stdout, 'seed')).toBe('3');
    expect(row(r.stdout, 'cycle ms')).toBe('100');
    expect(row(r.stdout, 'convergence measure')).toMatch(/^spread < ε = 0\.5 in 3 ticks in a row/);
    expect(rowLines(r.stdout, 'convergence')).toEqual([
      expect.stringMatching(/^converged \d+\.\d\d s \(\d+ cycles?\) after the start$/),
    ]);
    expect(Number(row(r.stdout, 'bytes per node per minute'))).toBeGreaterThan(0);
    expect(Number(row(r.stdout, 'frames per node per second'))).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/ s {2}converged \d+\.\d\d s \(\d+ cycles?\) after the start\n/);

    const recording = row(r.stdout, 'recording') ?? '';
    expect(recording).toMatch(/recording-.*\.jsonl$/);
    expect(existsSync(recording)).toBe(true);
    expect(row(r.stdout, 'lab folder')).toBe(dir);
    const [header = '', ...rows] = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(header.split(',').slice(0, 4)).toEqual(['t_ms', 'cycle', 'counted', 'spread']);
    expect(rows.length).toBeGreaterThan(20); // a tick every 100 ms for 6 s
  });

  it.concurrent('partition-heal reconverges after the heal; --replay tells the same', async () => {
    // The scenario heals at 20 s: the run must last past it, with time to reconverge. The time is
    // measured from the heal command, so it includes the nodes dialling their cut links again
    // (a few seconds on a loaded machine).
    const scenario = JSON.parse(
      await readFile(join(ROOT, 'resources/scenarios/partition-heal.json'), 'utf8'),
    ) as { timeline: { at: number; command: { op: string } }[] };
    const heal = scenario.timeline.find((e) => e.command.op === 'heal')?.at ?? NaN;
    expect(heal).toBe(20);
    const dir = join(work, 'partition-heal');
    const r = await lab(
      ...['--scenario', 'partition-heal', '--nodes', '12', '--duration', String(heal + 8)],
      ...['--cycle-ms', '100', '--dir', dir],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(row(r.stdout, 'scenario')).toBe('partition-heal');
    expect(row(r.stdout, 'nodes')).toBe('12');
    // Partitioned from the start: the swarm is never called converged before the heal, only
    // each group; after it, the swarm reconverges.
    const phases = rowLines(r.stdout, 'convergence');
    expect(phases).toEqual([
      expect.stringMatching(/^not converged between the start and 0\.\d\d s$/),
      expect.stringMatching(
        /^converged within each group \d+\.\d\d s \(\d+ cycles?\) after the partition at 0\.\d\d s$/,
      ),
      expect.stringMatching(
        /^reconverged \d+\.\d\d s \(\d+ cycles?\) after the heal at 20\.\d\d s$/,
      ),
    ]);
    expect(row(r.stdout, 'commands')).toBe('partition: 1');
    const live = eventLines(r.stderr);
    expect(live.some((l) => / 0\.\d\d s {2}partition partition-halves$/.test(l))).toBe(true);
    expect(live.some((l) => /^ +20\.\d\d s {2}heal$/.test(l))).toBe(true);
    expect(live.some((l) => /s {2}reconverged .* after the heal at 20\./.test(l))).toBe(true);

    const recording = row(r.stdout, 'recording') ?? '';
    const replay = await lab('--replay', recording);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toBe('');
    expect(eventLines(replay.stdout)).toEqual(live);
    for (const label of ['convergence measure', 'nodes', 'topology', 'seed', 'commands'])
      expect(row(replay.stdout, label)).toBe(row(r.stdout, label));
    expect(rowLines(replay.stdout, 'convergence')).toEqual(phases);
  });
});

describe.skipIf(noBrowserReason() !== null)('lvs lab --browsers', () => {
  it.concurrent('runs the last slots as browser nodes in Chromium tabs and converges', async () => {
    builtRenderer('lvsLabTab');
    const dir = join(work, 'browsers');
    const r = await lab(
      ...['--nodes', '4', '--browsers', '2', '--topology', 'complete', '--duration', '8'],
      ...['--cycle-ms', '100', '--dir', dir, '--seed', '5'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(rowLines(r.stdout, 'convergence')).toEqual([
      expect.stringMatching(/^converged \d+\.\d\d s \(\d+ cycles?\) after the start$/),
    ]);
    const rec = await loadRecordingFile(row(r.stdout, 'recording') ?? '');
    expect(rec.header.browsers).toEqual([2, 3]);
    // Every link of the complete graph came up before the start: theirs over WebRTC included.
    expect(rec.header.edges).toHaveLength(6);
  });

  it.concurrent(
    'a Chromium that is not there is one line and exit 1, before any node',
    async () => {
      const dir = join(work, 'no-chromium');
      const r = await lab(
        ...['--nodes', '3', '--topology', 'complete', '--browsers', '1', '--dir', dir],
        ...['--chromium', join(work, 'nosuch')],
      );
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
        /^lvs: the lab could not start: browser nodes need Chromium: no Chromium at .*nosuch/,
      );
      expect(r.stderr).not.toMatch(/^\s*at |node:internal/m);
      expect(existsSync(join(dir, 'node-0'))).toBe(false);
    },
  );
});

describe('lvs lab: every mistake is one line on stderr and exit 2', () => {
  it.concurrent('--browsers as many as the nodes, or past the limit', async () => {
    expectUsageError(
      await lab('--nodes', '3', '--topology', 'complete', '--browsers', '3'),
      /--browsers 3: of the lab's 3 nodes at least one must be a Node\.js node.*at most 2/,
    );
    expectUsageError(await lab('--browsers', '33'), /--browsers must be an integer in 0\.\.32/);
  });

  it.concurrent('--chromium without --browsers', async () => {
    expectUsageError(
      await lab('--chromium', '/usr/bin/chromium'),
      /--chromium .* needs --browsers/,
    );
  });

  it.concurrent('--capped and --capped-shards, as lvs sim refuses them', async () => {
    const K4 = ['--dimensions', '4', '--set', 'shards=4'];
    expectUsageError(
      await lab(...K4, '--capped', '0.5'),
      /--capped and --capped-shards go together/,
    );
    expectUsageError(
      await lab('--capped', '0.5', '--capped-shards', '1'),
      /--capped needs --set shards above 1: with one shard every node holds the whole state/,
    );
    expectUsageError(
      await lab(...K4, '--capped', '0.5', '--capped-shards', '5'),
      /--capped-shards must be an integer in 1\.\.4, as there are 4 shards \(got 5\)/,
    );
    expectUsageError(
      await lab(...K4, '--capped', '1.5', '--capped-shards', '1'),
      /--capped must be in \[0, 1\] \(got 1\.5\)/,
    );
    expectUsageError(
      await lab(...K4, '--capped', '0.5', '--capped-shards', '0'),
      /--capped-shards must be an integer in 1\.\./,
    );
  });

  it.concurrent("a scenario file's capped nodes that do not fit its shards", async () => {
    const file = join(work, 'capped.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'capped',
        lab: {
          nodes: 8,
          topology: 'complete',
          params: { dimensions: 4, shards: 4 },
          capped: { share: 0.5, shards: 6 },
        },
        durationS: 5,
      }),
    );
    expectUsageError(
      await lab('--scenario', file),
      /capped\.json: lab\.capped\.shards: must be an integer in 1\.\.4, as there are 4 shards \(got 6\)/,
    );
    // The flags stand in for a (good) file's, checked against the file's K.
    const good = join(work, 'capped-good.json');
    await writeFile(good, (await readFile(file, 'utf8')).replace('"shards":6', '"shards":2'));
    expectUsageError(
      await lab('--scenario', good, '--capped', '0.5', '--capped-shards', '9'),
      /--capped-shards must be an integer in 1\.\.4/,
    );
  });

  it.concurrent('--nodes 1', async () => {
    expectUsageError(await lab('--nodes', '1'), /--nodes must be an integer in 2\.\.2000/);
  });

  it.concurrent('--topology random:99 on 10 nodes', async () => {
    expectUsageError(
      await lab('--nodes', '10', '--topology', 'random:99', '--dir', join(work, 'never-1')),
      /--topology random:99 on 10 nodes: /,
    );
    expect(existsSync(join(work, 'never-1'))).toBe(false);
  });

  it.concurrent('--scenario nosuch', async () => {
    expectUsageError(
      await lab('--scenario', 'nosuch'),
      /unknown scenario "nosuch"; shipped scenarios: .*partition-heal/,
    );
  });

  it.concurrent('a scenario file with a misspelt key', async () => {
    const file = join(work, 'typo.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'typo', lab: { nodes: 10, topolgy: 'random:4' }, durationS: 5 }),
    );
    expectUsageError(await lab('--scenario', file), /typo\.json: lab: unknown key "topolgy"/);
  });

  it.concurrent('a --dir that is not empty', async () => {
    const dir = join(work, 'full');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'keep me\n');
    expectUsageError(await lab('--dir', dir, '--duration', '1'), /--dir .* is not empty/);
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });

  it.concurrent('--csv onto an existing file without --force', async () => {
    const csv = join(work, 'existing.csv');
    await writeFile(csv, 'keep me\n');
    expectUsageError(
      await lab('--csv', csv, '--dir', join(work, 'never-2'), '--duration', '1'),
      /--csv .* exists; refusing to overwrite it \(add --force/,
    );
    expect(await readFile(csv, 'utf8')).toBe('keep me\n');
    expect(existsSync(join(work, 'never-2'))).toBe(false);
  });
});
