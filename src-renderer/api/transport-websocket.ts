import type { MonitorApi, MonitorPush, MonitorRequest, WireMessage } from '@shared/api/monitor-api';
import type { ConnectionState, Host } from './connection';

/*
 * The web monitor's transport: one WebSocket to `lvs node|lab --monitor`. Requests carry an id
 * and get one reply with it; pushes come unasked. When the socket drops, requests in flight fail
 * with one line, requests not sent yet wait, and the socket is opened again after a backoff
 * (0.5 s doubling to 10 s, with jitter), for as long as the page is open.
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
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: SocketHostOptions) {
    this.connect = options.connect ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
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
    if (this.closed) return Promise.reject(new Error('the monitor was closed'));
    const id = this.nextId++;
    const message = JSON.stringify({ type: 'request', id, body } satisfies WireMessage);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p) {
          const s = Math.round(this.requestTimeoutMs / 1000);
          this.settle(id, p, new Error(`the host did not answer within ${s} s`));
        }
      }, this.requestTimeoutMs);
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
      this.scheduleRetry();
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
      this.scheduleRetry();
    };
    // An error is always followed by close, which does the work.
    socket.onerror = () => undefined;
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
