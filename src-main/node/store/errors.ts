// The errors every host's store shares live in src-shared (the browser store throws them too);
// they are re-exported here so that the desktop side imports all its store errors from one place.
import { StoreError } from '../../../src-shared/node/store-errors';
export {
  StoreClosedError,
  StoreError,
  StoreNewerFormatError,
} from '../../../src-shared/node/store-errors';

/** Another LVS Node (or another store in this process) holds the data folder's lock. */
export class StoreLockedError extends StoreError {
  override readonly name = 'StoreLockedError';
  constructor(
    message: string,
    /** The folder that is in use. */
    readonly dir: string,
    /** The pid written in the lock, if it could be read. */
    readonly pid?: number,
  ) {
    super(message);
  }
}

/** What a path of the store folder holds instead of a regular file. */
export type NotAFileKind =
  'folder' | 'FIFO' | 'socket' | 'character device' | 'block device' | 'special file';

/**
 * A path where the store keeps a file (`node.json`, its backup, the lock) holds something that
 * is not a regular file. The store never writes one, so someone put it there: it is refused,
 * never opened (a FIFO would block the start for good) and left as it is.
 */
export class StoreNotAFileError extends StoreError {
  override readonly name = 'StoreNotAFileError';
  constructor(
    message: string,
    readonly file: string,
    readonly found: NotAFileKind,
  ) {
    super(message);
  }
}

/** `code (message)` of a Node system error, without the stack and the repeated path. */
export function describeSystemError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node puts "CODE: text, syscall 'path'" in the message; keep the text only.
    const text = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    return code && !text.startsWith(code) ? `${code}: ${text}` : text;
  }
  return String(err);
}

/** Wraps an I/O failure as a one-line StoreError saying what was being done to which path. */
export function ioError(what: string, path: string, err: unknown): StoreError {
  return new StoreError(`cannot ${what} ${path}: ${describeSystemError(err)}`);
}
