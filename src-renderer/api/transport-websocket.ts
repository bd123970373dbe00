import type { MonitorApi, MonitorPush, MonitorRequest, WireMessage } from '@shared/api/monitor-api';
import type { ConnectionState, Host } from './connection';

/*
 * The web monitor's transport: one WebSocket to `lvs node|lab --monitor`. Requests carry an id
 * and get one reply with it; pushes come unasked. When the socket drops, requests in flight fail
 * with one line, requests not sent yet wait, and the socket is opened again after a backoff
 * (0.5 s doubling to 10 s, with jitter), for as long as the page is open: unless the host
 * answers that it does not know this page's token. That is a monitor restarted on the same
 * port (each start has a new token), and no retry can ever get in: the transport stops and says
 * to open the new address.
 */

/** The part of a WebSocket this transport uses (tests hand in a fake). */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SocketHostOptions {
  readonly url: string;
  /** Opens a socket; by default the browser's WebSocket. */
  readonly connect?: (url: string) => SocketLike;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** How long a request may wait for its reply, sent or not. */
  readonly requestTimeoutMs?: number;
  /**
   * How long starting a lab may take: the host answers once every link is wired, within its
   * own deadline (30 s + 50 ms per node: 130 s at 2,000 nodes), after stopping the lab it
   * replaces. Default 300 s.
   */
  readonly startTimeoutMs?: number;
  /**
   * Asks the host, after a socket failed, whether it refuses this page's token (true) or the
   * failure was something else (false: the host is down, busy, or the network failed). Absent:
   * never asked, the transport retries.
   */
  readonly tokenRefused?: () => Promise<boolean>;
  readonly random?: () => number;
  readonly now?: () => number;
}

interface Pending {
  readonly message: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  sent: boolean;
}

/** What a request gets once the host has refused the token. */
const RESTARTED =
  'this monitor was restarted: open the new address it printed (this page’s token is no longer valid)';

/** Requests that start a lab and answer only once it is wired. */
function startsLab(body: MonitorRequest): boolean {
  if (body.target !== 'app') return false;
  const op = (body.request as { op?: unknown }).op;
  return op === 'start-lab' || op === 'run-scenario';
}

export class SocketHost implements Host {
  readonly shell = 'web' as const;
  readonly api: MonitorApi;
  private socket: SocketLike | null = null;
  private open = false;
  private current: ConnectionState = { kind: 'connecting', attempt: 0 };
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly pushListeners = new Set<(push: MonitorPush) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly connect: (url: string) => SocketLike;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: SocketHostOptions) {
    this.connect = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 300_000;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.api = {
      request: (req) => this.request(req),
      subscribe: (listener) => {
        this.pushListeners.add(listener);
        return () => this.pushListeners.delete(listener);
      },
    };
    this.openSocket();
  }

  state(): ConnectionState {
    return this.current;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    this.open = false;
    if (socket) {
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
      socket.close(1000, 'monitor closed');
    }
    for (const [id, p] of this.pending) this.settle(id, p, new Error('the monitor was closed'));
  }

  private request(body: MonitorRequest): Promise<unknown> {
    if (this.current.kind === 'restarted') return Promise.reject(new Error(RESTARTED));
    if (this.closed) return Promise.reject(new Error('the monitor was closed'));
    const id = this.nextId++;
    const message = JSON.stringify({ type: 'request', id, body } satisfies WireMessage);
    const timeoutMs = startsLab(body) ? this.startTimeoutMs : this.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p) {
          const s = Math.round(timeoutMs / 1000);
          this.settle(id, p, new Error(`the host did not answer within ${s} s`));
        }
      }, timeoutMs);
      const p: Pending = { message, resolve, reject, timer, sent: false };
      this.pending.set(id, p);
      if (this.open) this.send(p);
    });
  }

  private send(p: Pending): void {
    try {
      this.socket?.send(p.message);
      p.sent = true;
    } catch {
      // The socket is closing; its close event retries, and the request waits for that.
    }
  }

  private settle(id: number, p: Pending, error: Error | null, value?: unknown): void {
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    for (const l of this.stateListeners) l(state);
  }

  private openSocket(): void {
    if (this.closed) return;
    this.retryTimer = null;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    let socket: SocketLike;
    try {
      socket = this.connect(this.options.url);
    } catch {
      this.afterFailure();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.open = true;
      this.attempt = 0;
      this.setState({ kind: 'open' });
      for (const p of this.pending.values()) if (!p.sent) this.send(p);
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) this.receive(event.data);
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.open = false;
      for (const [id, p] of this.pending) {
        if (p.sent) this.settle(id, p, new Error('the connection to the host was lost; try again'));
      }
      this.afterFailure();
    };
    // An error is always followed by close, which does the work.
    socket.onerror = () => undefined;
  }

  /** A socket failed: retry, unless the host says it does not know the token. */
  private afterFailure(): void {
    const ask = this.options.tokenRefused;
    if (!ask) {
      this.scheduleRetry();
      return;
    }
    ask().then(
      (refused) => (refused ? this.restarted() : this.scheduleRetry()),
      () => this.scheduleRetry(),
    );
  }

  /** The token is gone: nothing sent from this page can get in again. */
  private restarted(): void {
    if (this.closed) return;
    for (const [id, p] of this.pending) this.settle(id, p, new Error(RESTARTED));
    this.close();
    this.setState({ kind: 'restarted' });
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + 0.4 * this.random()));
    this.attempt++;
    this.setState({ kind: 'retrying', attempt: this.attempt, retryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.openSocket(), delay);
  }

  private receive(data: unknown): void {
    let message: WireMessage;
    try {
      message = JSON.parse(String(data)) as WireMessage;
    } catch {
      return; // Not ours: a host only sends JSON.
    }
    if (typeof message !== 'object' || message === null) return;
    if (message.type === 'reply') {
      const p = this.pending.get(message.id);
      if (!p) return; // Timed out already.
      if (message.ok) this.settle(message.id, p, null, message.value);
      else this.settle(message.id, p, new Error(String(message.error)));
    } else if (message.type === 'push') {
      for (const l of this.pushListeners) {
        try {
          l(message.push);
        } catch (err) {
          console.error('monitor: a push listener failed', err);
        }
      }
    }
  }
}
