// Two `lvs node` processes on loopback for the browser node's page tests: A serves the join page
// and listens on WebSockets, B joins A over TCP. `swarm` is the flags both share (cycle, genesis,
// parameters). And the polling those tests read pages and status records with.
import { join } from 'node:path';
import { start, type Proc } from './lvs-process';
import { freePort } from './ports';

/** Loopback only, no mDNS, status records as JSON lines that the tests parse. */
export const LOOPBACK_NODE = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--json-logs'];

export interface DesktopPair {
  readonly joinUrl: string;
  readonly desktops: readonly [Proc, Proc];
}

/** Starts A (join page, WebSockets) and B (bootstrapped from A), data folders under `work`. */
export async function startDesktopPair(
  work: string,
  swarm: readonly string[],
): Promise<DesktopPair> {
  const a = start([
    ...LOOPBACK_NODE,
    ...swarm,
    ...['--ws-port', String(await freePort()), '--join-port', '0', '--data', join(work, 'a')],
  ]);
  const joinUrl = (await a.waitFor(/join page: (http:\/\/127\.0\.0\.1:\d+\/)/, 30_000))[1]!;
  const tcp = (await a.waitFor(/listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+)/))[1]!;
  const b = start([
    ...LOOPBACK_NODE,
    ...swarm,
    ...['--ws-port', String(await freePort()), '--bootstrap', tcp, '--data', join(work, 'b')],
  ]);
  await b.waitFor(/listening on/, 30_000);
  return { joinUrl, desktops: [a, b] };
}

/**
 * `probe()` every 500 ms until it gives a value; after `ms`, an error naming `what` and the last
 * error the probe threw (a page still loading, a record not yet written).
 */
export async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${ms} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
