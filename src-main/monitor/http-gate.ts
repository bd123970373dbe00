import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Who may use the web monitor: the checks every HTTP request and every socket upgrade pass
 * before anything is served.
 *
 * - The token (24 random bytes) is printed in the URL and opens everything; the asset key (24
 *   bytes of its own, set as the cookie `lvs_assets_PORT`) opens the static files only, never
 *   the API. Browsers scope cookies by host, not port, so every server on 127.0.0.1 receives the
 *   cookie: named by the port, two monitors never overwrite each other's; not the token, it
 *   gives another server nothing but the renderer's public files.
 * - Secrets are compared as SHA-256 digests with timingSafeEqual: constant time, whatever the
 *   length given (lengths are bounded first, so a huge value costs nothing).
 * - DNS rebinding: the Host header must name 127.0.0.1 or localhost with this server's port,
 *   and an Origin, where one is checked, must be the page's own.
 */

/** The cookie a valid page load sets for the page's own asset requests: named by the port. */
export const assetCookieName = (port: number): string => `lvs_assets_${port}`;

export class HttpGate {
  /** The secret printed in the URL: the page, its assets and the API. */
  readonly token = randomBytes(24).toString('base64url');
  private readonly tokenDigest = digest(this.token);
  /** The asset cookie's value: this monitor's static files and nothing else. */
  private readonly assetKey = randomBytes(24).toString('base64url');
  private readonly assetKeyDigest = digest(this.assetKey);
  /** Known once the server listens; until then no request can arrive. */
  private listeningPort = 0;

  get port(): number {
    return this.listeningPort;
  }

  /** The port the server listens on: Host, Origin and the cookie's name all carry it. */
  listening(port: number): void {
    this.listeningPort = port;
  }

  tokenOk(given: string | null | undefined): boolean {
    return matches(given, this.tokenDigest);
  }

  /** Whether a Cookie header carries this monitor's asset key. */
  assetCookieOk(cookieHeader: string | undefined): boolean {
    return matches(cookie(cookieHeader, assetCookieName(this.port)), this.assetKeyDigest);
  }

  /** The Set-Cookie value a page load with the token gets, for its asset requests. */
  assetCookie(): string {
    return `${assetCookieName(this.port)}=${this.assetKey}; HttpOnly; SameSite=Strict; Path=/`;
  }

  hostOk(host: string | undefined): boolean {
    if (host === undefined) return false;
    const h = host.toLowerCase();
    const port = this.port;
    if (h === `127.0.0.1:${port}` || h === `localhost:${port}`) return true;
    // Browsers leave the default port out of Host.
    return port === 80 && (h === '127.0.0.1' || h === 'localhost');
  }

  originOk(origin: string): boolean {
    const o = origin.toLowerCase();
    const port = this.port;
    if (o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`) return true;
    return port === 80 && (o === 'http://127.0.0.1' || o === 'http://localhost');
  }
}

/** The path (still percent-encoded) and the query of a request target. */
export function splitTarget(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const hash = path.indexOf('#');
  return {
    path: hash === -1 ? path : path.slice(0, hash),
    query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function matches(given: string | null | undefined, expected: Buffer): boolean {
  return typeof given === 'string' && given.length > 0 && given.length <= 256
    ? timingSafeEqual(digest(given), expected)
    : false;
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
