// `lvs claims` end to end, as a real process: the quick run answers every claim of
// docs/claims.md with the verdict written there, a table with one expectation changed makes it
// exit 1 naming the row, and mistakes in its flags or its table cost one line and exit 2.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeLvs, expectUsageError, prepareLvs, ROOT, runLvs } from '../helpers/lvs-process';

const DOC = join(ROOT, 'docs/claims.md');
let dir = '';
let doc = '';

beforeAll(async () => {
  await prepareLvs();
  dir = await mkdtemp(join(tmpdir(), 'lvs-claims-test-'));
  doc = await readFile(DOC, 'utf8');
});
afterAll(async () => {
  await disposeLvs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * The expected verdicts as a reader of docs/claims.md sees them, read here with a regular
 * expression of the test's own rather than the command's parser: each row of the table begins
 * with its id in backticks, and its fourth cell is the verdict.
 */
function docVerdicts(text: string): Map<string, 'holds' | 'fails'> {
  const out = new Map<string, 'holds' | 'fails'>();
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|(?:(?:\\\||[^|])*\|){2}\s*(holds|fails)/.exec(line);
    if (m) out.set(m[1]!, m[2] as 'holds' | 'fails');
  }
  return out;
}

/** docs/claims.md with the verdict cell of `id` replaced. */
function withVerdict(id: string, verdict: string): string {
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\|\\s*\`${id}\`\\s*\\|`).test(l));
  const cells = lines[at]!.split(/(?<!\\)\|/);
  cells[4] = ` ${verdict} `;
  lines[at] = cells.join('|');
  return lines.join('\n');
}

interface Results {
  results: Array<{ id: string; expected: string; agrees: boolean; outcome: { verdict: string } }>;
}

describe('lvs claims --quick', () => {
  it('answers every claim of docs/claims.md with the verdict written there, and exits 0', async () => {
    const expected = docVerdicts(doc);
    // The document's own list: the ten claims the issue names at least, split where a claim
    // has a verdict per condition (agreement, Sybils, VaultGuard).
    expect(expected.size).toBeGreaterThanOrEqual(10);
    const out = join(dir, 'quick.json');
    const t0 = Date.now();
    const r = await runLvs(['claims', '--quick', '--out', out]);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const { results } = JSON.parse(await readFile(out, 'utf8')) as Results;
    expect(results.map((x) => x.id).sort()).toEqual([...expected.keys()].sort());
    for (const x of results) {
      expect(x.outcome.verdict, x.id).toBe(expected.get(x.id));
      // Printed as it goes: one line per claim with its verdict.
      expect(r.stdout).toMatch(new RegExp(`^ok +${x.id} +${x.outcome.verdict} `, 'm'));
    }
    expect(r.stdout).toMatch(/every verdict agrees/);
    // What npm test can afford on 2 shared cores (about 16 s measured alone).
    expect(seconds).toBeLessThan(90);
  }, 120_000);

  it('exits 1 and names the row when the table expects another verdict', async () => {
    // sybil-mean fails by the theory (docs/model.md: a clamped liar drags a mean network); the
    // table is told it holds.
    const flipped = join(dir, 'flipped.md');
    await writeFile(flipped, withVerdict('sybil-mean', 'holds'));
    const r = await runLvs([
      'claims',
      '--quick',
      '--claims',
      flipped,
      '--only',
      'sybil-mean,sybil-trimmed',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^DIFF sybil-mean +fails \(expected holds\)/m);
    expect(r.stdout).toMatch(/^ok +sybil-trimmed +holds/m);
    expect(r.stderr).toMatch(/^lvs: [^\n]*sybil-mean \(expected holds, measured fails\)\n$/);
    expect(r.stderr).not.toMatch(/sybil-trimmed/);
  }, 60_000);
});

describe('lvs claims refuses in one line', () => {
  it('unknown ids, a non-JSON --out, a missing --claims file', async () => {
    expectUsageError(await runLvs(['claims', '--only', 'nope']), '--only', /agreement-alpha/);
    expectUsageError(await runLvs(['claims', '--out', join(dir, 'x.csv')]), '--out', /\.json/);
    expectUsageError(
      await runLvs(['claims', '--claims', join(dir, 'missing.md')]),
      '--claims',
      /no such file/,
    );
  });

  it('a table whose verdict cannot be read, or that lacks a row, naming the row', async () => {
    const bad = join(dir, 'bad.md');
    await writeFile(bad, withVerdict('partition', 'maybe'));
    expectUsageError(
      await runLvs(['claims', '--claims', bad]),
      ['bad.md', 'row "partition"'],
      /"holds" or "fails"/,
    );
    const short = join(dir, 'short.md');
    await writeFile(
      short,
      doc
        .split('\n')
        .filter((l) => !/^\|\s*`cpu`\s*\|/.test(l))
        .join('\n'),
    );
    expectUsageError(
      await runLvs(['claims', '--claims', short]),
      'short.md',
      /no row for the check\(s\) cpu/,
    );
  });
});
