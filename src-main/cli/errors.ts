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
  /** `lvs node`: the data folder is in use by another running LVS Node. */
  inUse: 3,
  /** `lvs node`: a second SIGHUP during the graceful shutdown (128 + 1). */
  hangup: 129,
  /** `lvs node`: a second SIGINT during the graceful shutdown (128 + 2). */
  interrupted: 130,
  /** `lvs node`: a second SIGTERM during the graceful shutdown (128 + 15). */
  terminated: 143,
} as const;

/** A failure with its own exit code: printed as one line, never a stack trace. */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
