import type { WebPreferences } from 'electron';

/*
 * The shell's security decisions, as pure functions (no Electron at run time, only its types),
 * so that tests can check them without the binary. main.ts and window.ts apply them.
 *
 * Where the window's page comes from: in a build, the app's own scheme `app://lvs/` (protocol.ts
 * serves out/renderer under it); under `electron-vite dev`, the dev server. Not file://: the
 * packaged app flips the grantFileProtocolExtraPrivileges fuse off (electron-builder.yml), and a
 * file:// page without those privileges cannot load the renderer's module scripts (they are
 * fetched in CORS mode, which file:// does not support). A custom scheme is also what Electron's
 * security checklist recommends: it serves one folder, where file:// reaches every file.
 */

/** The scheme and host the built renderer is served from. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'lvs';
/** The window's page in a build. */
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The window's web preferences: isolated, sandboxed, no Node, no webviews. */
export function webPreferencesFor(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/**
 * The Content-Security-Policy of the window's page, sent as a response header on top of the
 * meta tag in src-renderer/index.html (a page must satisfy both). The build's policy is the meta
 * tag's, plus what only a header can say (frame-ancestors) and no form submissions. Under the dev
 * server, React Refresh needs an inline script, Vite injects <style> tags and talks to its
 * server over a WebSocket (electron.vite.config.ts relaxes the meta tag the same way).
 */
export function cspFor(devUrl?: string): string {
  const dev = devUrl ? new URL(devUrl) : null;
  const connect = dev ? ["'self'", `ws://${dev.host}`, `http://${dev.host}`] : ["'self'"];
  const inline = dev ? " 'unsafe-inline'" : '';
  return [
    "default-src 'self'",
    `script-src 'self'${inline}`,
    `style-src 'self'${inline}`,
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Response headers with the policy set (replacing any CSP header the server sent). */
export function withCspHeader(
  headers: Record<string, string[] | string> | undefined,
  csp: string,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

/** Where the app's own page may come from: the built renderer's scheme, or the dev server. */
export interface AppOrigins {
  /** The dev server's URL (electron-vite dev only). */
  readonly devUrl?: string | undefined;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether `url` is a page of the app itself: `app://lvs/...` in a build, or the dev server's
 * origin under `electron-vite dev` (and only then). Compared by scheme, host and port: a
 * non-special scheme's origin is "null" in WHATWG URLs, so `URL.origin` cannot be used.
 */
export function isAppUrl(url: string, origins: AppOrigins = {}): boolean {
  const u = parse(url);
  if (!u || u.username || u.password) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
  const dev = origins.devUrl ? parse(origins.devUrl) : null;
  return (
    dev !== null &&
    (dev.protocol === 'http:' || dev.protocol === 'https:') &&
    u.protocol === dev.protocol &&
    u.host === dev.host
  );
}

/** What the sender check needs of a frame (Electron's WebFrameMain has all of it). */
export interface FrameLike {
  readonly url: string;
  readonly processId: number;
  readonly frameToken: string;
  readonly parent?: unknown;
  readonly detached?: boolean;
}

/**
 * Whether an IPC message comes from the main window's own page: its top frame (not a subframe,
 * not another window), still attached, showing an app URL.
 */
export function isTrustedSender(
  frame: FrameLike | null | undefined,
  mainFrame: FrameLike | null | undefined,
  origins: AppOrigins = {},
): boolean {
  if (!frame || !mainFrame) return false;
  if (frame.detached === true || (frame.parent !== null && frame.parent !== undefined))
    return false;
  const same =
    frame === mainFrame ||
    (frame.processId === mainFrame.processId && frame.frameToken === mainFrame.frameToken);
  return same && isAppUrl(frame.url, origins);
}

/**
 * Whether `url` may be opened in the user's browser: https only, no credentials, no explicit
 * port, and under one of the allowed prefixes (same host, and the path at or below the prefix's
 * path, on a segment boundary). Anything else is refused.
 */
export function isVettedUrl(url: string, allowed: readonly string[]): boolean {
  if (typeof url !== 'string' || url.length > 2048) return false;
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  return allowed.some((prefix) => {
    const p = parse(prefix);
    if (!p || p.protocol !== 'https:' || p.host !== u.host) return false;
    const base = p.pathname.endsWith('/') ? p.pathname : `${p.pathname}/`;
    return u.pathname === p.pathname || u.pathname.startsWith(base);
  });
}

/**
 * The project's documentation address, from package.json's `homepage`, if it is one the shell
 * would open (https). Undefined if there is none: the Help menu then has no documentation item.
 */
export function docsUrlFrom(pkg: unknown): string | undefined {
  const homepage = (pkg as { homepage?: unknown } | null)?.homepage;
  if (typeof homepage !== 'string') return undefined;
  return isVettedUrl(homepage, [homepage]) ? homepage : undefined;
}
