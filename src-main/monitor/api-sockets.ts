import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_REQUEST_BYTES, type MonitorPush } from '../../src-shared/api/monitor-api';
import type { ConnectionGuard } from './connection-guard';
import { splitTarget, type HttpGate } from './http-gate';
import type { MonitorHost } from './monitor-host';
import { broadcast, PushCounts } from './socket-pushes';
import { SocketSession } from './socket-session';
import { CLOSE_GRACE_MS, HEARTBEAT_MS, MAX_SOCKETS } from './web-limits';

/*
 * The monitor API's sockets (`/api?token=...`): which upgrades are accepted, the sessions that
 * are open, their heartbeat, and closing them all. An upgrade passes the same gate as a page
 * request (Host, then an Origin that must be present and the page's own, then the token from
 * the query only: the cookie never opens the API) and MAX_SOCKETS, counting upgrades still
 * under way, or is refused with one line of plain text.
 */

export interface ApiSocketsOptions {
  readonly gate: HttpGate;
  readonly guard: ConnectionGuard;
  readonly host: MonitorHost;
}

export class ApiSockets {
  readonly counts = new PushCounts();
  private readonly sessions = new Set<SocketSession>();
  /** Upgrades accepted but not yet open: they count toward MAX_SOCKETS. */
  private opening = 0;
  /** Every upgrade socket until it closes, so that close can cut them all. */
  private readonly rawSockets = new Set<Duplex>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_REQUEST_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly heartbeat = setInterval(() => {
    for (const s of this.sessions) s.heartbeat();
  }, HEARTBEAT_MS);
  private closing = false;
  /** Set while close waits for the replies under way; called when the last is written. */
  private answered: (() => void) | null = null;

  constructor(private readonly opts: ApiSocketsOptions) {
    this.heartbeat.unref();
  }

  /** Sockets open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** The server's 'upgrade' listener. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const { gate, guard } = this.opts;
    this.rawSockets.add(socket);
    socket.once('close', () => this.rawSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.closing)
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'the monitor is closing');
    if (!gate.hostOk(req.headers.host))
      return refuseUpgrade(
        socket,
        421,
        'Misdirected Request',
        'refused: the Host must be 127.0.0.1 or localhost with this port',
      );
    const origin = req.headers.origin;
    if (origin === undefined || !gate.originOk(origin))
      return refuseUpgrade(
        socket,
        403,
        'Forbidden',
        'refused: the socket needs this page as Origin',
      );
    const target = splitTarget(req.url ?? '/');
    if (target.path !== '/api') return refuseUpgrade(socket, 404, 'Not Found', 'not found');
    if (!gate.tokenOk(target.query.get('token')))
      return refuseUpgrade(socket, 401, 'Unauthorized', 'refused: /api needs ?token=...');
    guard.authenticated(req.socket);
    if (this.sessions.size + this.opening >= MAX_SOCKETS)
      return refuseUpgrade(
        socket,
        503,
        'Service Unavailable',
        `refused: ${MAX_SOCKETS} monitor sockets are open already`,
      );
    this.opening++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      this.opening--;
    };
    // handleUpgrade may refuse a malformed handshake without calling back: the close frees it.
    socket.once('close', settle);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      if (this.closing) return ws.terminate();
      this.accept(ws);
    });
  };

  /** One of the host's pushes, to every open socket. */
  push(push: MonitorPush): void {
    broadcast(push, this.sessions);
  }

  /** The monitor is closing: no new socket is accepted, and the heartbeat stops. */
  stopAccepting(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
  }

  /**
   * Waits, CLOSE_GRACE_MS at most, for the replies under way: a request can be what closes the
   * monitor ("stop lab" from the page ends `lvs lab --monitor`), and it is answered.
   */
  async finishReplies(): Promise<void> {
    if ([...this.sessions].some((s) => s.inFlight > 0))
      await Promise.race([
        new Promise<void>((ok) => (this.answered = ok)),
        new Promise((ok) => setTimeout(ok, CLOSE_GRACE_MS).unref()),
      ]);
    this.answered = null;
  }

  /** Tells every open socket the monitor is stopping (1001); returns them for cutOff. */
  sayGoodbye(): readonly SocketSession[] {
    const open = [...this.sessions];
    for (const s of open) {
      s.pushes.stop();
      s.ws.close(1001, 'the monitor is stopping');
    }
    return open;
  }

  /** Gives the sockets a moment to say goodbye, then cuts what is left. */
  async cutOff(open: readonly SocketSession[]): Promise<void> {
    await Promise.race([
      Promise.all(open.map((s) => new Promise((ok) => s.ws.once('close', ok)))),
      new Promise((ok) => setTimeout(ok, CLOSE_GRACE_MS).unref()),
    ]);
    for (const s of open) s.ws.terminate();
    for (const raw of this.rawSockets) raw.destroy();
  }

  /** Frees the WebSocket server itself, once every socket is cut. */
  release(): void {
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const session = new SocketSession(ws, this.opts.host, this.counts, () => this.replied());
    this.sessions.add(session);
    ws.on('close', () => {
      this.sessions.delete(session);
      session.pushes.stop();
    });
    session.greet();
  }

  /** A reply was written out: close may be waiting for the last one. */
  private replied(): void {
    if (this.answered && [...this.sessions].every((s) => s.inFlight === 0)) this.answered();
  }
}

/** Refuses an upgrade with an HTTP answer of one line, and cuts a socket that lingers. */
function refuseUpgrade(socket: Duplex, code: number, reason: string, line: string): void {
  const body = `${line}\n`;
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
