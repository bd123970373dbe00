/*
 * What a claim's check answers. A check runs one scenario and says whether the claim held in
 * it; the conditions under which it holds are the row's words in docs/claims.md, so a check
 * never returns "holds if": it returns what it saw under the conditions it ran.
 */

export type Verdict = 'holds' | 'fails';

/** How large a run: `quick` is what `npm test` affords, `full` is a command for people. */
export type CheckSize = 'quick' | 'full';

export interface ClaimOutcome {
  readonly verdict: Verdict;
  /** What was measured, as one line for the table. */
  readonly figure: string;
  /** The measured numbers by name, for the results file. */
  readonly figures: Readonly<Record<string, number>>;
}

/** Whether a measure met its bound, as the verdict a check returns. */
export const verdictOf = (held: boolean): Verdict => (held ? 'holds' : 'fails');
