import type { Transport } from '@libp2p/interface';
import { webSockets } from '@libp2p/websockets';

/*
 * The WebSocket transport browsers reach a desktop node by (`lvs node --ws-port`), with the one
 * bound @libp2p/websockets leaves open: its listener takes WebSocket messages of up to `ws`'s
 * default, 100 MiB, each held whole in memory before anything looks at it. A peer sends what its
 * Noise layer writes, one message per encrypted chunk of at most 65,537 bytes (a 2-byte length
 * and 65,535 bytes of ciphertext), so MAX_WS_MESSAGE_BYTES is twice that; anything larger closes
 * the connection (code 1009) before it is buffered. The listener's WebSocket server is reached
 * through the transport it makes (version pinned in package.json); tests/node/p2p-websockets
 * fails if that stops working.
 */

export const MAX_WS_MESSAGE_BYTES = 128 * 1024;

/** The part of `ws`'s server this reaches: its options, and where each socket is handed over. */
interface WsServer {
  options?: { maxPayload?: number };
  handleUpgrade?: (req: unknown, socket: unknown, head: unknown, cb: UpgradeDone) => void;
}
type UpgradeDone = (
  ws: { on(event: 'error', listener: (err: Error) => void): unknown },
  req: unknown,
) => void;

/** Thrown when @libp2p/websockets no longer has the server this bounds: update websockets.ts. */
export class WebSocketsShapeError extends Error {
  override readonly name = 'WebSocketsShapeError';
}

type TransportFactory = ReturnType<typeof webSockets>;

/** @libp2p/websockets with each WebSocket message bounded, and a peer's broken frame harmless. */
export function boundedWebSockets(): TransportFactory {
  const make = webSockets();
  return (components) => {
    const transport: Transport = make(components);
    const createListener = transport.createListener.bind(transport);
    transport.createListener = (options) => {
      const listener = createListener(options);
      const server = (listener as { wsServer?: WsServer }).wsServer;
      const handleUpgrade = server?.handleUpgrade?.bind(server);
      if (!server?.options || !handleUpgrade)
        throw new WebSocketsShapeError(
          '@libp2p/websockets changed: its listener has no WebSocket server to bound',
        );
      server.options.maxPayload = MAX_WS_MESSAGE_BYTES;
      // `ws` reports a peer's protocol error (a message over the bound, an unmasked or malformed
      // frame) as an 'error' event after it has closed the socket; the listener attaches no
      // handler, and an 'error' with none is thrown: one bad frame would stop the node. `ws` has
      // closed the socket already, so nothing is left to do but keep the event from throwing.
      server.handleUpgrade = (req, socket, head, done) =>
        handleUpgrade(req, socket, head, (ws, r) => {
          ws.on('error', () => undefined);
          done(ws, r);
        });
      return listener;
    };
    return transport;
  };
}
