import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/lvs-process';

/*
 * The layers inside src-main (docs/architecture.md), as lint enforces them: a folder may import
 * from the folders below it and never from one above or beside it. Each pair is tried with a
 * one-line file linted as if it sat in the importing folder. The expected verdicts come from the
 * documented order, written out here, not from the lint configuration.
 */

// Top to bottom; folders on one rank (lab, sim) may not import each other.
const RANKS: readonly (readonly string[])[] = [
  ['electron'],
  ['cli'],
  ['monitor'],
  ['lab', 'sim'],
  ['node'],
  ['runtime'],
];
const rankOf = (f: string) => RANKS.findIndex((r) => r.includes(f));
const FOLDERS = RANKS.flat();
// sim runs the simulator core from src-shared; it has no use for the node and is kept apart.
const allowed = (from: string, to: string) =>
  rankOf(to) > rankOf(from) && !(from === 'sim' && to === 'node');

describe('import layers inside src-main', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const verdict = async (from: string, to: string, depth: number) => {
    const up = '../'.repeat(depth);
    const [result] = await eslint.lintText(`import '${up}${to}/probe';\n`, {
      filePath: `${ROOT}/src-main/${from}/${'sub/'.repeat(depth - 1)}probe.ts`,
    });
    return result!.messages.some((m) => m.ruleId === 'no-restricted-imports');
  };

  const pairs = FOLDERS.flatMap((from) =>
    FOLDERS.filter((to) => to !== from).map((to) => [from, to] as const),
  );
  it.each(pairs)('%s importing from %s', async (from, to) => {
    const refused = !allowed(from, to);
    expect(await verdict(from, to, 1)).toBe(refused);
    // From a subfolder the climb is longer; the rule must see it the same.
    expect(await verdict(from, to, 2)).toBe(refused);
  });
});
