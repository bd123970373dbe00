/** A mistake in what the user typed: printed as one line, exit code 2, never a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of every `lvs` command. */
export const EXIT = {
  ok: 0,
  /** A failure while running (I/O, a crashed worker). */
  failure: 1,
  /** Bad flags, values or files given by the user. */
  usage: 2,
} as const;
