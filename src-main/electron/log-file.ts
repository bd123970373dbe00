import { closeSync, createWriteStream, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLog, type CliLog } from '../cli/log';

/*
 * The desktop app's log: pino JSON lines (the same records as `lvs node --json-logs`) appended
 * to main.log in the app's logs folder (app.getPath('logs')); the file is rotated once it is
 * over 5 MB (main.log.1). Where the folder cannot be written, the log goes to stdout instead.
 */

export const LOG_FILE = 'main.log';
const ROTATE_BYTES = 5 * 1024 * 1024;

export interface AppLog extends CliLog {
  /** The file written, or null when logging to stdout. */
  readonly file: string | null;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

export function openAppLog(dir: string): AppLog {
  const file = join(dir, LOG_FILE);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    try {
      if (statSync(file).size > ROTATE_BYTES) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    fd = openSync(file, 'a', 0o600);
  } catch (err) {
    const log = createLog({ level: 'info', json: false });
    log.warn(`cannot write the log file ${file} (${(err as Error).message}); logging here`);
    return { ...log, file: null, close: async () => log.flush() };
  }
  const stream = createWriteStream('', { fd, autoClose: true });
  let failed = false;
  stream.on('error', () => {
    failed = true; // a full disk must not take the app down; the log stops
  });
  const log = createLog({
    level: 'info',
    json: true,
    out: { write: (s: string) => (failed ? true : stream.write(s)) } as NodeJS.WritableStream,
  });
  return {
    ...log,
    file,
    close: () =>
      new Promise<void>((done) => {
        if (failed) {
          try {
            closeSync(fd);
          } catch {
            // already closed
          }
          return done();
        }
        stream.end(() => done());
      }),
  };
}

/** An error's message and stack as log fields (pino's `err` shape). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error)
    return { err: { type: err.name, message: err.message, stack: err.stack } };
  return { err: { message: String(err) } };
}
