import { createReadStream } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { contentTypeOf } from '../../runtime/content-types';
import { pageBuilt, staticFile } from '../../runtime/static-files';
import type { JoinDocument, SwarmSettings } from '../../../src-shared/api/join-info';
import { changedParams, genesisState, type NodeCore } from '../../../src-shared/node/node-core';
import { isLoopbackHost, joinAddresses, joinUrls } from './join-addresses';

/*
 * The join page's listener (`lvs node --join-port`): the browser node page, its assets, and
 * join.json, the node's WebSocket addresses for that page to dial and the swarm's settings a
 * new node must share to be let in. Nothing else. It is not the
 * monitor and shares nothing with it: no token, no API, no WebSocket, no state, no control of
 * the host; every other path is 404, every other method 405, every upgrade refused. So it can
 * listen where the node does (0.0.0.0 for a personal node), for phones on the same network,
 * while the monitor stays on 127.0.0.1 behind its token. What it tells a visitor, the node's
 * WebSocket addresses and its drift settings, any peer learns anyway (identify, HELLO, its
 * frames; docs/network.md, "The join page").
 *
 * Anyone on the network can open connections to it, and no token tells a welcome visitor from
 * another, so every bound is its own: connections in all and per address, the header's size and
 * time, the request's time, idle sockets, no request bodies.
 */

/** The page a browser opens: the browser node, built beside the monitor's index.html. */
export const JOIN_PAGE = 'node.html';

/** Every bound of the join listener, and why it is what it is. */
export const JOIN_LIMITS = {
  /** TCP connections at once; Node closes one more at accept. */
  maxConnections: 128,
  /**
   * From one IP address at once: no one host takes every place. A browser opens up to six per
   * host and profile, and more than one may share an address (the tabs of a laptop's browsers,
   * the devices behind a guest network's NAT); at 16, a third browser profile on one laptop had
   * its page's scripts refused at accept.
   */
  maxPerAddress: 32,
  /** Request line and headers together; a browser's GET needs under 2 KiB. More: 431. */
  maxHeaderBytes: 8 * 1024,
  /** The headers must be in within this; Node checks it every connectionsCheckingMs. */
  headersTimeoutMs: 10_000,
  /** The whole request, likewise. */
  requestTimeoutMs: 20_000,
  connectionsCheckingMs: 1_000,
  /** A socket that sends and receives nothing for this long is closed. */
  idleMs: 10_000,
  /** A browser's keep-alive connection between requests. */
  keepAliveMs: 5_000,
} as const;

/**
 * An asset's name: what Vite writes into assets/ (`index-3fa9c1d2.js`), one level, no path.
 * It cannot start with a dot (no dotfiles, no `..`) and holds no `/`, `\` or `%`, so nothing
 * decodes into a separator; the file's real path is checked to stay inside assets/ as well.
 */
const ASSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The listener could not bind: `code` is the system's (EADDRINUSE, EACCES, EADDRNOTAVAIL...). */
export class JoinListenError extends Error {
  override readonly name = 'JoinListenError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(`the join page cannot listen on ${host} port ${port} (${code})`);
  }
}

export interface JoinServerOptions {
  /** The address to listen on: the node's own (--host). */
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** The built renderer, holding node.html and assets/ (defaultRendererDir(JOIN_PAGE)). */
  readonly pageDir: string;
  /**
   * The page served at `/` (default JOIN_PAGE). A lab serves its tab page (lab-tab.html) the
   * same way, to its own Chromium on loopback.
   */
  readonly page?: string;
  /** The node's addresses now, as multiaddr text; join.json lists the WebSocket ones. */
  readonly addresses: () => readonly string[];
  /** The swarm's settings now (the node's own), or null before the node runs. */
  readonly swarm?: () => SwarmSettings | null;
  /** The app's version, in join.json (a page can tell it came from an older or newer node). */
  readonly version: string;
  /** Other bounds than JOIN_LIMITS (tests: a short idle time). */
  readonly limits?: Partial<Record<keyof typeof JOIN_LIMITS, number>>;
}

export interface JoinServer {
  readonly port: number;
  readonly address: AddressInfo;
  /** Where a device opens the page: one URL per address others reach it by (joinUrls). */
  urls(): string[];
  close(): Promise<void>;
}

/** Starts the join listener; a port it cannot take is a JoinListenError. */
export async function startJoinServer(opts: JoinServerOptions): Promise<JoinServer> {
  const L = { ...JOIN_LIMITS, ...opts.limits };
  const server = createServer(
    {
      maxHeaderSize: L.maxHeaderBytes,
      headersTimeout: L.headersTimeoutMs,
      requestTimeout: L.requestTimeoutMs,
      keepAliveTimeout: L.keepAliveMs,
      connectionsCheckingInterval: L.connectionsCheckingMs,
    },
    (req, res) => {
      serve(opts, req, res).catch(() => {
        if (!res.headersSent) plain(res, 500, 'internal error');
        else res.destroy();
      });
    },
  );
  server.maxConnections = L.maxConnections;
  // No 'timeout' listener: Node destroys a socket idle this long.
  server.setTimeout(L.idleMs);
  server.on('connection', perAddressLimit(L.maxPerAddress));
  server.on('upgrade', refuseUpgrade);

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host: opts.host, port: opts.port, exclusive: true }, () => {
      server.off('error', fail);
      ok();
    });
  }).catch((err: unknown) => {
    const code = (err as { code?: unknown }).code;
    throw typeof code === 'string' ? new JoinListenError(opts.host, opts.port, code) : err;
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | null = null;
  return {
    port: address.port,
    address,
    urls: () => joinUrls(opts.host, address.port),
    close: () =>
      (closed ??= new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      })),
  };
}

/**
 * What a browser node must share with a node's swarm to be let in: the node's parameters as
 * they are now, its cycle and the swarm's genesis.
 */
export function swarmSettingsOf(
  node: NodeCore,
  cycleMs: number,
  genesis: number | readonly number[],
): SwarmSettings {
  const { params } = node.status();
  return {
    params: changedParams(params),
    cycleMs,
    genesis: genesisState(genesis, params.dimensions),
  };
}

/** join.json for this request: the node's WebSocket addresses best first (joinAddresses). */
export function joinDocumentFor(opts: JoinServerOptions, req: IncomingMessage): JoinDocument {
  const fromHere = isLoopbackHost(req.socket.remoteAddress ?? '');
  const swarm = opts.swarm?.() ?? null;
  return {
    addresses: joinAddresses(opts.addresses(), req.headers.host, fromHere),
    ...(swarm ? { params: swarm.params, cycleMs: swarm.cycleMs, genesis: swarm.genesis } : {}),
    version: opts.version,
  };
}

async function serve(
  opts: JoinServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return plain(res, 405, 'refused: the join page serves GET and HEAD only', {
      Allow: 'GET, HEAD',
      Connection: 'close',
    });
  // A GET with a body is not a browser's: refused unread, and the connection closed with it.
  if (req.headers['transfer-encoding'] !== undefined || contentLength(req) > 0)
    return plain(res, 413, 'refused: the join page takes no request body', {
      Connection: 'close',
    });
  const target = req.url ?? '';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (path === '/join.json') {
    const body = `${JSON.stringify(joinDocumentFor(opts, req))}\n`;
    return send(res, 200, body, 'application/json; charset=utf-8', 'no-store');
  }
  const page = opts.page ?? JOIN_PAGE;
  if (path === '/' || path === `/${page}`) {
    if (!pageBuilt(opts.pageDir, page))
      return plain(
        res,
        503,
        `the ${page === JOIN_PAGE ? 'join page' : `page ${page}`} is not built: run npm run build`,
      );
    return file(req, res, await staticFile(opts.pageDir, `/${page}`));
  }
  if (path.startsWith('/assets/')) {
    const name = path.slice('/assets/'.length);
    if (ASSET_NAME.test(name))
      return file(req, res, await staticFile(join(opts.pageDir, 'assets'), `/${name}`));
  }
  return plain(
    res,
    404,
    'not found: this listener serves the join page only (/, /assets/<file>, /join.json)',
  );
}

function contentLength(req: IncomingMessage): number {
  const n = Number(req.headers['content-length'] ?? 0);
  return Number.isFinite(n) ? n : 1;
}

/** A file found under the page folder, or 404. */
function file(
  req: IncomingMessage,
  res: ServerResponse,
  found: Awaited<ReturnType<typeof staticFile>>,
): void {
  if (found === null || found === 'bad') return plain(res, 404, 'not found');
  res.writeHead(200, {
    ...securityHeaders(),
    'Content-Type': contentTypeOf(found.path),
    'Content-Length': found.size,
    // Asked again each time: a node that was updated serves its new page at once.
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(found.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * The browser node page's policy: its own scripts, styles and workers only (a worker may also
 * come from a blob: URL, as bundlers make them), and connections to this origin and to any
 * WebSocket (the node's own WebSocket listener is on another port, its peers elsewhere). No
 * frames, plugins, forms or base URL. WebRTC is not governed by connect-src.
 */
export const JOIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Every answer's headers, refusals included. No CORS header: no other origin reads any of it. */
function securityHeaders(): OutgoingHttpHeaders {
  return {
    'Content-Security-Policy': JOIN_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
  };
}

function send(
  res: ServerResponse,
  code: number,
  body: string,
  type: string,
  cache: string,
  extra: OutgoingHttpHeaders = {},
): void {
  res.writeHead(code, {
    ...securityHeaders(),
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': cache,
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A refusal or an error: one line of plain text. */
function plain(res: ServerResponse, code: number, line: string, extra?: OutgoingHttpHeaders): void {
  send(res, code, `${line}\n`, 'text/plain; charset=utf-8', 'no-store', extra);
}

/**
 * A WebSocket (or any other) upgrade: this listener has none to give. The node's WebSocket for
 * browsers is its libp2p listener on --ws-port; the monitor's API is on 127.0.0.1 only.
 */
function refuseUpgrade(_req: IncomingMessage, socket: Socket): void {
  const body = 'not found: the join page has no WebSocket (the node listens on its --ws-port)\n';
  const head = [
    'HTTP/1.1 404 Not Found',
    ...Object.entries(securityHeaders()).map(([k, v]) => `${k}: ${String(v)}`),
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
  ];
  socket.on('error', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** The server's 'connection' listener: at most `max` connections from one IP address at once. */
function perAddressLimit(max: number): (socket: Socket) => void {
  const counts = new Map<string, number>();
  return (socket) => {
    const who = socket.remoteAddress ?? '';
    const n = (counts.get(who) ?? 0) + 1;
    if (n > max) {
      socket.destroy();
      return;
    }
    counts.set(who, n);
    socket.once('close', () => {
      const left = (counts.get(who) ?? 1) - 1;
      if (left > 0) counts.set(who, left);
      else counts.delete(who);
    });
  };
}
