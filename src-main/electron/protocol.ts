import { readFile } from 'node:fs/promises';
import { relative, resolve, sep, isAbsolute } from 'node:path';
import type { CustomScheme, Protocol } from 'electron';
import { contentTypeOf } from '../runtime/content-types';
import { APP_HOST, APP_SCHEME } from './security';

/*
 * `app://lvs/...`: the built renderer (out/renderer), and nothing else. Registered as a standard,
 * secure scheme before the app is ready, so that the page has a real origin ('self' in the CSP
 * means app://lvs, storage and module scripts work) without file://'s extra privileges.
 */

export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/**
 * The file under `root` that an `app://lvs/...` URL names, or null: another scheme or host, a
 * path that leaves the folder (also when percent-encoded), a NUL, a backslash. `/` is index.html.
 */
export function rendererFileFor(url: string, root: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..'))
    return null;
  return file;
}

/** The response to one `app://` request: the file with its type and the CSP, or a 404. */
export async function rendererResponse(url: string, root: string, csp: string): Promise<Response> {
  const headers = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
  const file = rendererFileFor(url, root);
  if (file) {
    try {
      const body = await readFile(file);
      return new Response(new Uint8Array(body), {
        status: 200,
        headers: { ...headers, 'Content-Type': contentTypeOf(file) },
      });
    } catch {
      // missing or unreadable: a 404 like any other unknown path
    }
  }
  return new Response('not found', {
    status: 404,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

/** Serves out/renderer under app://lvs/ (call once the app is ready). */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, root: string, csp: string): void {
  protocol.handle(APP_SCHEME, (request) =>
    request.method === 'GET' || request.method === 'HEAD'
      ? rendererResponse(request.url, root, csp)
      : new Response('method not allowed', { status: 405, headers: { Allow: 'GET, HEAD' } }),
  );
}
