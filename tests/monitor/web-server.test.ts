// The web monitor's server over real HTTP and WebSockets on 127.0.0.1: the token, DNS
// rebinding and Origin checks, static files (CSP, no traversal), the socket's bounds, and one
// real LvsNode answering and pushing through it.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  MAX_REQUEST_BYTES,
  type MonitorPush,
  type WireMessage,
} from '../../src-shared/api/monitor-api';
import { resolveParams } from '../../src-shared/drift/params';
import { MonitorHost } from '../../src-main/monitor/monitor-host';
import {
  LAB_SNAPSHOT_MS,
  MAX_IN_FLIGHT,
  MAX_SOCKETS,
  MAX_UNAUTHENTICATED,
  startWebMonitor,
  UNAUTHENTICATED_MS,
  type WebMonitor,
} from '../../src-main/monitor/web-server';
import { LOOPBACK_LAB } from '../../src-main/node/p2p/host';
import { LvsNode } from '../../src-main/node/lvs-node';

const INDEX =
  '<!doctype html><title>LVS test monitor</title><script src="./assets/app.js"></script>';
const ASSET = 'console.log("lvs asset");';
const SECRET = 'outside the renderer folder';

let work = '';
let rendererDir = '';
const monitors: WebMonitor[] = [];
const hosts: MonitorHost[] = [];
const sockets: WebSocket[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-web-'));
  rendererDir = join(work, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), INDEX);
  await writeFile(join(rendererDir, 'assets', 'app.js'), ASSET);
  await writeFile(join(rendererDir, 'assets', 'style.css'), 'body{}');
  await writeFile(join(work, 'secret.txt'), SECRET);
  await writeFile(join(work, 'package.json'), `{"secret":"${SECRET}"}`);
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(monitors.splice(0).map((m) => m.close()));
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function newHost(): MonitorHost {
  const host = new MonitorHost({ shell: 'web', appVersion: 'test', labsDir: join(work, 'labs') });
  hosts.push(host);
  return host;
}

async function serve(
  host: MonitorHost = newHost(),
  dir: string = rendererDir,
): Promise<WebMonitor> {
  const m = await startWebMonitor({ host, rendererDir: dir });
  monitors.push(m);
  return m;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A raw HTTP request: the path is sent as given (no normalisation), Host as given. */
function get(
  port: number,
  path: string,
  opts: { host?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        setHost: false,
        headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (s: string) => (body += s));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** Messages a socket received, and a way to wait for the next that matches. */
class Inbox {
  readonly all: WireMessage[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.all.push(JSON.parse(String(data)) as WireMessage);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async next<T extends WireMessage>(
    what: string,
    match: (m: WireMessage) => m is T,
    timeoutMs = 10_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.all.length; seen++) {
        const m = this.all[seen]!;
        if (match(m)) {
          this.all.splice(seen, 1);
          return m;
        }
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) before ${what}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          ok();
        });
      });
    }
  }

  reply(id: number) {
    return this.next(
      `reply ${id}`,
      (m): m is Extract<WireMessage, { type: 'reply' }> => m.type === 'reply' && m.id === id,
    );
  }

  push<K extends MonitorPush['kind']>(kind: K, timeoutMs?: number) {
    return this.next(
      `a ${kind} push`,
      (m): m is { type: 'push'; push: Extract<MonitorPush, { kind: K }> } =>
        m.type === 'push' && m.push.kind === kind,
      timeoutMs,
    );
  }

  async whenClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const end = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('timed out waiting for the socket to close');
      await new Promise((ok) => setTimeout(ok, 20));
    }
    return this.closed;
  }
}

type Opened = { ok: true; ws: WebSocket; inbox: Inbox } | { ok: false; status: number };

/** Opens a socket; a refused upgrade gives its HTTP status. */
function open(
  port: number,
  path: string,
  opts: { origin?: string | null; host?: string } = {},
): Promise<Opened> {
  const origin = opts.origin === undefined ? `http://127.0.0.1:${port}` : opts.origin;
  return new Promise((ok, fail) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      ...(origin === null ? {} : { origin }),
      ...(opts.host ? { headers: { host: opts.host } } : {}),
    });
    sockets.push(ws);
    const inbox = new Inbox(ws);
    ws.once('open', () => ok({ ok: true, ws, inbox }));
    ws.once('unexpected-response', (_req, res) => {
      ok({ ok: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => fail(err));
  });
}

async function openOk(m: WebMonitor): Promise<{ ws: WebSocket; inbox: Inbox }> {
  const r = await open(m.port, `/api?token=${m.token}`);
  if (!r.ok) throw new Error(`the socket was refused with ${r.status}`);
  return r;
}

const send = (ws: WebSocket, msg: unknown) => ws.send(JSON.stringify(msg));

describe('web monitor: HTTP', () => {
  it('binds 127.0.0.1 only', async () => {
    const m = await serve();
    expect(m.address.address).toBe('127.0.0.1');
    expect(m.url).toBe(`http://127.0.0.1:${m.port}/?token=${m.token}`);
    expect(m.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Any other address of this machine is not listened on.
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (other) {
      const refused = await new Promise<boolean>((ok) => {
        const s = tcpConnect({ host: other.address, port: m.port });
        s.once('connect', () => (s.destroy(), ok(false)));
        s.once('error', () => ok(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('refuses a request without the token, and shows nothing of the app', async () => {
    const m = await serve();
    for (const path of ['/', '/index.html', '/assets/app.js', '/api']) {
      const r = await get(m.port, path);
      expect(r.status, path).toBe(401);
      expect(r.body).toMatch(/^[^\n]+\n$/);
      expect(r.body).not.toContain('LVS test monitor');
      expect(r.body).not.toContain('lvs asset');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a wrong token, of any length, in the query or the cookie', async () => {
    const m = await serve();
    const wrongSameLength = (m.token[0] === 'A' ? 'B' : 'A') + m.token.slice(1);
    // The token itself is no asset cookie: the cookie holds a key of its own.
    for (const t of [wrongSameLength, 'x', m.token + 'x', '', m.token.slice(0, -1), m.token]) {
      if (t !== m.token)
        expect((await get(m.port, `/?token=${encodeURIComponent(t)}`)).status).toBe(401);
      const r = await get(m.port, '/assets/app.js', {
        headers: { cookie: `lvs_assets_${m.port}=${t}; lvs_token=${t}` },
      });
      expect(r.status).toBe(401);
      expect(r.body).not.toContain('lvs asset');
    }
  });

  it('serves index.html with the token, its CSP, and sets the cookie', async () => {
    const m = await serve();
    const r = await get(m.port, `/?token=${m.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        `connect-src 'self' ws://127.0.0.1:${m.port} ws://localhost:${m.port}; object-src 'none'; ` +
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
    const cookie = r.headers['set-cookie']?.[0] ?? '';
    // Named by the port, and not the token: other servers on 127.0.0.1 receive it too.
    expect(cookie).toMatch(new RegExp(`^lvs_assets_${m.port}=[A-Za-z0-9_-]{32};`));
    expect(cookie).not.toContain(m.token);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    // localhost with this port is fine too; HEAD gives the headers only.
    const local = await get(m.port, `/index.html?token=${m.token}`, {
      host: `localhost:${m.port}`,
      method: 'HEAD',
    });
    expect(local.status).toBe(200);
    expect(local.body).toBe('');
    expect(Number(local.headers['content-length'])).toBe(Buffer.byteLength(INDEX));
  });

  it("lets the page's asset requests through with the cookie", async () => {
    const m = await serve();
    const page = await get(m.port, `/?token=${m.token}`);
    const cookie = page.headers['set-cookie']![0]!.split(';')[0]!;
    const js = await get(m.port, '/assets/app.js', {
      headers: { cookie: `other=1; ${cookie}`, origin: `http://127.0.0.1:${m.port}` },
    });
    expect(js.status).toBe(200);
    expect(js.body).toBe(ASSET);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const css = await get(m.port, '/assets/style.css', { headers: { cookie } });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(m.port, '/assets/none.js', { headers: { cookie } })).status).toBe(404);
    // No directory listing.
    expect((await get(m.port, '/assets/', { headers: { cookie } })).status).toBe(404);
    expect((await get(m.port, '/assets', { headers: { cookie } })).status).toBe(404);
  });

  it('refuses a foreign Host (DNS rebinding), even with the token', async () => {
    const m = await serve();
    for (const host of [
      `evil.example:${m.port}`,
      'evil.example',
      `127.0.0.1:${m.port + 1}`,
      '127.0.0.1',
      `127.0.0.1.evil.example:${m.port}`,
      `[::1]:${m.port}`,
    ]) {
      const r = await get(m.port, `/?token=${m.token}`, { host });
      expect(r.status, host).toBe(421);
      expect(r.body).toMatch(/^[^\n]+\n$/);
      expect(r.body).not.toContain('LVS test monitor');
    }
  });

  it('serves GET and HEAD only, and refuses another origin', async () => {
    const m = await serve();
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await get(m.port, `/?token=${m.token}`, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    const r = await get(m.port, `/?token=${m.token}`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(r.status).toBe(403);
  });

  it('never serves a file outside the renderer folder', async () => {
    const m = await serve();
    const page = await get(m.port, `/?token=${m.token}`);
    const cookie = page.headers['set-cookie']![0]!.split(';')[0]!;
    for (const path of [
      '/../package.json',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/package.json',
      '/%2E%2E/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/.%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/..%5csecret.txt',
      `/${'../'.repeat(12)}etc/passwd`,
    ]) {
      for (const auth of [{ headers: { cookie } }, {}]) {
        const withToken = Object.keys(auth).length === 0;
        const r = await get(m.port, withToken ? `${path}?token=${m.token}` : path, auth);
        expect([400, 404], path).toContain(r.status);
        expect(r.body).not.toContain(SECRET);
      }
    }
    // Absolute paths are not requests for files.
    expect((await get(m.port, `${join(work, 'secret.txt')}?token=${m.token}`)).body).not.toContain(
      SECRET,
    );
  });

  it('answers 503 "run npm run build" without a built renderer, and the API still works', async () => {
    const empty = join(work, 'not-built');
    await mkdir(empty, { recursive: true });
    const m = await serve(newHost(), empty);
    const r = await get(m.port, `/?token=${m.token}`);
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/^[^\n]*npm run build[^\n]*\n$/);
    const { ws, inbox } = await openOk(m);
    send(ws, { type: 'request', id: 1, body: { target: 'app', request: { op: 'info' } } });
    const reply = await inbox.reply(1);
    expect(reply.ok).toBe(true);
    expect(reply.ok && (reply.value as { shell: string }).shell).toBe('web');
  });
});

describe('web monitor: the socket', () => {
  it('refuses a bad Origin, no Origin, no or a wrong token, a foreign Host', async () => {
    const m = await serve();
    const path = `/api?token=${m.token}`;
    expect(await open(m.port, path, { origin: 'http://evil.example' })).toEqual({
      ok: false,
      status: 403,
    });
    expect(await open(m.port, path, { origin: `http://127.0.0.1:${m.port + 1}` })).toEqual({
      ok: false,
      status: 403,
    });
    expect(await open(m.port, path, { origin: 'null' })).toEqual({ ok: false, status: 403 });
    expect(await open(m.port, path, { origin: null })).toEqual({ ok: false, status: 403 });
    expect(await open(m.port, '/api')).toEqual({ ok: false, status: 401 });
    expect(await open(m.port, '/api?token=wrong')).toEqual({ ok: false, status: 401 });
    expect(await open(m.port, `/?token=${m.token}`)).toEqual({ ok: false, status: 404 });
    expect(await open(m.port, path, { host: `evil.example:${m.port}` })).toEqual({
      ok: false,
      status: 421,
    });
    // localhost is the same machine.
    const local = await open(m.port, path, {
      origin: `http://localhost:${m.port}`,
      host: `localhost:${m.port}`,
    });
    expect(local.ok).toBe(true);
  });

  it('answers a bad request with a one-line error and stays open', async () => {
    const m = await serve();
    const { ws, inbox } = await openOk(m);
    // The host's state comes first, unasked.
    expect((await inbox.push('app')).push.info.shell).toBe('web');
    const bad = [
      { target: 'node', request: { op: 'status' } }, // no node here
      { target: 'lab', request: { op: 'status' } }, // no lab here
      { target: 'nowhere', request: {} },
      { target: 'app', request: { op: 'rm -rf' } },
      { target: 'app', request: { op: 'info' }, extra: 1 },
    ];
    for (const [i, body] of bad.entries()) {
      send(ws, { type: 'request', id: 10 + i, body });
      const r = await inbox.reply(10 + i);
      expect(r.ok).toBe(false);
      const error = r.ok ? '' : r.error;
      expect(error).toMatch(/^[^\n]+$/);
      expect(error).not.toMatch(/\bat \S+:\d+|\.ts:\d+/);
    }
    send(ws, { type: 'request', id: 99, body: { target: 'app', request: { op: 'info' } } });
    const ok = await inbox.reply(99);
    expect(ok.ok).toBe(true);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers a bad envelope with id 0 when it has no id, and closes (1008) after 20', async () => {
    const m = await serve();
    const { ws, inbox } = await openOk(m);
    send(ws, { type: 'request', body: {} });
    expect(await inbox.reply(0)).toMatchObject({ ok: false });
    send(ws, { type: 'reply', id: 5, ok: true, value: 1 });
    expect(await inbox.reply(5)).toMatchObject({ ok: false });
    for (let i = 0; i < 17; i++) ws.send('{not json');
    // 19 so far: still open, still answering.
    send(ws, { type: 'request', id: 7, body: { target: 'app', request: { op: 'info' } } });
    expect(await inbox.reply(7)).toMatchObject({ ok: true });
    ws.send('garbage');
    const closed = await inbox.whenClosed();
    expect(closed.code).toBe(1008);
  });

  it('closes a socket that sends garbage 20 times', async () => {
    const m = await serve();
    const { ws, inbox } = await openOk(m);
    for (let i = 0; i < 20; i++) ws.send(`garbage ${i}`);
    expect((await inbox.whenClosed()).code).toBe(1008);
    const replies = inbox.all.filter((x) => x.type === 'reply');
    expect(replies.length).toBeGreaterThan(0);
    for (const r of replies) expect(r).toMatchObject({ type: 'reply', id: 0, ok: false });
  });

  it('closes a socket that sends an oversized message', async () => {
    const m = await serve();
    const { ws, inbox } = await openOk(m);
    const big = JSON.stringify({
      type: 'request',
      id: 1,
      body: { target: 'app', request: { op: 'info', pad: 'x'.repeat(MAX_REQUEST_BYTES) } },
    });
    ws.send(big);
    const closed = await inbox.whenClosed();
    expect(closed.code).toBe(1009);
    expect(inbox.all.filter((x) => x.type === 'reply')).toEqual([]);
  });

  it(`refuses more than ${MAX_SOCKETS} sockets at once`, async () => {
    const m = await serve();
    const open8 = await Promise.all(Array.from({ length: MAX_SOCKETS }, () => openOk(m)));
    expect(await open(m.port, `/api?token=${m.token}`)).toEqual({ ok: false, status: 503 });
    expect(m.stats().sockets).toBe(MAX_SOCKETS);
    // One closes: one more can come.
    open8[0]!.ws.close();
    await open8[0]!.inbox.whenClosed();
    for (let i = 0; i < 100 && m.stats().sockets >= MAX_SOCKETS; i++)
      await new Promise((ok) => setTimeout(ok, 20));
    await openOk(m);
  });

  it('sends each socket at most one lab snapshot per 100 ms, the newest', async () => {
    // A host stand-in whose pushes the test makes.
    let emit: (p: MonitorPush) => void = () => undefined;
    const real = newHost();
    const fake = {
      handle: (raw: unknown) => real.handle(raw),
      info: () => real.info(),
      subscribe: (l: (p: MonitorPush) => void) => {
        emit = l;
        return () => (emit = () => undefined);
      },
    } as unknown as MonitorHost;
    const m = await serve(fake);
    const { inbox } = await openOk(m);
    await inbox.push('app');
    const snap = (n: number) =>
      ({ kind: 'lab-snapshot', snapshot: { n } }) as unknown as MonitorPush;
    for (let n = 1; n <= 50; n++) emit(snap(n));
    emit({ kind: 'lab-event', event: { type: 'error', t: 0, message: 'x' } });
    await new Promise((ok) => setTimeout(ok, LAB_SNAPSHOT_MS * 3));
    const got = inbox.all
      .filter((x) => x.type === 'push' && x.push.kind === 'lab-snapshot')
      .map((x) => (x.type === 'push' && x.push.kind === 'lab-snapshot' ? x.push.snapshot : null))
      .map((s) => (s as unknown as { n: number }).n);
    // The first at once, then the newest after the interval.
    expect(got).toEqual([1, 50]);
    expect(m.stats().coalescedSnapshots).toBe(48);
    // Other pushes are not held back.
    expect(inbox.all.some((x) => x.type === 'push' && x.push.kind === 'lab-event')).toBe(true);
  });

  it(`refuses more than ${MAX_IN_FLIGHT} requests in flight on one socket`, async () => {
    const real = newHost();
    const answers: Array<() => void> = [];
    const slow = {
      handle: () => new Promise((ok) => answers.push(() => ok('done'))),
      info: () => real.info(),
      subscribe: () => () => undefined,
    } as unknown as MonitorHost;
    const m = await serve(slow);
    const { ws, inbox } = await openOk(m);
    const body = { target: 'app', request: { op: 'info' } };
    for (let id = 1; id <= MAX_IN_FLIGHT + 1; id++) send(ws, { type: 'request', id, body });
    const refused = await inbox.reply(MAX_IN_FLIGHT + 1);
    expect(refused.ok === false && refused.error).toMatch(/too many requests in flight/);
    for (const answer of answers.splice(0)) answer();
    expect(await inbox.reply(MAX_IN_FLIGHT)).toMatchObject({ ok: true, value: 'done' });
    // Replies written out free their places.
    send(ws, { type: 'request', id: 500, body });
    await new Promise((ok) => setTimeout(ok, 50));
    for (const answer of answers.splice(0)) answer();
    expect(await inbox.reply(500)).toMatchObject({ ok: true });
  });

  it('closes its sockets and stops listening on close()', async () => {
    const m = await serve();
    monitors.splice(monitors.indexOf(m), 1);
    const { inbox } = await openOk(m);
    await m.close();
    expect((await inbox.whenClosed()).code).toBe(1001);
    await expect(get(m.port, `/?token=${m.token}`)).rejects.toThrow();
  });
});

describe('web monitor: no local process can lock the token holder out', () => {
  /** A TCP connection that sends nothing; resolves once connected. */
  const idleSocket = (port: number): Promise<Socket> =>
    new Promise((ok, fail) => {
      const s = tcpConnect({ host: '127.0.0.1', port }, () => ok(s));
      s.on('error', () => undefined); // the server may cut it: that is the point
      s.once('error', fail);
      idle.push(s);
    });
  const idle: Socket[] = [];
  afterEach(() => {
    for (const s of idle.splice(0)) s.destroy();
  });
  const closedCount = () => idle.filter((s) => s.destroyed || s.readyState === 'closed').length;

  it('lets the token holder in past 200 idle sockets: the page and the WebSocket', async () => {
    const m = await serve();
    // One at a time: each is accepted (connected) before the next, as an attacker's would be.
    for (let i = 0; i < 200; i++) await idleSocket(m.port);
    // The server has let go of all but MAX_UNAUTHENTICATED of them (the oldest went first).
    for (let i = 0; i < 200 && 200 - closedCount() > MAX_UNAUTHENTICATED; i++)
      await new Promise((ok) => setTimeout(ok, 10));
    expect(200 - closedCount()).toBeLessThanOrEqual(MAX_UNAUTHENTICATED);
    expect(idle.slice(-MAX_UNAUTHENTICATED).some((s) => s.destroyed)).toBe(false);
    // The token holder, while the newest idle sockets are still held: the page, an asset with
    // the cookie the page set, and a socket that answers.
    const pages = await Promise.all(
      Array.from({ length: 6 }, () => get(m.port, `/?token=${m.token}`)),
    );
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(pages[0]!.body).toBe(INDEX);
    const cookie = pages[0]!.headers['set-cookie']![0]!.split(';')[0]!;
    expect((await get(m.port, '/assets/app.js', { headers: { cookie } })).body).toBe(ASSET);
    const socketsOpen = await Promise.all(Array.from({ length: 6 }, () => openOk(m)));
    for (const [i, { ws, inbox }] of socketsOpen.entries()) {
      send(ws, { type: 'request', id: i, body: { target: 'app', request: { op: 'info' } } });
      expect(await inbox.reply(i)).toMatchObject({ ok: true });
    }
  });

  it(
    'closes a connection that sends no request with the token within its deadline',
    async () => {
      const m = await serve();
      const silent = await idleSocket(m.port);
      const refused = await idleSocket(m.port);
      refused.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${m.port}\r\n\r\n`);
      let answer = '';
      refused.on('data', (b: Buffer) => (answer += b.toString()));
      const closed = (s: Socket) => new Promise((ok) => s.once('close', ok));
      // Both go, silent or refused: a 401 does not buy a connection more time.
      await Promise.all([closed(silent), closed(refused)]);
      expect(answer).toMatch(/^HTTP\/1\.1 401/);
    },
    4 * UNAUTHENTICATED_MS + 10_000,
  );

  it('never evicts an authenticated keep-alive connection for idle ones', async () => {
    const m = await serve();
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const via = (path: string) =>
      new Promise<{ status: number; localPort: number }>((ok, fail) => {
        const req = httpRequest({ host: '127.0.0.1', port: m.port, path, agent }, (res) => {
          res.resume();
          res.on('end', () =>
            ok({ status: res.statusCode ?? 0, localPort: req.socket!.localPort! }),
          );
        });
        req.on('error', fail);
        req.end();
      });
    try {
      const first = await via(`/?token=${m.token}`);
      expect(first.status).toBe(200);
      for (let i = 0; i < 3 * MAX_UNAUTHENTICATED; i++) await idleSocket(m.port);
      const again = await via(`/?token=${m.token}`);
      expect(again.status).toBe(200);
      expect(again.localPort).toBe(first.localPort); // the same connection, still open
    } finally {
      agent.destroy();
    }
  });
});

describe('web monitor: a real node', () => {
  it('answers a node status request and pushes node snapshots', async () => {
    const dataDir = await mkdtemp(join(work, 'node-'));
    const node = await LvsNode.start({
      dataDir,
      appVersion: 'test',
      params: resolveParams({}),
      cycleMs: 40,
      host: LOOPBACK_LAB,
      genesis: [100, 100],
      joinCycles: 1,
      seed: 1,
      persistMs: 200,
      log: {
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
        debug: () => undefined,
      },
    });
    try {
      const host = newHost();
      host.attachNode(node);
      const m = await serve(host);
      const { ws, inbox } = await openOk(m);
      expect((await inbox.push('app')).push.info.node?.sessionId).toBe(node.status().sessionId);
      send(ws, { type: 'request', id: 1, body: { target: 'node', request: { op: 'status' } } });
      const reply = await inbox.reply(1);
      expect(reply.ok).toBe(true);
      const status = reply.ok ? (reply.value as { sessionId: string; cycle: number }) : null;
      expect(status?.sessionId).toBe(node.status().sessionId);
      expect(typeof status?.cycle).toBe('number');
      const push = await inbox.push('node-snapshot', 15_000);
      expect(push.push.snapshot.status.sessionId).toBe(node.status().sessionId);
      expect(push.push.snapshot.state.S.length).toBe(2);
      host.attachNode(null);
    } finally {
      await node.stop();
    }
  });
});
