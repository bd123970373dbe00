import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, gunzip } from 'node:zlib';
import {
  encodeLine,
  parseRecording,
  RecordingError,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type Recording,
  type RecordingHeader,
  type RecordingLine,
} from '../../src-shared/lab/recording';

/*
 * Recordings on disk. A lab writes one line per event and per tick through a single write
 * stream as it runs; at the end a file over GZIP_OVER bytes is gzipped (recordings of large labs
 * are mostly numbers and shrink about tenfold). Reading takes either, told apart by the gzip
 * magic bytes rather than by the name.
 */

/** Buffered bytes over which tick lines are dropped (a disk slower than the lab). */
export const MAX_BUFFERED = 8 * 1024 * 1024;
/** Files larger than this are gzipped when the recording closes. */
export const GZIP_OVER = 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;
const MAX_NAME_TRIES = 1000;

/** 2025-01-31T12-00-00-000Z: the ISO time with what file systems dislike replaced. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export type RecordingHeaderFields = Omit<RecordingHeader, 'format' | 'version'>;

export class RecordingWriter {
  /** Tick lines dropped because the stream's buffer was over MAX_BUFFERED. Events never are. */
  dropped = 0;
  private error: Error | null = null;
  private closed: Promise<string> | null = null;

  private constructor(
    /** The plain .jsonl file being written. */
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (e) => {
      this.error ??= e;
    });
  }

  /**
   * Starts `dir/recording-<time>.jsonl` with the header as its first line. An existing file is
   * never replaced: the name takes a -1, -2, ... suffix when it is taken (as .jsonl, or as the
   * .jsonl.gz an earlier recording was compressed to).
   */
  static async create(dir: string, header: RecordingHeaderFields): Promise<RecordingWriter> {
    const base = `recording-${stamp(new Date())}`;
    for (let n = 0; n < MAX_NAME_TRIES; n++) {
      const path = join(dir, `${base}${n === 0 ? '' : `-${n}`}.jsonl`);
      if (existsSync(`${path}.gz`)) continue;
      const stream = createWriteStream(path, { flags: 'wx' });
      try {
        await once(stream, 'ready');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw e;
      }
      const writer = new RecordingWriter(path, stream);
      stream.write(
        encodeLine({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header }) + '\n',
      );
      return writer;
    }
    throw new Error(`no free recording name in ${dir} after ${MAX_NAME_TRIES} tries (${base}...)`);
  }

  /**
   * Appends one line. While more than MAX_BUFFERED bytes wait for the disk, tick lines are
   * dropped and counted in `dropped`; event lines are always kept. Lines after close() are
   * ignored (counted too when they are ticks), so a late event cannot crash a stopping lab.
   */
  write(line: RecordingLine): void {
    if (this.closed || this.error) {
      if (line.type === 'tick') this.dropped++;
      return;
    }
    if (line.type === 'tick' && this.stream.writableLength > MAX_BUFFERED) {
      this.dropped++;
      return;
    }
    this.stream.write(encodeLine(line) + '\n');
  }

  /**
   * Ends the file and returns its final path: the .jsonl, or the .jsonl.gz it was compressed to
   * when larger than GZIP_OVER (written under a temporary name first, so a crash in between
   * leaves the complete plain file). Calling it again returns the same promise.
   */
  close(): Promise<string> {
    this.closed ??= this.finish();
    return this.closed;
  }

  private async finish(): Promise<string> {
    if (!this.error) {
      const closed = once(this.stream, 'close');
      this.stream.end();
      await closed.catch(() => undefined);
    }
    if (this.error) throw this.error;
    if ((await stat(this.path)).size <= GZIP_OVER) return this.path;
    const gz = `${this.path}.gz`;
    const tmp = `${gz}.${process.pid}.tmp`;
    try {
      await pipeline(
        createReadStream(this.path),
        createGzip(),
        createWriteStream(tmp, { flags: 'wx' }),
      );
      await rename(tmp, gz);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    await rm(this.path);
    return gz;
  }
}

/**
 * Reads a recording written by RecordingWriter, plain or gzipped (told by its first two bytes).
 * Every failure is a RecordingError with one line.
 */
export async function loadRecordingFile(path: string): Promise<Recording> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RecordingError(`no recording at ${path}`);
    throw new RecordingError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = await promisify(gunzip)(bytes);
    } catch (e) {
      throw new RecordingError(`${path}: not a readable gzip file: ${(e as Error).message}`);
    }
  }
  return parseRecording(bytes.toString('utf8'), path);
}
