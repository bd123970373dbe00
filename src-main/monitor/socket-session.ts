import { WebSocket, type RawData } from 'ws';
import type { WireMessage } from '../../src-shared/api/monitor-api';
import type { MonitorHost } from './monitor-host';
import { checkEnvelope, oneLine, rawText } from './socket-envelope';
import { pushText, SocketPushes, type PushCounts } from './socket-pushes';
import { MAX_BAD_MESSAGES, MAX_IN_FLIGHT } from './web-limits';

/*
 * One open /api socket: its requests to the host and their replies, and what bounds it.
 *
 * - Each request gets one reply, by its id; an error is one line, never a stack.
 * - At most MAX_IN_FLIGHT requests whose replies are not yet written out: a page cannot queue
 *   unbounded work in the host. One more gets an error reply and counts as malformed.
 * - MAX_BAD_MESSAGES malformed messages (binary, bad JSON, a bad envelope) and the socket is
 *   closed (1008): a broken or hostile client stops costing anything. A well-formed request the
 *   host refuses is not malformed: it gets its one-line error and the socket stays open.
 * - Its pushes go through its own SocketPushes (the buffer bound, lab snapshot pacing).
 */
export class SocketSession {
  readonly pushes: SocketPushes;
  private bad = 0;
  private pending = 0;
  /** Whether it answered the last ping. */
  private alive = true;

  constructor(
    readonly ws: WebSocket,
    private readonly host: MonitorHost,
    counts: PushCounts,
    /** Told each time one of its replies is written out (or cannot be). */
    private readonly replied: () => void,
  ) {
    this.pushes = new SocketPushes(ws, counts);
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('error', () => ws.terminate());
  }

  /** Requests whose replies are not yet written out. */
  get inFlight(): number {
    return this.pending;
  }

  /** What the host runs, at once: the page need not ask before its first draw. */
  greet(): void {
    this.pushes.send(pushText({ kind: 'app', info: this.host.info() }));
  }

  /** Called every HEARTBEAT_MS: a socket that missed the last pong is dropped, else pinged. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.malformed(0, 'messages must be JSON text');
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(data));
    } catch {
      return this.malformed(0, 'a message must be JSON: {"type":"request","id":1,"body":{...}}');
    }
    const env = checkEnvelope(msg);
    if (!env.ok) return this.malformed(env.id, env.reason);
    if (this.pending >= MAX_IN_FLIGHT)
      return this.malformed(
        env.id,
        `too many requests in flight (${MAX_IN_FLIGHT}): wait for replies`,
      );
    this.pending++;
    const release = () => {
      this.pending--;
      this.replied();
    };
    this.host.handle(env.value).then(
      (value) => this.reply({ type: 'reply', id: env.id, ok: true, value: value ?? null }, release),
      (err: unknown) =>
        this.reply({ type: 'reply', id: env.id, ok: false, error: oneLine(err) }, release),
    );
  }

  private malformed(id: number, error: string): void {
    this.bad++;
    this.reply({ type: 'reply', id, ok: false, error });
    if (this.bad >= MAX_BAD_MESSAGES)
      this.ws.close(1008, `${MAX_BAD_MESSAGES} malformed messages: closing`);
  }

  /** A reply is never dropped for the buffer bound: the page waits for it by id. */
  private reply(reply: WireMessage, done?: () => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return done?.();
    this.ws.send(JSON.stringify(reply), () => done?.());
  }
}
