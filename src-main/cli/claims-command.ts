import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  ClaimsTableError,
  matchChecks,
  parseClaimsTable,
  type ClaimRow,
} from '../../src-shared/claims/claims-table';
import type { CheckSize, ClaimOutcome } from '../../src-shared/claims/outcome';
import { SIM_CHECKS } from '../../src-shared/claims/sim-checks';
import { errorMessage } from '../../src-shared/error-message';
import { writeAtomically } from '../runtime/atomic-write';
import { labClaims, LAB_CLAIMS, type LabClaim } from './claims-lab';
import { EXIT, ExitError, UsageError } from './errors';
import { resultsFormat } from './results-file';

/*
 * `lvs claims`: runs the check of every row of docs/claims.md and holds each verdict to the one
 * the row states. The file is the only place where expected verdicts are written: the command
 * reads them from it, so the document people read and the verdicts CI holds cannot drift apart.
 * The checks themselves (what is run, and the bound that decides) are in code: the simulator's
 * in src-shared/claims/sim-checks.ts, the lab's in claims-lab.ts.
 */

/** Wall time on 2 shared cores, measured: printed before a run so that nobody waits blind. */
const EXPECTED_S: Record<CheckSize, number> = { quick: 20, full: 120 };

interface ClaimsFlags {
  quick?: boolean;
  claims?: string;
  only?: string[];
  out?: string;
  force?: boolean;
}

/**
 * docs/claims.md beside the build: this module runs from src-main/cli/ and from a chunk in
 * out/main/, both two levels under the repository's root (as the shipped scenarios are found).
 */
function defaultClaimsFile(): string {
  const candidates = [
    fileURLToPath(new URL('../../docs/claims.md', import.meta.url)),
    resolve(process.cwd(), 'docs', 'claims.md'),
  ];
  const found = candidates.find((f) => existsSync(f));
  if (!found)
    throw new UsageError(
      `no docs/claims.md found (looked in ${candidates.join(' and ')}); name one with --claims <file>`,
    );
  return found;
}

const isLabClaim = (id: string): id is LabClaim => (LAB_CLAIMS as readonly string[]).includes(id);
const CHECK_IDS = [...Object.keys(SIM_CHECKS), ...LAB_CLAIMS];

/** The rows of a claims file, each matched to its check. */
async function readClaims(path: string): Promise<ClaimRow[]> {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new UsageError(`--claims ${path}: no such file`);
  try {
    const rows = parseClaimsTable(await readFile(path, 'utf8'));
    matchChecks(rows, CHECK_IDS);
    return rows;
  } catch (err) {
    if (err instanceof ClaimsTableError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

function collectIds(text: string, previous: string[] = []): string[] {
  const ids = text.split(',').map((s) => s.trim());
  for (const id of ids)
    if (!CHECK_IDS.includes(id))
      throw new UsageError(`--only takes claim ids, one of ${CHECK_IDS.join(', ')} (got "${id}")`);
  return [...previous, ...ids];
}

export interface ClaimResult {
  readonly id: string;
  readonly expected: ClaimRow['expected'];
  readonly expectedText: string;
  readonly outcome: ClaimOutcome;
  readonly agrees: boolean;
  readonly seconds: number;
}

export function registerClaims(program: Command): void {
  program
    .command('claims')
    .description("check every claim of the source documents against docs/claims.md's verdicts")
    .option('--quick', `a small run of every check (about ${EXPECTED_S.quick} s)`)
    .option('--claims <file>', 'the table of claims and expected verdicts (default docs/claims.md)')
    .option('--only <ids>', 'run only these claims (comma-separated, repeatable)', collectIds)
    .option('--out <file>', 'write the verdicts and figures to a .json file')
    .option('--force', 'replace an existing --out file')
    .action(async (flags: ClaimsFlags) => {
      if (flags.out && resultsFormat(flags.out, flags.force === true) !== 'json')
        throw new UsageError(`--out must end in .json for lvs claims (got "${flags.out}")`);
      const path = flags.claims ?? defaultClaimsFile();
      const rows = await readClaims(path);
      const size: CheckSize = flags.quick ? 'quick' : 'full';
      const chosen = flags.only ? rows.filter((r) => flags.only!.includes(r.id)) : rows;
      process.stdout.write(
        `lvs claims: ${chosen.length} claim(s) of ${path}, ${size} run (about ` +
          `${EXPECTED_S[size]} s on 2 cores for all of them)\n`,
      );
      let lab: ReturnType<typeof labClaims> | null = null;
      const results: ClaimResult[] = [];
      for (const row of chosen) {
        const t0 = performance.now();
        let outcome: ClaimOutcome;
        try {
          if (isLabClaim(row.id)) {
            lab ??= labClaims(size);
            outcome = (await lab)[row.id];
          } else outcome = SIM_CHECKS[row.id]!(size);
        } catch (err) {
          throw new ExitError(
            `claim ${row.id}: its check failed to run: ${errorMessage(err)}`,
            EXIT.failure,
          );
        }
        const agrees = outcome.verdict === row.expected;
        const seconds = (performance.now() - t0) / 1000;
        results.push({
          id: row.id,
          expected: row.expected,
          expectedText: row.verdictText,
          outcome,
          agrees,
          seconds,
        });
        process.stdout.write(
          `${agrees ? 'ok  ' : 'DIFF'} ${row.id.padEnd(26)} ${outcome.verdict.padEnd(5)} ` +
            `(expected ${row.expected})  ${outcome.figure}\n`,
        );
      }
      if (flags.out)
        await writeAtomically(
          flags.out,
          JSON.stringify({ claims: path, size, results }, null, 1) + '\n',
        );
      const wrong = results.filter((r) => !r.agrees);
      if (wrong.length > 0)
        throw new ExitError(
          `${wrong.length} verdict(s) differ from ${path}: ` +
            wrong
              .map((r) => `${r.id} (expected ${r.expected}, measured ${r.outcome.verdict})`)
              .join(', '),
          EXIT.failure,
        );
      process.stdout.write(`every verdict agrees with ${path}\n`);
    });
}
