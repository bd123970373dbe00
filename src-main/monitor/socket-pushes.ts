import { WebSocket } from 'ws';
import type { MonitorPush, WireMessage } from '../../src-shared/api/monitor-api';
import { LAB_SNAPSHOT_MS, MAX_BUFFERED_BYTES } from './web-limits';

/*
 * The host's pushes on their way to the sockets. A slow page must not make the server hold
 * megabytes for it, nor fall ever further behind:
 *
 * - A socket whose send buffer is over MAX_BUFFERED_BYTES gets no pushes (they are dropped and
 *   counted) until it drains.
 * - Lab snapshots come every tick (up to ten a second, and large with many nodes): each socket
 *   gets at most one per LAB_SNAPSHOT_MS, the newest (one waiting is replaced by a newer and
 *   counted as coalesced). Other pushes are never held back, so a lab event may reach the page
 *   before the snapshot of the tick it happened in.
 */

/** What the bounds cost, over all sockets: the monitor's stats report them. */
export class PushCounts {
  /** Pushes not sent because a socket's send buffer was over MAX_BUFFERED_BYTES. */
  dropped = 0;
  /** Lab snapshots replaced by a newer one before their socket's turn came. */
  coalesced = 0;
}

/** One socket's pushes: its buffer bound and its lab snapshot waiting, if any. */
export class SocketPushes {
  private lastLabAt = -Infinity;
  private pendingLab: string | null = null;
  private labTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly counts: PushCounts,
  ) {}

  /** Sends a push now, unless the socket is not open or its buffer is full. */
  send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.counts.dropped++;
      return;
    }
    this.ws.send(text);
  }

  /** Sends a lab snapshot when this socket's turn comes, replacing one still waiting. */
  labSnapshot(text: string): void {
    if (this.pendingLab !== null) this.counts.coalesced++;
    this.pendingLab = text;
    if (this.labTimer) return;
    const wait = this.lastLabAt + LAB_SNAPSHOT_MS - performance.now();
    if (wait <= 0) this.sendLab();
    else this.labTimer = setTimeout(() => this.sendLab(), wait);
  }

  /** The socket is closing: nothing waiting is sent. */
  stop(): void {
    if (this.labTimer) clearTimeout(this.labTimer);
    this.labTimer = null;
    this.pendingLab = null;
  }

  private sendLab(): void {
    this.labTimer = null;
    const text = this.pendingLab;
    this.pendingLab = null;
    if (text === null) return;
    this.lastLabAt = performance.now();
    this.send(text);
  }
}

/** A push as the wire carries it. */
export function pushText(push: MonitorPush): string {
  return JSON.stringify({ type: 'push', push } satisfies WireMessage);
}

/** One push to every socket: serialised once, lab snapshots paced per socket. */
export function broadcast(
  push: MonitorPush,
  sockets: ReadonlySet<{ readonly pushes: SocketPushes }>,
): void {
  if (sockets.size === 0) return;
  const text = pushText(push);
  for (const { pushes } of sockets) {
    if (push.kind === 'lab-snapshot') pushes.labSnapshot(text);
    else pushes.send(text);
  }
}
