import type { Host } from './connection';
import { electronHost } from './transport-electron';
import { SocketHost } from './transport-websocket';
import { refusesToken, socketUrl, takeToken, tokenCheckUrl } from './token';

/** A host that has nothing to connect to (no token): every request fails with one line. */
function tokenlessHost(): Host {
  return {
    api: {
      request: () =>
        Promise.reject(new Error('no access token: open the address that lvs printed')),
      subscribe: () => () => undefined,
    },
    shell: 'web',
    state: () => ({ kind: 'no-token' }),
    onState: () => () => undefined,
    close: () => undefined,
  };
}

/** The desktop app's bridge when the preload exposed one, else the web monitor's WebSocket. */
export function connectHost(win: Window): Host {
  if (win.lvs) return electronHost(win.lvs);
  const token = takeToken(win);
  if (!token) return tokenlessHost();
  return new SocketHost({
    url: socketUrl(win.location, token),
    tokenRefused: () =>
      refusesToken((u, init) => win.fetch(u, init), tokenCheckUrl(win.location, token)),
  });
}
