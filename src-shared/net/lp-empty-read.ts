import { LengthPrefixedDecoder } from '@libp2p/utils';
import type { Uint8ArrayList } from 'uint8arraylist';
import { isPatched, patchMethod } from './patch-method';

/*
 * A length-prefixed read that ends without an exception when it has used up what arrived.
 *
 * Noise reads its messages through @libp2p/utils' LengthPrefixedDecoder, whose loop ends when the
 * length decoder throws a RangeError for want of bytes. Every message that arrives whole leaves
 * the buffer empty, so every message received ended with an Error built, its stack captured,
 * thrown and caught: about eight a second in a browser node with 8 peers, a tenth of a point of its
 * page's CPU in V8's profile (docs/benchmarks.md, bench:browser), and about 5 µs a message in
 * Node.js. The patch answers an empty buffer without calling the length decoder: a length of 0,
 * whose encoding (at least one byte) the buffer cannot hold, so the loop ends as it does for any
 * short buffer. A buffer holding part of a length still goes to the decoder, which throws as
 * before; the bytes read and the messages yielded are the same. tests/node/lp-empty-read.test.ts
 * reads split and joined messages through it.
 */

type LengthDecoder = (data: Uint8ArrayList) => number;
/** Marks a decoder whose length decoder is wrapped (its own property, not the prototype's). */
const WRAPPED = Symbol('lvs.emptyRead.wrapped');
type Decoder = { lengthDecoder: LengthDecoder; [WRAPPED]?: true };
type Decode = (this: Decoder, buf: Uint8Array | Uint8ArrayList) => Generator<Uint8ArrayList>;

const MARKER = '__lvsEmptyRead';

patchMethod<Decode>(
  LengthPrefixedDecoder.prototype,
  '@libp2p/utils: LengthPrefixedDecoder',
  'decode',
  MARKER,
  (original) =>
    function decode(this: Decoder, buf: Uint8Array | Uint8ArrayList) {
      // The length decoder is the instance's own field (set in its constructor): wrapped on
      // first use.
      if (!this[WRAPPED]) {
        const inner = this.lengthDecoder;
        this.lengthDecoder = (data) => (data.byteLength === 0 ? 0 : inner(data));
        this[WRAPPED] = true;
      }
      return original.call(this, buf);
    },
);

/** Whether the patch is in place (for the test). */
export function emptyReadWithoutThrow(): boolean {
  return isPatched(LengthPrefixedDecoder.prototype, MARKER);
}
