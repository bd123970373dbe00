import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARTITION_KINDS } from '../../src-shared/api/lab-api';
import { AGGREGATORS, describeRange, NUMERIC_PARAMS } from '../../src-shared/drift/params';

const ROOT = join(import.meta.dirname, '..', '..');
const model = readFileSync(join(ROOT, 'docs', 'model.md'), 'utf8');
// Table rows as trimmed cells; Prettier pads the columns, so positions are by '|' only.
const rows = model.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));

/** Every tracked file's text (binary files left out). */
function trackedTexts(): Array<{ file: string; text: string }> {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('node_modules/'));
  const out: Array<{ file: string; text: string }> = [];
  for (const file of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(join(ROOT, file));
    } catch {
      continue; // deleted in the work tree, not yet in the index
    }
    if (!buf.includes(0)) out.push({ file, text: buf.toString('utf8') });
  }
  return out;
}

describe('docs/model.md', () => {
  it.each(Object.entries(NUMERIC_PARAMS))(
    'gives %s with the default and range the code enforces',
    (name, spec) => {
      const cells = rows.find((row) => row[1] === `\`${name}\``);
      expect(cells, `no table row for ${name}`).toBeDefined();
      expect(Number(cells?.[2])).toBe(spec.default);
      expect(cells?.[3]).toBe(describeRange(spec));
    },
  );

  it('holds every section the code, tests and documents cite', () => {
    const headings = model
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => line.replace(/^#+ /, '').trim());
    const cited = new Map<string, string>();
    for (const { file, text } of trackedTexts()) {
      // A citation may wrap onto the next comment line: join the lines first.
      const flat = text.replace(/\s*\n\s*(?:\*(?!\/)|\/\/)?\s*/g, ' ');
      for (const m of flat.matchAll(/docs\/model\.md, "([^"$]+)"/g)) cited.set(m[1]!, file);
    }
    // The citations this check exists for are there (it would pass vacuously otherwise).
    expect(cited.size).toBeGreaterThanOrEqual(5);
    for (const [section, file] of cited)
      expect(
        headings.some((h) => h.startsWith(section)),
        `${file} cites docs/model.md, "${section}": no such section`,
      ).toBe(true);
  });
});

describe('what a new aggregator or partition brings to the documents', () => {
  it('docs/model.md names every aggregator', () => {
    for (const a of AGGREGATORS) expect(model, a).toMatch(new RegExp(`\`${a}(\\(F\\))?\``));
  });

  it("docs/lab.md's table has a row for every partition kind", () => {
    const lab = readFileSync(join(ROOT, 'docs', 'lab.md'), 'utf8');
    const kinds = lab
      .split('\n')
      .map((line) => /^\| `([a-z-]+)` +\|/.exec(line)?.[1])
      .filter((k) => k !== undefined);
    for (const kind of PARTITION_KINDS) expect(kinds, kind).toContain(kind);
  });
});

describe('the project stands alone', () => {
  it('no tracked file mentions the brief outside the repository', () => {
    // Spelt in two parts, so that this file does not mention it either.
    const outside = 'MODEL' + '.md';
    const mentions = trackedTexts()
      .filter(({ text }) => text.includes(outside))
      .map(({ file }) => file);
    expect(mentions, `cite docs/model.md instead of ${outside} in these`).toEqual([]);
  });
});
