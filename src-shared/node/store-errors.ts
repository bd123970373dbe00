/**
 * The store errors every host's store throws: the desktop store on disk
 * (src-main/node/store/errors.ts re-exports these beside its own) and the browser's IndexedDB
 * store alike, so a caller tells them apart by class whichever store it opened.
 */

/**
 * Problems with the node's store that a user has to act on. Every message is one line that
 * names the folder, file or database and says what to do; the CLI, the desktop app and a page
 * show it as it is, never with a stack trace.
 */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
}

/** A stored document written by a newer LVS Node: refused, and left exactly as it was. */
export class StoreNewerFormatError extends StoreError {
  override readonly name = 'StoreNewerFormatError';
  constructor(
    message: string,
    /** The file (desktop) or the database and record (browser) holding it. */
    readonly file: string,
    /** The format it was written in, larger than the one this version reads. */
    readonly format: number,
  ) {
    super(message);
  }
}

/** The store was used after `close()`. A bug in the caller, not a user problem. */
export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError';
}
