import { AbstractMultiaddrConnection } from '@libp2p/utils';
import { isUint8ArrayList, type Uint8ArrayList } from 'uint8arraylist';
import { isPatched, patchMethod } from './patch-method';

/*
 * One socket write per message a connection sends, so one TCP segment (or one WebSocket message)
 * instead of several.
 *
 * Noise hands the TCP connection each encrypted message as a list of two buffers, its 2-byte
 * length and its ciphertext, and @libp2p/tcp writes a list buffer by buffer. With Nagle's
 * algorithm off (libp2p sets TCP_NODELAY) each write leaves as a segment of its own: a drift
 * frame crossed the wire as two packets, one of them carrying 2 bytes behind 40-60 bytes of
 * TCP/IP headers. Counted at the socket the bytes are the same; on a real link the packets are
 * not. The patch joins a list into one buffer (a copy of a few dozen bytes) where a connection
 * takes it, for every transport built on AbstractMultiaddrConnection; tests/node/p2p-one-write
 * counts the writes.
 */

type Send = (this: unknown, data: Uint8Array | Uint8ArrayList) => boolean;

const MARKER = '__lvsOneWrite';

patchMethod<Send>(
  AbstractMultiaddrConnection.prototype,
  '@libp2p/utils: AbstractMultiaddrConnection',
  'send',
  MARKER,
  (original) =>
    function send(this: unknown, data: Uint8Array | Uint8ArrayList): boolean {
      // Noise's list is from another major of uint8arraylist than ours, so no instanceof: the
      // package marks its lists with a symbol every version shares. subarray() of a list of one
      // buffer is that buffer; of several, one copy joining them.
      return original.call(this, isUint8ArrayList(data) ? data.subarray() : data);
    },
);

/** Whether the patch is in place (for the test). */
export function oneWritePerMessage(): boolean {
  return isPatched(AbstractMultiaddrConnection.prototype, MARKER);
}
