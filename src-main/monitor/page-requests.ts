import { createReadStream } from 'node:fs';
import type {
  IncomingMessage,
  OutgoingHttpHeaders,
  RequestListener,
  ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { contentTypeOf } from '../runtime/content-types';
import { pageBuilt, staticFile } from '../runtime/static-files';
import { splitTarget, type HttpGate } from './http-gate';

/*
 * The web monitor's plain HTTP requests: the page and its assets, GET and HEAD only. Each
 * request passes the gate in this order (Host, method, Origin, token or asset cookie) before
 * anything is read from disk; every answer, refusals included, carries the same strict headers.
 * A refusal is one line of plain text.
 */

export interface PageRequestsOptions {
  readonly gate: HttpGate;
  /** The renderer folder, resolved. */
  readonly root: string;
  /** Told when a connection sent a request with the token (or the asset cookie). */
  readonly authenticated: (socket: Socket) => void;
}

/** The server's request listener: a request that throws gets 500 (or is cut, once answered). */
export function pageRequests(opts: PageRequestsOptions): RequestListener {
  return (req, res) => {
    serve(opts, req, res).catch(() => {
      if (!res.headersSent) plain(opts.gate.port, res, 500, 'internal error');
      else res.destroy();
    });
  };
}

async function serve(
  { gate, root, authenticated }: PageRequestsOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const port = gate.port;
  if (!gate.hostOk(req.headers.host))
    return plain(
      port,
      res,
      421,
      'refused: the Host must be 127.0.0.1 or localhost with this port',
      {
        Connection: 'close',
      },
    );
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return plain(port, res, 405, 'refused: this monitor serves GET and HEAD only', {
      Allow: 'GET, HEAD',
      Connection: 'close',
    });
  const origin = req.headers.origin;
  if (origin !== undefined && !gate.originOk(origin))
    return plain(port, res, 403, 'refused: a request from another origin');
  const target = splitTarget(req.url ?? '/');
  const fromQuery = gate.tokenOk(target.query.get('token'));
  if (!fromQuery && !gate.assetCookieOk(req.headers.cookie))
    return plain(
      port,
      res,
      401,
      'this monitor needs its token: open the URL that lvs printed (http://127.0.0.1:PORT/?token=...)',
    );
  authenticated(req.socket);
  // The page asks here whether its token is still known when its socket fails: 426 says yes
  // (a 401 above says the monitor was restarted).
  if (target.path === '/api')
    return plain(port, res, 426, 'the monitor API is a WebSocket: /api?token=...', {
      Upgrade: 'websocket',
    });
  const file = await staticFile(root, target.path);
  if (file === 'bad') return plain(port, res, 400, 'bad request path');
  if (file === null) {
    if (!pageBuilt(root))
      return plain(
        port,
        res,
        503,
        'the monitor page is not built: run npm run build (the monitor API works without it)',
      );
    return plain(port, res, 404, 'not found');
  }
  const headers: OutgoingHttpHeaders = {
    ...securityHeaders(port),
    'Content-Type': contentTypeOf(file.path),
    'Content-Length': file.size,
  };
  // Only a load with the token sets the cookie: the cookie alone never renews itself.
  if (fromQuery) headers['Set-Cookie'] = gate.assetCookie();
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** The page may load only its own scripts, styles and images, and talk only to this server. */
function csp(port: number): string {
  return [
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
}

function securityHeaders(port: number): OutgoingHttpHeaders {
  return {
    'Content-Security-Policy': csp(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

/** A refusal or an error: one line of plain text. */
function plain(
  port: number,
  res: ServerResponse,
  code: number,
  line: string,
  extra: OutgoingHttpHeaders = {},
): void {
  const body = `${line}\n`;
  res.writeHead(code, {
    ...securityHeaders(port),
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
