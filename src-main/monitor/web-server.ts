import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ApiSockets } from './api-sockets';
import { ConnectionGuard } from './connection-guard';
import { HttpGate } from './http-gate';
import type { MonitorHost } from './monitor-host';
import { pageRequests } from './page-requests';

/*
 * The web monitor: the built renderer and the monitor API over a WebSocket, for
 * `lvs node --monitor` and `lvs lab --monitor`, on this machine only. This module wires the
 * parts together; each holds one concern, and its own comment says why it is as it is:
 *
 * - Bound to 127.0.0.1, never another address.
 * - http-gate.ts: the token (in the URL), the asset cookie (`lvs_assets_PORT`, the page's own
 *   asset requests, never the API), the Host and Origin checks against DNS rebinding.
 * - connection-guard.ts: no local process can lock the token holder out (connections without
 *   the token age out after UNAUTHENTICATED_MS, at most MAX_UNAUTHENTICATED of them within
 *   MAX_CONNECTIONS, the oldest evicted first).
 * - page-requests.ts, runtime/static-files.ts: GET and HEAD only; static files under the
 *   renderer folder only (no listing, no `..`), with a strict CSP, nosniff, no referrer and no
 *   caching.
 * - api-sockets.ts, socket-session.ts, socket-envelope.ts: the socket carries WireMessage JSON.
 *   Requests go to MonitorHost.handle and get one reply each (errors as one line). Everything is
 *   bounded: MAX_REQUEST_BYTES per message (more: closed with 1009), MAX_SOCKETS sockets,
 *   MAX_IN_FLIGHT requests per socket, MAX_BAD_MESSAGES malformed messages before the socket
 *   is closed (1008). Sockets are pinged every HEARTBEAT_MS; one that missed the last pong is
 *   dropped.
 * - socket-pushes.ts: the host's pushes go to every open socket; one over MAX_BUFFERED_BYTES
 *   unsent gets none until it drains, and lab snapshots are paced to one per LAB_SNAPSHOT_MS.
 * - web-limits.ts: every bound, in one place.
 * - Where the page is on disk: defaultRendererDir().
 *
 * It logs nothing: the caller prints the URL it returns.
 */

// The public names of the web monitor stay here, wherever they are defined.
export { assetCookieName } from './http-gate';
export { defaultRendererDir } from '../runtime/static-files';
export {
  LAB_SNAPSHOT_MS,
  MAX_BAD_MESSAGES,
  MAX_BUFFERED_BYTES,
  MAX_CONNECTIONS,
  MAX_IN_FLIGHT,
  MAX_SOCKETS,
  MAX_UNAUTHENTICATED,
  UNAUTHENTICATED_MS,
} from './web-limits';

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

export async function startWebMonitor(opts: WebMonitorOptions): Promise<WebMonitor> {
  const gate = new HttpGate();
  const guard = new ConnectionGuard();
  const sockets = new ApiSockets({ gate, guard, host: opts.host });
  const server = createServer(
    pageRequests({ gate, root: resolve(opts.rendererDir), authenticated: guard.authenticated }),
  );
  // Node's own limits stay as a backstop; the guard acts on sockets that send nothing.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', guard.admit);
  server.on('upgrade', sockets.upgrade);

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen({ host: '127.0.0.1', port: opts.port ?? 0, exclusive: true }, () => {
      server.off('error', fail);
      ok();
    });
  }).catch((err: unknown) => {
    sockets.stopAccepting();
    throw err;
  });
  const address = server.address() as AddressInfo;
  const port = address.port;
  gate.listening(port);
  const unsubscribe = opts.host.subscribe((push) => sockets.push(push));

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/?token=${gate.token}`,
    token: gate.token,
    port,
    address,
    stats: () => ({
      sockets: sockets.size,
      droppedPushes: sockets.counts.dropped,
      coalescedSnapshots: sockets.counts.coalesced,
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      sockets.stopAccepting();
      await sockets.finishReplies();
      const open = sockets.sayGoodbye();
      const stopped = new Promise<void>((ok) => server.close(() => ok()));
      await sockets.cutOff(open);
      server.closeAllConnections();
      sockets.release();
      await stopped;
    },
  };
}
