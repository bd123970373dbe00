import { describe, expect, it } from 'vitest';
import {
  ClaimsTableError,
  matchChecks,
  parseClaimsTable,
} from '../../src-shared/claims/claims-table';

/*
 * The table of claims as `lvs claims` reads it from docs/claims.md: the verdict column is the
 * one place expected verdicts are written, so a cell the reader misreads would hold the checks
 * to the wrong verdict. Every refusal names the line and, where it has one, the row.
 */

const HEADER = '| id | claim | verdict | figure |\n|---|---|---|---|\n';
const table = (...rows: string[]) =>
  `# Claims\n\nSome words.\n\n${HEADER}${rows.join('\n')}\n\nAfter.\n`;

function refusal(text: string): ClaimsTableError {
  try {
    parseClaimsTable(text);
  } catch (err) {
    if (err instanceof ClaimsTableError) return err;
    throw err;
  }
  throw new Error('the table was accepted');
}

describe('the claims table', () => {
  it('reads each row id and the verdict its cell begins with, "holds if" as holds', () => {
    const rows = parseClaimsTable(
      table(
        '| `one` | "a \\| b" | **holds** | 1 |',
        '| two | x | holds if alpha = 0 | 2 |',
        '| three-3 | y | Fails with the mean | 3 |',
      ),
    );
    expect(rows.map((r) => [r.id, r.expected, r.line])).toEqual([
      ['one', 'holds', 7],
      ['two', 'holds', 8],
      ['three-3', 'fails', 9],
    ]);
    expect(rows[1]!.verdictText).toBe('holds if alpha = 0');
  });

  it('refuses a verdict that is neither, naming the row', () => {
    const e = refusal(table('| one | x | holds | 1 |', '| two | x | mostly | 2 |'));
    expect([e.line, e.row]).toEqual([8, 'two']);
    expect(e.message).toBe(
      'line 8 (row "two"): the verdict must begin with "holds" or "fails" (got "mostly")',
    );
    // "holdsover" is not the word "holds".
    expect(refusal(table('| one | x | holdsover | 1 |')).row).toBe('one');
  });

  it('refuses an id used twice, a row with a stray "|" and a bad id', () => {
    expect(refusal(table('| one | x | holds | 1 |', '| one | y | fails | 2 |')).message).toBe(
      'line 8 (row "one"): the id is used already on line 7',
    );
    const stray = refusal(table('| one | a | b | holds | 1 |'));
    expect([stray.line, stray.row]).toEqual([7, 'one']);
    expect(stray.reason).toMatch(/5 cells where the header has 4/);
    expect(refusal(table('| One Two | x | holds | 1 |')).reason).toMatch(/"One Two"/);
  });

  it('refuses a file without a claims table, or with an empty one', () => {
    expect(refusal('# nothing here\n\n| a | b |\n|---|---|\n| 1 | 2 |\n').reason).toMatch(
      /no table with an "id" and a "verdict" column/,
    );
    expect(refusal(`${HEADER}\n`).reason).toBe('the table has no rows');
  });
});

describe('rows and checks', () => {
  const rows = parseClaimsTable(table('| one | x | holds | 1 |', '| two | x | fails | 2 |'));
  it('accept a table with one row per check', () => {
    expect(() => matchChecks(rows, ['two', 'one'])).not.toThrow();
  });
  it('refuse a row without a check, naming it, and checks without a row', () => {
    const e = (checks: string[]) => {
      try {
        matchChecks(rows, checks);
      } catch (err) {
        return err as ClaimsTableError;
      }
      throw new Error('accepted');
    };
    expect([e(['one']).line, e(['one']).row]).toEqual([8, 'two']);
    expect(e(['one', 'two', 'three', 'four']).message).toBe('no row for the check(s) three, four');
  });
});
