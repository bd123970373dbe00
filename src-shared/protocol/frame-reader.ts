import type { Uint8ArrayList } from 'uint8arraylist';
import { MAX_FRAME_BYTES } from './codec';

/*
 * Splits the bytes of a stream into length-prefixed frames without ever holding more than one
 * frame: the length is read first, and a frame over the limit is reported and then skipped byte
 * by byte as it arrives (counted, never stored). A length prefix that is not a valid varint of at
 * most 32 bits, or a declared length so large that skipping it is pointless, ends the stream.
 */

export type ReadEvent =
  | { readonly type: 'frame'; readonly body: Uint8Array }
  | { readonly type: 'oversize'; readonly length: number }
  | { readonly type: 'fatal'; readonly reason: string };

/** A varint of a 32-bit length takes at most 5 bytes. */
const MAX_PREFIX_BYTES = 5;

export class FrameReader {
  private prefixValue = 0;
  private prefixBytes = 0;
  /** Length of the frame being read, or -1 while reading a length prefix. */
  private expected = -1;
  private body: Uint8Array | null = null;
  private filled = 0;
  private skipping = 0;
  private failed = false;
  /** The most bytes this reader has held at once (prefix and partial frame). */
  highWater = 0;

  constructor(
    readonly maxFrameBytes = MAX_FRAME_BYTES,
    /** Oversize frames up to this length are skipped; longer ones end the stream. */
    readonly maxSkipBytes = 1 << 20,
  ) {}

  /** Bytes held right now: at most the length prefix plus `maxFrameBytes`. */
  get bufferedBytes(): number {
    return this.prefixBytes + this.filled;
  }

  /** Feeds one chunk; yields frames and faults in order. Stop iterating to drop the rest. */
  *push(chunk: Uint8Array | Uint8ArrayList): Generator<ReadEvent> {
    const parts = chunk instanceof Uint8Array ? [chunk] : chunk;
    for (const part of parts) {
      let i = 0;
      while (i < part.byteLength) {
        if (this.failed) return;
        if (this.skipping > 0) {
          const n = Math.min(this.skipping, part.byteLength - i);
          this.skipping -= n;
          i += n;
          continue;
        }
        if (this.expected >= 0) {
          const n = Math.min(this.expected - this.filled, part.byteLength - i);
          if (this.filled === 0 && n === this.expected) {
            // The whole frame is inside this chunk: hand it out without a copy.
            i += n;
            this.expected = -1;
            yield { type: 'frame', body: part.subarray(i - n, i) };
            continue;
          }
          this.body ??= new Uint8Array(this.expected);
          this.body.set(part.subarray(i, i + n), this.filled);
          this.filled += n;
          i += n;
          this.highWater = Math.max(this.highWater, this.bufferedBytes);
          if (this.filled === this.expected) {
            const body = this.body;
            this.body = null;
            this.filled = 0;
            this.expected = -1;
            yield { type: 'frame', body };
          }
          continue;
        }
        // Reading the length prefix, one byte at a time.
        const byte = part[i++]!;
        this.prefixValue += (byte & 0x7f) * 2 ** (7 * this.prefixBytes);
        this.prefixBytes++;
        this.highWater = Math.max(this.highWater, this.bufferedBytes);
        if (byte & 0x80) {
          if (this.prefixBytes >= MAX_PREFIX_BYTES) {
            this.failed = true;
            yield { type: 'fatal', reason: 'length prefix is longer than 5 bytes' };
            return;
          }
          continue;
        }
        const length = this.prefixValue;
        this.prefixValue = 0;
        this.prefixBytes = 0;
        if (length > this.maxFrameBytes) {
          if (length > this.maxSkipBytes) {
            this.failed = true;
            yield {
              type: 'fatal',
              reason: `frame of ${length} bytes is over the ${this.maxFrameBytes}-byte limit and too long to skip`,
            };
            return;
          }
          this.skipping = length;
          yield { type: 'oversize', length };
        } else if (length === 0) {
          yield { type: 'frame', body: new Uint8Array(0) };
        } else {
          this.expected = length;
        }
      }
    }
  }
}
