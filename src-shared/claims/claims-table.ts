import type { Verdict } from './outcome';

/*
 * The table of claims in docs/claims.md, read as `lvs claims` reads it: the one place where the
 * expected verdict of every claim is written. The table is the first whose header has an `id`
 * and a `verdict` column; each row's id names the check that answers it, and its verdict cell
 * begins with "holds" (a "holds if ..." is a holds under the row's conditions) or "fails".
 */

export interface ClaimRow {
  readonly id: string;
  readonly expected: Verdict;
  /** The verdict cell as written, "holds if ..." included. */
  readonly verdictText: string;
  /** 1-based line of the row in the file. */
  readonly line: number;
}

/** A claims file that cannot be read as a table of claims: one line, naming the row. */
export class ClaimsTableError extends Error {
  override readonly name = 'ClaimsTableError';
  constructor(
    readonly line: number | null,
    /** The row's id when the row has one. */
    readonly row: string | null,
    readonly reason: string,
  ) {
    const where = line === null ? '' : `line ${line}${row === null ? '' : ` (row "${row}")`}: `;
    super(`${where}${reason}`);
  }
}

/** A markdown table row's cells, split on `|` that is not escaped as `\|`. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** A cell without markdown emphasis or code marks around it. */
const plain = (cell: string): string => cell.replace(/^[*_`]+|[*_`]+$/g, '').trim();

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function parseClaimsTable(text: string): ClaimRow[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => {
    if (!l.trim().startsWith('|')) return false;
    const names = cells(l).map((c) => plain(c).toLowerCase());
    return names.includes('id') && names.includes('verdict');
  });
  if (headerAt < 0)
    throw new ClaimsTableError(null, null, 'no table with an "id" and a "verdict" column');
  const header = cells(lines[headerAt]!).map((c) => plain(c).toLowerCase());
  const idAt = header.indexOf('id');
  const verdictAt = header.indexOf('verdict');
  const rows: ClaimRow[] = [];
  const seen = new Map<string, number>();
  // The header's separator line (|---|---|) follows it; rows run until the table ends.
  for (let i = headerAt + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const line = i + 1;
    const row = cells(lines[i]!);
    const id = plain(row[idAt] ?? '');
    if (row.length !== header.length)
      throw new ClaimsTableError(
        line,
        id || null,
        `${row.length} cells where the header has ${header.length} (an unescaped "|" in a cell?)`,
      );
    if (!ID.test(id))
      throw new ClaimsTableError(
        line,
        null,
        `the id "${id}" is not lower-case words joined by "-"`,
      );
    const before = seen.get(id);
    if (before !== undefined)
      throw new ClaimsTableError(line, id, `the id is used already on line ${before}`);
    seen.set(id, line);
    const verdictText = plain(row[verdictAt] ?? '');
    const word = /^(holds|fails)\b/i.exec(verdictText)?.[1]?.toLowerCase();
    if (word !== 'holds' && word !== 'fails')
      throw new ClaimsTableError(
        line,
        id,
        `the verdict must begin with "holds" or "fails" (got "${verdictText}")`,
      );
    rows.push({ id, expected: word, verdictText, line });
  }
  if (rows.length === 0) throw new ClaimsTableError(headerAt + 1, null, 'the table has no rows');
  return rows;
}

/**
 * Every row names a check and every check has a row, so that no claim is left unanswered and no
 * check runs unlisted. Throws ClaimsTableError naming the first row without a check, or the
 * checks without a row.
 */
export function matchChecks(rows: readonly ClaimRow[], checks: readonly string[]): void {
  for (const row of rows)
    if (!checks.includes(row.id))
      throw new ClaimsTableError(
        row.line,
        row.id,
        `no check of that id (checks: ${checks.join(', ')})`,
      );
  const listed = new Set(rows.map((r) => r.id));
  const missing = checks.filter((id) => !listed.has(id));
  if (missing.length > 0)
    throw new ClaimsTableError(null, null, `no row for the check(s) ${missing.join(', ')}`);
}
