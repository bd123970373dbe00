import { LengthPrefixedDecoder } from '@libp2p/utils';
import { Uint8ArrayList } from 'uint8arraylist';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Host } from '../../src-main/node/p2p/host';
import { emptyReadWithoutThrow } from '../../src-shared/net/lp-empty-read';
import { streamPair } from '../helpers/hosts';

/*
 * A length-prefixed read ends without an exception once it has used up what arrived
 * (src-shared/net/lp-empty-read.ts): the same messages come out of the same bytes, however they
 * are split, and a Noise connection between two real hosts receives its messages without a
 * RangeError built for each.
 */

/** A 2-byte big-endian length decoder that throws for want of bytes, as Noise's does. */
function countingUint16() {
  const calls = { empty: 0, thrown: 0 };
  const decode = (data: Uint8ArrayList) => {
    if (data.byteLength === 0) calls.empty++;
    if (data.byteLength < 2) {
      calls.thrown++;
      throw new RangeError('Could not decode int16BE');
    }
    return data.getUint16(0);
  };
  return { decode, calls };
}

const framed = (...bodies: number[][]) =>
  Uint8Array.from(bodies.flatMap((b) => [b.length >> 8, b.length & 0xff, ...b]));

function read(decoder: LengthPrefixedDecoder, chunks: Uint8Array[]): number[][] {
  const out: number[][] = [];
  for (const c of chunks) for (const m of decoder.decode(c)) out.push([...m.subarray()]);
  return out;
}

describe('a length-prefixed read', () => {
  it('ends on an empty buffer without asking the length decoder', () => {
    expect(emptyReadWithoutThrow()).toBe(true);
    const { decode, calls } = countingUint16();
    const decoder = new LengthPrefixedDecoder({ lengthDecoder: decode, encodingLength: () => 2 });
    // Three messages, each arriving whole: without the patch each read ends with a throw.
    const got = read(decoder, [framed([1, 2, 3]), framed([4]), framed([5, 6])]);
    expect(got).toEqual([[1, 2, 3], [4], [5, 6]]);
    expect(calls).toEqual({ empty: 0, thrown: 0 });
  });

  it('yields the same messages however the bytes are split, part of a length included', () => {
    const { decode, calls } = countingUint16();
    const decoder = new LengthPrefixedDecoder({ lengthDecoder: decode, encodingLength: () => 2 });
    const bytes = framed(
      [1, 2, 3],
      [],
      [4, 5],
      Array.from({ length: 300 }, (_, i) => i % 256),
    );
    // [1, 2, 3] whole and the first byte of the empty message's length (6 bytes); the length's
    // other byte and [4, 5] (5 bytes); the 300 bytes' message a byte at a time.
    const chunks = [bytes.subarray(0, 6), bytes.subarray(6, 11)];
    for (let i = 11; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    const got = read(decoder, chunks);
    // The empty message is skipped, as the decoder always has done.
    expect(got).toEqual([[1, 2, 3], [4, 5], Array.from({ length: 300 }, (_, i) => i % 256)]);
    // Only a buffer holding one byte of a length reaches the decoder short: after the first
    // chunk, and after the first byte of the last message's length.
    expect(calls).toEqual({ empty: 0, thrown: 2 });
  });

  it('reads varint lengths (the default) as before', () => {
    const decoder = new LengthPrefixedDecoder();
    const body = Array.from({ length: 200 }, (_, i) => i);
    // 200 as a varint is two bytes: 0xc8 0x01.
    const bytes = Uint8Array.from([3, 7, 8, 9, 0xc8, 0x01, ...body]);
    expect(read(decoder, [bytes.subarray(0, 5), bytes.subarray(5)])).toEqual([[7, 8, 9], body]);
  });
});

const running: Host[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  vi.unstubAllGlobals();
});

describe('a Noise connection', () => {
  it('receives its messages without building a RangeError for each', async () => {
    const { stream, received } = await streamPair('/lvs/test/lp-empty-read/1.0.0', running);
    stream.send(new Uint8Array(8));
    await vi.waitFor(() => expect(received()).toBe(8));
    // Noise's length decoder calls the global RangeError: count what is built from here on.
    let built = 0;
    const Original = globalThis.RangeError;
    const counting = new Proxy(Original, {
      apply: (target, self, args: [string?]) => (built++, Reflect.apply(target, self, args)),
      construct: (target, args: [string?], nt: new (...a: unknown[]) => RangeError) => (
        built++,
        Reflect.construct(target, args, nt)
      ),
    });
    vi.stubGlobal('RangeError', counting);
    for (let i = 0; i < 20; i++) {
      stream.send(new Uint8Array(26).fill(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    await vi.waitFor(() => expect(received()).toBe(8 + 20 * 26));
    expect(built).toBe(0);
  });
});
