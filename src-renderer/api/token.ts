/*
 * The web monitor's access token. `lvs node|lab --monitor` prints an address with ?token=...;
 * the page moves the token into sessionStorage (so a reload still works) and takes it out of the
 * address bar (so it is not left in the history, a bookmark or a screenshot).
 */

export const TOKEN_KEY = 'lvs.monitor.token';

export interface TokenPlace {
  readonly location: Pick<Location, 'href'>;
  readonly history: Pick<History, 'replaceState' | 'state'>;
  readonly sessionStorage: Pick<Storage, 'getItem' | 'setItem'>;
}

/** The token from the address (moved into sessionStorage) or from sessionStorage; null if none. */
export function takeToken(place: TokenPlace): string | null {
  const url = new URL(place.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      place.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage disabled: the token still works for this page, not after a reload.
    }
    url.searchParams.delete('token');
    place.history.replaceState(place.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return place.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** The host's WebSocket address for a page served at `location`. */
export function socketUrl(location: Pick<Location, 'protocol' | 'host'>, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`;
}

/** The same path over HTTP, with the token: where a page asks whether its token still works. */
export function tokenCheckUrl(
  location: Pick<Location, 'protocol' | 'host'>,
  token: string,
): string {
  return `${location.protocol}//${location.host}/api?token=${encodeURIComponent(token)}`;
}

/**
 * Whether the host refuses the token: over HTTP its socket path answers 426 (use a WebSocket) to
 * a token it knows and 401 to one it does not, which a browser's WebSocket cannot tell apart
 * from a host that is down (both are a close with code 1006). Rejects when nothing answers.
 */
export async function refusesToken(
  fetchFn: (url: string, init: RequestInit) => Promise<Pick<Response, 'status'>>,
  url: string,
): Promise<boolean> {
  const r = await fetchFn(url, { cache: 'no-store' });
  return r.status === 401;
}
