// Real libp2p hosts on loopback for the transport tests: a pair with one stream open between
// them, and the TCP port of an address (to pick a host's own socket out of the process's).
import type { Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { afterEach } from 'vitest';
import { LOOPBACK_LAB, createHost, type Host } from '../../src-main/node/p2p/host';

export interface StreamPair {
  readonly a: Host;
  readonly b: Host;
  /** A's stream to B. */
  readonly stream: Stream;
  /** Bytes B has received on it. */
  readonly received: () => number;
}

/** Two loopback hosts, pushed onto `running` for the caller to stop, A with a stream to B. */
export async function streamPair(protocol: string, running: Host[]): Promise<StreamPair> {
  const a = await createHost(LOOPBACK_LAB);
  const b = await createHost(LOOPBACK_LAB);
  running.push(a, b);
  let got = 0;
  await b.libp2p.handle(protocol, (stream) => {
    stream.addEventListener('message', (e) => (got += e.data.byteLength));
  });
  const stream = await a.libp2p.dialProtocol(b.addresses()[0]!, protocol);
  return { a, b, stream, received: () => got };
}

/** The TCP port in a multiaddr. */
export function tcpPort(addr: Multiaddr): number {
  const port = /\/tcp\/(\d+)/.exec(addr.toString())?.[1];
  if (port === undefined) throw new Error(`no TCP port in ${addr.toString()}`);
  return Number(port);
}

/**
 * What a test file starts (hosts, protocols, timers) goes on `running` and is stopped after each
 * test, last started first; `host()` starts a loopback host that way.
 */
export function stoppedAfterEach(): {
  readonly running: Array<{ stop(): Promise<void> }>;
  readonly host: () => Promise<Host>;
} {
  const running: Array<{ stop(): Promise<void> }> = [];
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  });
  const host = async () => {
    const h = await createHost(LOOPBACK_LAB);
    running.push(h);
    return h;
  };
  return { running, host };
}
