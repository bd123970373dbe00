import type { Socket } from 'node:net';
import { MAX_CONNECTIONS, MAX_UNAUTHENTICATED, UNAUTHENTICATED_MS } from './web-limits';

/*
 * No local process can lock the token holder out. Opening a TCP connection to 127.0.0.1 needs
 * no token, so a connection that has not yet sent a request with the token (or the asset
 * cookie) is unauthenticated: it gets UNAUTHENTICATED_MS to send one, and at most
 * MAX_UNAUTHENTICATED of them exist at once (a new one evicts the oldest), within
 * MAX_CONNECTIONS in all. Idle sockets held without the token therefore age out or are pushed
 * out by the next connection, which may be the token holder's; an authenticated connection (a
 * browser's keep-alive) is never evicted for them.
 *
 * Node's own limits act too late for a socket that sends nothing (headersTimeout is checked
 * every 30 s, and maxConnections lets idle sockets fill every place), hence this guard.
 */
export class ConnectionGuard {
  /** Every TCP connection, in the order they came. */
  private readonly connections = new Set<Socket>();
  /** Connections without a request with the token yet, oldest first, with their deadline. */
  private readonly unauthenticated = new Map<Socket, ReturnType<typeof setTimeout>>();

  /** The server's 'connection' listener: unauthenticated until a request shows the token. */
  readonly admit = (socket: Socket): void => {
    this.connections.add(socket);
    const deadline = setTimeout(() => this.drop(socket), UNAUTHENTICATED_MS);
    deadline.unref();
    this.unauthenticated.set(socket, deadline);
    socket.once('close', () => {
      clearTimeout(this.unauthenticated.get(socket));
      this.unauthenticated.delete(socket);
      this.connections.delete(socket);
    });
    // Make room by evicting unauthenticated connections, oldest first (this one last): a
    // token holder's new connection is never refused while idle ones hold places.
    while (
      this.unauthenticated.size > MAX_UNAUTHENTICATED ||
      this.connections.size > MAX_CONNECTIONS
    ) {
      const oldest = this.unauthenticated.keys().next();
      if (oldest.done) {
        // Every place is held by an authenticated connection: this one waits its turn.
        this.drop(socket);
        break;
      }
      this.drop(oldest.value);
    }
  };

  /** The connection sent a request with the token: it stays, under the usual timeouts. */
  readonly authenticated = (socket: Socket): void => {
    clearTimeout(this.unauthenticated.get(socket));
    this.unauthenticated.delete(socket);
  };

  private drop(socket: Socket): void {
    clearTimeout(this.unauthenticated.get(socket));
    this.unauthenticated.delete(socket);
    this.connections.delete(socket);
    socket.destroy();
  }
}
