import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  MAX_REQUEST_BYTES,
  type MonitorPush,
  type MonitorRequest,
  type WireMessage,
} from '../../src-shared/api/monitor-api';
import { contentTypeOf } from '../runtime/content-types';
import type { MonitorHost } from './monitor-host';
import { errorMessage } from '../../src-shared/error-message';
import type { Checked } from '../../src-shared/checked';

/*
 * The web monitor: the built renderer and the monitor API over a WebSocket, for
 * `lvs node --monitor` and `lvs lab --monitor`, on this machine only.
 *
 * - Bound to 127.0.0.1, never another address.
 * - Every request and every socket needs the process's random token: the page URL carries it
 *   (`/?token=...`); the socket (`/api?token=...`) takes it from the query only. Tokens are
 *   compared in constant time. The page's own asset requests carry no query: a valid page load
 *   sets a cookie for them, `lvs_assets_PORT` (HttpOnly, SameSite=Strict), whose value is not
 *   the token but a key of its own that opens this monitor's static files and nothing else.
 *   Browsers scope cookies by host, not port, so every server on 127.0.0.1 receives it: named
 *   by the port, two monitors never overwrite each other's; not the token, it gives another
 *   server nothing but the renderer's public files.
 * - No local process can lock the token holder out. A connection that has not yet sent a
 *   request with the token (or the asset cookie) is unauthenticated: it gets UNAUTHENTICATED_MS
 *   to send one, and at most MAX_UNAUTHENTICATED of them exist at once (a new one evicts the
 *   oldest), within MAX_CONNECTIONS in all. Idle sockets held without the token therefore age
 *   out or are pushed out by the next connection, which may be the token holder's; an
 *   authenticated connection (a browser's keep-alive) is never evicted for them.
 * - DNS rebinding: the Host header must be 127.0.0.1:PORT or localhost:PORT (421 otherwise).
 *   A request with a foreign Origin is refused (403); the socket needs our Origin outright.
 * - GET and HEAD only; static files under the renderer folder only (no listing, no `..`), with a
 *   strict CSP, nosniff, no referrer and no caching.
 * - The socket: WireMessage JSON. Requests go to MonitorHost.handle and get one reply each
 *   (errors as one line); the host's pushes go to every open socket. Everything is bounded:
 *   MAX_REQUEST_BYTES per message (more: closed with 1009), MAX_SOCKETS sockets, MAX_IN_FLIGHT
 *   requests per socket (a request counts until its reply is written out; one more gets an
 *   error reply and counts as malformed), MAX_BAD_MESSAGES malformed messages (bad JSON, a bad
 *   envelope) before the socket is closed (1008). A well-formed request the host refuses is
 *   not malformed: it gets its one-line error and the socket stays open.
 * - Pushes: a socket whose send buffer is over MAX_BUFFERED_BYTES gets none (they are dropped
 *   and counted) until it drains. Lab snapshots come every tick (up to ten a second, and large
 *   with many nodes): each socket gets at most one per LAB_SNAPSHOT_MS, the newest (one waiting
 *   is replaced by a newer and counted as coalesced); other pushes are never held back, so a
 *   lab event may reach the page before the snapshot of the tick it happened in.
 * - Sockets are pinged every HEARTBEAT_MS; one that missed the last pong is dropped.
 * - Where the page is on disk: defaultRendererDir().
 *
 * It logs nothing: the caller prints the URL it returns.
 */

/** Sockets open at once; one more is refused with 503. */
export const MAX_SOCKETS = 8;
/** Requests of one socket whose replies are not yet written out; more are refused. */
export const MAX_IN_FLIGHT = 50;
/** Malformed messages (bad JSON, bad envelope) before a socket is closed with 1008. */
export const MAX_BAD_MESSAGES = 20;
/** A socket with more than this waiting to be sent gets no pushes until it drains. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Each socket gets at most one lab snapshot per this many ms: the newest. */
export const LAB_SNAPSHOT_MS = 100;
/** The cookie a valid page load sets for the page's own asset requests: named by the port. */
export const assetCookieName = (port: number): string => `lvs_assets_${port}`;
/** TCP connections open at once, authenticated or not; one more is closed at once. */
export const MAX_CONNECTIONS = 64;
/** Connections at once that have not sent a request with the token; a new one evicts the oldest. */
export const MAX_UNAUTHENTICATED = 16;
/**
 * How long a connection may stay without sending a request with the token. A browser sends its
 * request as soon as it connects (an idle preconnect closed this way is simply opened again);
 * 3 s is ample on a loaded machine and short enough that a pile of idle sockets ages out.
 */
export const UNAUTHENTICATED_MS = 3_000;
/** Sockets are pinged this often; one that has not answered the last ping is dropped. */
const HEARTBEAT_MS = 15_000;
/** The longest error line a reply carries. */
const MAX_ERROR_CHARS = 500;

export interface WebMonitorOptions {
  readonly host: MonitorHost;
  /** The built renderer (index.html and its assets): see defaultRendererDir(). */
  readonly rendererDir: string;
  /** 0 or absent: any free port. */
  readonly port?: number;
}

export interface WebMonitorStats {
  readonly sockets: number;
  /** Pushes not sent because a socket's send buffer was over MAX_BUFFERED_BYTES. */
  readonly droppedPushes: number;
  /** Lab snapshots replaced by a newer one before their socket's turn came. */
  readonly coalescedSnapshots: number;
}

export interface WebMonitor {
  /** The page, with the token: `http://127.0.0.1:PORT/?token=TOKEN`. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Where the server listens: always 127.0.0.1. */
  readonly address: AddressInfo;
  stats(): WebMonitorStats;
  /** Closes every socket and the server. */
  close(): Promise<void>;
}

/**
 * The built renderer (out/renderer), found from this module: from the sources
 * (src-main/monitor/ → ../../out/renderer), from the build (out/main/ → ../renderer), else
 * process.cwd()/out/renderer. The first that holds an index.html; if none does, the last (the
 * server then answers 503 "run npm run build" and the API still works).
 */
export function defaultRendererDir(): string {
  const here = import.meta.dirname;
  const candidates = [
    resolve(here, '../../out/renderer'),
    resolve(here, '../renderer'),
    resolve(process.cwd(), 'out/renderer'),
  ];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates.at(-1)!;
}

/** Per socket: what bounds it and what is waiting for it. */
interface Client {
  readonly ws: WebSocket;
  bad: number;
  inFlight: number;
  alive: boolean;
  lastLabAt: number;
  pendingLab: string | null;
  labTimer: ReturnType<typeof setTimeout> | null;
}

export async function startWebMonitor(opts: WebMonitorOptions): Promise<WebMonitor> {
  const token = randomBytes(24).toString('base64url');
  const tokenDigest = digest(token);
  const assetKey = randomBytes(24).toString('base64url');
  const assetKeyDigest = digest(assetKey);
  const root = resolve(opts.rendererDir);
  const clients = new Set<Client>();
  /** Upgrades accepted but not yet open: they count toward MAX_SOCKETS. */
  let opening = 0;
  let droppedPushes = 0;
  let coalescedSnapshots = 0;
  let closed = false;
  let port = 0;

  const matches = (given: string | null | undefined, expected: Buffer): boolean =>
    typeof given === 'string' && given.length > 0 && given.length <= 256
      ? timingSafeEqual(digest(given), expected)
      : false;
  const tokenOk = (given: string | null | undefined): boolean => matches(given, tokenDigest);

  const hostOk = (host: string | undefined): boolean => {
    if (host === undefined) return false;
    const h = host.toLowerCase();
    if (h === `127.0.0.1:${port}` || h === `localhost:${port}`) return true;
    // Browsers leave the default port out of Host.
    return port === 80 && (h === '127.0.0.1' || h === 'localhost');
  };

  const originOk = (origin: string): boolean => {
    const o = origin.toLowerCase();
    if (o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`) return true;
    return port === 80 && (o === 'http://127.0.0.1' || o === 'http://localhost');
  };

  const csp = () =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; ');

  const baseHeaders = (): OutgoingHttpHeaders => ({
    'Content-Security-Policy': csp(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });

  /** A refusal or an error: one line of plain text. */
  const plain = (
    res: ServerResponse,
    code: number,
    line: string,
    extra: OutgoingHttpHeaders = {},
  ): void => {
    const body = `${line}\n`;
    res.writeHead(code, {
      ...baseHeaders(),
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req.headers.host))
      return plain(res, 421, 'refused: the Host must be 127.0.0.1 or localhost with this port', {
        Connection: 'close',
      });
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'refused: this monitor serves GET and HEAD only', {
        Allow: 'GET, HEAD',
        Connection: 'close',
      });
    const origin = req.headers.origin;
    if (origin !== undefined && !originOk(origin))
      return plain(res, 403, 'refused: a request from another origin');
    const target = splitTarget(req.url ?? '/');
    const fromQuery = tokenOk(target.query.get('token'));
    if (!fromQuery && !matches(cookie(req.headers.cookie, assetCookieName(port)), assetKeyDigest))
      return plain(
        res,
        401,
        'this monitor needs its token: open the URL that lvs printed (http://127.0.0.1:PORT/?token=...)',
      );
    authenticated(req.socket);
    if (target.path === '/api')
      return plain(res, 426, 'the monitor API is a WebSocket: /api?token=...', {
        Upgrade: 'websocket',
      });
    const file = await staticFile(root, target.path);
    if (file === 'bad') return plain(res, 400, 'bad request path');
    if (file === null) {
      if (!existsSync(join(root, 'index.html')))
        return plain(
          res,
          503,
          'the monitor page is not built: run npm run build (the monitor API works without it)',
        );
      return plain(res, 404, 'not found');
    }
    const headers: OutgoingHttpHeaders = {
      ...baseHeaders(),
      'Content-Type': contentTypeOf(file.path),
      'Content-Length': file.size,
    };
    if (fromQuery)
      headers['Set-Cookie'] =
        `${assetCookieName(port)}=${assetKey}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.destroy();
    });
  });
  // Node's own limits act too late for a socket that sends nothing (headersTimeout is checked
  // every 30 s, and maxConnections lets idle sockets fill every place): see onConnection.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  /** Every TCP connection, in the order they came. */
  const connections = new Set<Socket>();
  /** Connections without a request with the token yet, oldest first, with their deadline. */
  const unauthenticated = new Map<Socket, ReturnType<typeof setTimeout>>();

  const drop = (socket: Socket): void => {
    clearTimeout(unauthenticated.get(socket));
    unauthenticated.delete(socket);
    connections.delete(socket);
    socket.destroy();
  };

  /** The connection sent a request with the token: it stays, under the usual timeouts. */
  const authenticated = (socket: Socket): void => {
    clearTimeout(unauthenticated.get(socket));
    unauthenticated.delete(socket);
  };

  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    const deadline = setTimeout(() => drop(socket), UNAUTHENTICATED_MS);
    deadline.unref();
    unauthenticated.set(socket, deadline);
    socket.once('close', () => {
      clearTimeout(unauthenticated.get(socket));
      unauthenticated.delete(socket);
      connections.delete(socket);
    });
    // Make room by evicting unauthenticated connections, oldest first (this one last): a
    // token holder's new connection is never refused while idle ones hold places.
    while (unauthenticated.size > MAX_UNAUTHENTICATED || connections.size > MAX_CONNECTIONS) {
      const oldest = unauthenticated.keys().next();
      if (oldest.done) {
        // Every place is held by an authenticated connection: this one waits its turn.
        drop(socket);
        break;
      }
      drop(oldest.value);
    }
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_REQUEST_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const refuseUpgrade = (socket: Duplex, code: number, reason: string, line: string): void => {
    const body = `${line}\n`;
    socket.end(
      `HTTP/1.1 ${code} ${reason}\r\n` +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
        body,
    );
    setTimeout(() => socket.destroy(), 1000).unref();
  };

  /** Every upgrade socket until it closes, so that close() can cut them all. */
  const rawSockets = new Set<Duplex>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (closed) return refuseUpgrade(socket, 503, 'Service Unavailable', 'the monitor is closing');
    if (!hostOk(req.headers.host))
      return refuseUpgrade(
        socket,
        421,
        'Misdirected Request',
        'refused: the Host must be 127.0.0.1 or localhost with this port',
      );
    const origin = req.headers.origin;
    if (origin === undefined || !originOk(origin))
      return refuseUpgrade(
        socket,
        403,
        'Forbidden',
        'refused: the socket needs this page as Origin',
      );
    const target = splitTarget(req.url ?? '/');
    if (target.path !== '/api') return refuseUpgrade(socket, 404, 'Not Found', 'not found');
    if (!tokenOk(target.query.get('token')))
      return refuseUpgrade(socket, 401, 'Unauthorized', 'refused: /api needs ?token=...');
    authenticated(req.socket);
    if (clients.size + opening >= MAX_SOCKETS)
      return refuseUpgrade(
        socket,
        503,
        'Service Unavailable',
        `refused: ${MAX_SOCKETS} monitor sockets are open already`,
      );
    opening++;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      opening--;
    };
    // handleUpgrade may refuse a malformed handshake without calling back: the close frees it.
    socket.once('close', settle);
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      if (closed) return ws.terminate();
      accept(ws);
    });
  });

  /** Set while close() waits for the replies under way; called when the last is written. */
  let answered: (() => void) | null = null;

  const sendReply = (c: Client, reply: WireMessage, done?: () => void): void => {
    if (c.ws.readyState !== WebSocket.OPEN) return done?.();
    c.ws.send(JSON.stringify(reply), () => done?.());
  };

  const bad = (c: Client, id: number, error: string): void => {
    c.bad++;
    sendReply(c, { type: 'reply', id, ok: false, error });
    if (c.bad >= MAX_BAD_MESSAGES)
      c.ws.close(1008, `${MAX_BAD_MESSAGES} malformed messages: closing`);
  };

  const onMessage = (c: Client, data: RawData, isBinary: boolean): void => {
    if (isBinary) return bad(c, 0, 'messages must be JSON text');
    let msg: unknown;
    try {
      msg = JSON.parse(rawText(data));
    } catch {
      return bad(c, 0, 'a message must be JSON: {"type":"request","id":1,"body":{...}}');
    }
    const env = checkEnvelope(msg);
    if (!env.ok) return bad(c, env.id, env.reason);
    if (c.inFlight >= MAX_IN_FLIGHT)
      return bad(c, env.id, `too many requests in flight (${MAX_IN_FLIGHT}): wait for replies`);
    c.inFlight++;
    const release = () => {
      c.inFlight--;
      if (answered && [...clients].every((x) => x.inFlight === 0)) answered();
    };
    opts.host.handle(env.value).then(
      (value) =>
        sendReply(c, { type: 'reply', id: env.id, ok: true, value: value ?? null }, release),
      (err: unknown) =>
        sendReply(c, { type: 'reply', id: env.id, ok: false, error: oneLine(err) }, release),
    );
  };

  const accept = (ws: WebSocket): void => {
    const c: Client = {
      ws,
      bad: 0,
      inFlight: 0,
      alive: true,
      lastLabAt: -Infinity,
      pendingLab: null,
      labTimer: null,
    };
    clients.add(c);
    ws.on('message', (data, isBinary) => onMessage(c, data, isBinary));
    ws.on('pong', () => (c.alive = true));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clients.delete(c);
      if (c.labTimer) clearTimeout(c.labTimer);
      c.labTimer = null;
      c.pendingLab = null;
    });
    // What the host runs, at once: the page need not ask before its first draw.
    pushTo(c, JSON.stringify({ type: 'push', push: { kind: 'app', info: opts.host.info() } }));
  };

  const pushTo = (c: Client, text: string): void => {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      droppedPushes++;
      return;
    }
    c.ws.send(text);
  };

  const sendLab = (c: Client): void => {
    c.labTimer = null;
    const text = c.pendingLab;
    c.pendingLab = null;
    if (text === null) return;
    c.lastLabAt = performance.now();
    pushTo(c, text);
  };

  const onPush = (push: MonitorPush): void => {
    if (clients.size === 0) return;
    const text = JSON.stringify({ type: 'push', push } satisfies WireMessage);
    for (const c of clients) {
      if (push.kind !== 'lab-snapshot') {
        pushTo(c, text);
        continue;
      }
      if (c.pendingLab !== null) coalescedSnapshots++;
      c.pendingLab = text;
      if (c.labTimer) continue;
      const wait = c.lastLabAt + LAB_SNAPSHOT_MS - performance.now();
      if (wait <= 0) sendLab(c);
      else c.labTimer = setTimeout(() => sendLab(c), wait);
    }
  };

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0, exclusive: true }, () => {
      server.off('error', fail);
      ok();
    });
  }).catch((err: unknown) => {
    clearInterval(heartbeat);
    throw err;
  });
  const address = server.address() as AddressInfo;
  port = address.port;
  const unsubscribe = opts.host.subscribe(onPush);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    address,
    stats: () => ({ sockets: clients.size, droppedPushes, coalescedSnapshots }),
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      // Replies under way go out first, for a moment at most: a request can be what closes the
      // monitor ("stop lab" from the page ends `lvs lab --monitor`), and it is answered.
      if ([...clients].some((c) => c.inFlight > 0))
        await Promise.race([
          new Promise<void>((ok) => (answered = ok)),
          new Promise((ok) => setTimeout(ok, 500).unref()),
        ]);
      answered = null;
      const open = [...clients];
      for (const c of open) {
        if (c.labTimer) clearTimeout(c.labTimer);
        c.ws.close(1001, 'the monitor is stopping');
      }
      const stopped = new Promise<void>((ok) => server.close(() => ok()));
      // Give the sockets a moment to say goodbye, then cut what is left.
      await Promise.race([
        Promise.all(open.map((c) => new Promise((ok) => c.ws.once('close', ok)))),
        new Promise((ok) => setTimeout(ok, 500).unref()),
      ]);
      for (const c of open) c.ws.terminate();
      for (const s of rawSockets) s.destroy();
      server.closeAllConnections();
      wss.close();
      await stopped;
    },
  };
}

// ---------------------------------------------------------------- helpers

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The path (still percent-encoded) and the query of a request target. */
function splitTarget(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const hash = path.indexOf('#');
  return {
    path: hash === -1 ? path : path.slice(0, hash),
    query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
  };
}

/** One cookie's value from a Cookie header. */
function cookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * The file a request path names under root, or null (404), or 'bad' (400). The path is
 * decoded once, must not hold a NUL, a backslash or a `..` segment, and after resolving (and
 * following links) must stay under root. `/` is index.html; folders are never listed.
 */
async function staticFile(
  root: string,
  rawPath: string,
): Promise<{ path: string; size: number } | null | 'bad'> {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return 'bad';
  }
  if (!path.startsWith('/') || /[\0\\]/.test(path)) return 'bad';
  if (path.split('/').some((seg) => seg === '..')) return null;
  if (path.endsWith('/')) path += 'index.html';
  const full = resolve(root, `.${path}`);
  if (!inside(root, full)) return null;
  try {
    const real = await realpath(full);
    if (!inside(await realpath(root), real)) return null;
    const s = await stat(real);
    return s.isFile() ? { path: real, size: s.size } : null;
  } catch {
    return null;
  }
}

function inside(root: string, full: string): boolean {
  const rel = relative(root, full);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The body checked, with the id to reply under whether it was accepted or refused. */
type Envelope = Checked<MonitorRequest> & { readonly id: number };

/** `{type:'request', id, body}` and nothing else; id a non-negative safe integer. */
function checkEnvelope(msg: unknown): Envelope {
  const form = 'a message must be {"type":"request","id":<integer>,"body":{...}}';
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { ok: false, id: 0, reason: form };
  const { type, id, body, ...rest } = msg as Record<string, unknown>;
  const validId = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
  const replyId = validId ? id : 0;
  const extra = Object.keys(rest);
  if (extra.length > 0)
    return { ok: false, id: replyId, reason: `unknown key "${extra[0]}" in the message` };
  if (type !== 'request')
    return { ok: false, id: replyId, reason: `${form}: type must be "request"` };
  if (!validId) return { ok: false, id: 0, reason: `${form}: id must be an integer >= 0` };
  if (body === undefined) return { ok: false, id, reason: `${form}: body is missing` };
  return { ok: true, id, value: body as MonitorRequest };
}

/** An error as one line for the page: its message only, never a stack. */
function oneLine(err: unknown): string {
  const text = errorMessage(err);
  const line = text.replace(/\s*\n\s*/g, ' ').trim() || 'the request failed';
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}
