// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonitorPush, WireMessage } from '../../src-shared/api/monitor-api';
import { SocketHost, type SocketLike } from '../../src-renderer/api/transport-websocket';
import { TOKEN_KEY, socketUrl, takeToken } from '../../src-renderer/api/token';
import type { ConnectionState } from '../../src-renderer/api/connection';

/** A WebSocket the test drives: open it, close it, answer what was sent. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  readonly sent: WireMessage[] = [];
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    if (this.closed) throw new Error('closed');
    this.sent.push(JSON.parse(data) as WireMessage);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.({});
  }
  drop() {
    this.closed = true;
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
  receive(message: WireMessage | string) {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1];
const makeHost = () =>
  new SocketHost({
    url: 'ws://127.0.0.1:7000/api?token=abc',
    connect: (url) => new FakeSocket(url),
    random: () => 0.5,
  });

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('the token', () => {
  it('moves from the address into sessionStorage, and the address loses it', () => {
    const stored = new Map<string, string>();
    const replaced: string[] = [];
    const place = {
      location: { href: 'http://127.0.0.1:7000/?token=s3cret&x=1#map' },
      history: {
        state: null,
        replaceState: (_s: unknown, _t: string, url?: string | URL | null) =>
          void replaced.push(String(url)),
      },
      sessionStorage: {
        getItem: (k: string) => stored.get(k) ?? null,
        setItem: (k: string, v: string) => void stored.set(k, v),
      },
    };
    expect(takeToken(place)).toBe('s3cret');
    expect(stored.get(TOKEN_KEY)).toBe('s3cret');
    expect(replaced).toEqual(['/?x=1#map']);
    // A reload: the address has no token any more, sessionStorage still does.
    place.location.href = 'http://127.0.0.1:7000/?x=1#map';
    expect(takeToken(place)).toBe('s3cret');
    expect(replaced).toHaveLength(1);
  });

  it('works on the real window, and builds the socket address from the page', () => {
    window.history.replaceState(null, '', '/?token=t%2Fk');
    expect(takeToken(window)).toBe('t/k');
    expect(window.location.search).toBe('');
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBe('t/k');
    expect(takeToken(window)).toBe('t/k');
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:7000' }, 't/k')).toBe(
      'ws://127.0.0.1:7000/api?token=t%2Fk',
    );
    expect(socketUrl({ protocol: 'https:', host: 'h:1' }, 'x')).toBe('wss://h:1/api?token=x');
  });
});

describe('SocketHost', () => {
  it('matches replies to requests by id, whatever their order', async () => {
    const host = makeHost();
    last().open();
    const a = host.api.request({ target: 'app', request: { op: 'info' } });
    const b = host.api.request({ target: 'lab', request: { op: 'status' } });
    const [ra, rb] = last().sent as Extract<WireMessage, { type: 'request' }>[];
    expect(ra.type).toBe('request');
    expect(ra.body).toEqual({ target: 'app', request: { op: 'info' } });
    expect(rb.id).not.toBe(ra.id);
    last().receive({
      type: 'reply',
      id: rb.id,
      ok: false,
      error: 'no lab is running: start one first',
    });
    last().receive({ type: 'reply', id: ra.id, ok: true, value: { version: '0.1.0' } });
    await expect(a).resolves.toEqual({ version: '0.1.0' });
    await expect(b).rejects.toThrow('no lab is running: start one first');
    host.close();
  });

  it('hands pushes to subscribers and ignores what is not JSON', () => {
    const host = makeHost();
    last().open();
    const got: MonitorPush[] = [];
    const off = host.api.subscribe((p) => got.push(p));
    last().receive('not json');
    const push: MonitorPush = {
      kind: 'node-event',
      event: { rule: 'drift-clamp', value: 3, limit: 2, reason: 'r', cycle: 1, at: 5 },
    };
    last().receive({ type: 'push', push });
    off();
    last().receive({ type: 'push', push });
    expect(got).toEqual([push]);
    host.close();
  });

  it('reconnects with backoff after the socket drops, and reports each state', async () => {
    const host = makeHost();
    const states: ConnectionState['kind'][] = [];
    host.onState((s) => states.push(s.kind));
    expect(host.state().kind).toBe('connecting');
    last().open();
    const inFlight = host.api.request({ target: 'app', request: { op: 'info' } });
    last().drop();
    await expect(inFlight).rejects.toThrow(/connection to the host was lost/);
    expect(host.state().kind).toBe('retrying');
    expect(FakeSocket.all).toHaveLength(1);
    // Requests made while down wait for the next socket.
    const waiting = host.api.request({ target: 'app', request: { op: 'scenarios' } });
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toBe('ws://127.0.0.1:7000/api?token=abc');
    // It fails to open: the next delay doubles.
    last().drop();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    last().open();
    const req = last().sent[0] as Extract<WireMessage, { type: 'request' }>;
    expect(req.body).toEqual({ target: 'app', request: { op: 'scenarios' } });
    last().receive({ type: 'reply', id: req.id, ok: true, value: [] });
    await expect(waiting).resolves.toEqual([]);
    expect(host.state().kind).toBe('open');
    expect(states).toEqual(['open', 'retrying', 'connecting', 'retrying', 'connecting', 'open']);
    host.close();
    expect(last().closed).toBe(true);
  });

  it('gives up on a request the host never answers, in one line', async () => {
    const host = new SocketHost({
      url: 'ws://x/api?token=t',
      connect: (url) => new FakeSocket(url),
      requestTimeoutMs: 5000,
    });
    last().open();
    const p = host.api.request({ target: 'app', request: { op: 'info' } });
    vi.advanceTimersByTime(5000);
    await expect(p).rejects.toThrow('the host did not answer within 5 s');
    host.close();
  });
});
