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

describe('a monitor restarted with a new token', () => {
  const hostAsking = (refused: () => Promise<boolean>) =>
    new SocketHost({
      url: 'ws://127.0.0.1:7000/api?token=old',
      connect: (url) => new FakeSocket(url),
      random: () => 0.5,
      tokenRefused: refused,
    });

  it('stops retrying when the host refuses the token, and says to open the new address', async () => {
    const host = hostAsking(() => Promise.resolve(true));
    last().open();
    const waiting = host.api.request({ target: 'app', request: { op: 'info' } });
    last().drop();
    await expect(waiting).rejects.toThrow(/connection to the host was lost/);
    await vi.advanceTimersByTimeAsync(0);
    expect(host.state().kind).toBe('restarted');
    // No socket is opened again, however long the page stays open.
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    await expect(host.api.request({ target: 'app', request: { op: 'info' } })).rejects.toThrow(
      /^this monitor was restarted: open the new address it printed/,
    );
  });

  it('fails a request not yet sent with the same line', async () => {
    const host = hostAsking(() => Promise.resolve(true));
    const queued = host.api.request({ target: 'app', request: { op: 'info' } });
    last().drop(); // never opened: the request was waiting for it
    await expect(queued).rejects.toThrow(/^this monitor was restarted/);
  });

  it('keeps retrying when the host knows the token, or cannot be asked', async () => {
    for (const refused of [() => Promise.resolve(false), () => Promise.reject(new Error('down'))]) {
      FakeSocket.all = [];
      const host = hostAsking(refused);
      last().drop();
      await vi.advanceTimersByTimeAsync(0);
      expect(host.state().kind).toBe('retrying');
      await vi.advanceTimersByTimeAsync(1000);
      expect(FakeSocket.all).toHaveLength(2);
      host.close();
    }
  });

  it('gives a lab start the host’s wiring time, not the 30 s of other requests', async () => {
    const host = makeHost();
    last().open();
    const start = host.api.request({
      target: 'app',
      request: { op: 'start-lab', setup: { nodes: 300, topology: 'random:8', seed: 1 } },
    });
    const info = host.api.request({ target: 'app', request: { op: 'info' } });
    const infoFailed = expect(info).rejects.toThrow('the host did not answer within 30 s');
    await vi.advanceTimersByTimeAsync(30_000);
    await infoFailed;
    let settled = false;
    start.then(
      () => (settled = true),
      () => (settled = true),
    );
    await vi.advanceTimersByTimeAsync(200_000);
    expect(settled).toBe(false);
    const sent = last().sent.find(
      (m) => m.type === 'request' && m.body.target === 'app' && m.body.request.op === 'start-lab',
    ) as Extract<WireMessage, { type: 'request' }>;
    last().receive({ type: 'reply', id: sent.id, ok: true, value: { nodes: 300 } });
    await expect(start).resolves.toEqual({ nodes: 300 });
    host.close();
  });
});
