/*
 * The squatters of tests/net/squatters.test.ts, run inside their namespace:
 *
 *   node --import tsx tests/net/squatter.ts <target multiaddr> <ip> [<ip> ...]
 *
 * One bare libp2p host per given address, five of which dial the target every 300 ms (the pace
 * of the probe in docs/network.md, "Inbound slots and eviction"). Each opens the drift stream,
 * sends a valid HELLO that claims a one-hour cycle, and never sends another byte; it dials once
 * and never again, so whatever ends its connection is the target's doing. What it reads is not
 * used: it only holds a slot.
 *
 * It prints one JSON line per event, with the time on this machine's clock (the test's own):
 *   {"ev":"open","ip":...,"peer":...,"at":...}    the drift stream is open and the HELLO sent
 *   {"ev":"failed","ip":...,"peer":...,"at":...,"error":...}  the dial or the stream failed
 *   {"ev":"closed","ip":...,"peer":...,"at":...}  the connection it held is gone
 *   {"ev":"dialled","count":N,"at":...}           every host has dialled
 * and runs until killed.
 */
import '../../src-main/node/p2p/polyfill';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { encodeFrame } from '../../src-shared/protocol';
import { PROTOCOL_ID } from '../../src-shared/protocol/messages';

const [target, ...ips] = process.argv.slice(2);
if (!target || ips.length === 0) {
  console.error('usage: squatter <target multiaddr> <ip> [<ip> ...]');
  process.exit(2);
}
const ONE_HOUR = 3_600_000;
const PER_STEP = 5;
const STEP_MS = 300;

const say = (record: Record<string, unknown>) =>
  console.log(JSON.stringify({ ...record, at: Date.now() }));

// The node's default is 2 dimensions; a HELLO for any other count would be refused outright.
const hello = encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: ONE_HOUR });

// Bare libp2p hosts (no identify, no ping, nothing to answer): each dials from its own address,
// or the kernel would give every dial the namespace's first address as its source.
const hosts: Array<{ ip: string; libp2p: Libp2p }> = [];
for (const ip of ips) {
  const libp2p = await createLibp2p({
    transports: [tcp({ dialOpts: { localAddress: ip } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionMonitor: { enabled: false },
  });
  hosts.push({ ip, libp2p });
}

async function squat(h: { ip: string; libp2p: Libp2p }): Promise<void> {
  const peer = h.libp2p.peerId.toString();
  try {
    const stream = await h.libp2p.dialProtocol(multiaddr(target), PROTOCOL_ID);
    stream.send(hello);
    say({ ev: 'open', ip: h.ip, peer });
    // The connection, not the stream: a node that closes a session closes its connection too.
    const done = () => say({ ev: 'closed', ip: h.ip, peer });
    h.libp2p.addEventListener('connection:close', done, { once: true });
  } catch (err) {
    say({ ev: 'failed', ip: h.ip, peer, error: String(err).split('\n')[0] });
  }
}

for (let i = 0; i < hosts.length; i += PER_STEP) {
  for (const h of hosts.slice(i, i + PER_STEP)) void squat(h);
  await new Promise((r) => setTimeout(r, STEP_MS));
}
say({ ev: 'dialled', count: hosts.length });
// Hold the connections until killed.
setInterval(() => undefined, 60_000);
