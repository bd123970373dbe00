import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream';
import { isPatched, patchMethod } from './patch-method';

/*
 * Yamux window updates only once half the receive window is used, as Hashicorp's yamux (the
 * spec's reference) and rust-yamux do, instead of after every data frame.
 *
 * @chainsafe/libp2p-yamux 8 answers every data frame it receives with a window-update frame
 * (a 12-byte header that Noise then wraps in its own message: 30 bytes on the wire). The drift
 * protocol sends one small frame per peer per cycle, so every node paid 30 bytes a cycle per
 * peer just to hand back credit it never came close to using: a quarter of a node's bytes
 * (docs/protocol.md, "Where the bytes go"). The spec leaves the moment of an update to the
 * receiver. With this patch a stream whose state is Established skips the update while less
 * than half of its receive window (256 KiB at first) is used; the sender still holds at least
 * half a window of credit, and the frame that crosses the half sends the update as before. The
 * opening frames (SYN, ACK) and a paused stream take the library's own path unchanged.
 *
 * The patch goes on the prototype the package exports (`@chainsafe/libp2p-yamux/stream`), once
 * per process (or worker thread); the package's version is pinned in package.json and
 * tests/node/p2p-yamux-window.test.ts fails if the patch stops taking effect.
 */

/** The receive-side fields the patch reads (private in the library's types, public at run time). */
interface Window {
  state: StreamState;
  recvWindow: number;
  recvWindowCapacity: number;
}

type SendWindowUpdate = (this: YamuxStream) => void;

const MARKER = '__lvsHalfWindow';

patchMethod<SendWindowUpdate>(
  YamuxStream.prototype,
  '@chainsafe/libp2p-yamux: YamuxStream',
  'sendWindowUpdate',
  MARKER,
  (original) =>
    function sendWindowUpdate(this: YamuxStream): void {
      const w = this as unknown as Window;
      if (
        w.state === StreamState.Established &&
        w.recvWindow - w.recvWindowCapacity < w.recvWindow / 2
      )
        return;
      original.call(this);
    },
);

/** Whether the patch is in place (for the test). */
export function halfWindowUpdates(): boolean {
  return isPatched(YamuxStream.prototype, MARKER);
}
