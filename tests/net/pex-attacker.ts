/*
 * The hostile peer-exchange peers of tests/net/bad-pex.test.ts, run inside their namespace:
 *
 *   node --import tsx tests/net/pex-attacker.ts faults <target multiaddr> <ip> <ip> <ip> <ip>
 *   node --import tsx tests/net/pex-attacker.ts flood <target multiaddr> <seconds> <ip> [<ip> ...]
 *
 * `faults`: four bare libp2p hosts, one per address, each with its own way to answer the
 * target's peer-exchange question badly: `malformed` (a frame that is not JSON), `oversized` (a
 * length prefix over the 8,320-byte limit, then that many bytes), `endless` (answer frames written
 * back to back until the stream is gone) and `trickle` (a frame that never ends: one byte a
 * second). After the target has asked, each asks it in turn, twice: first a question followed by
 * bytes it keeps sending, then one more at once, sooner than the 30 s a peer must wait. Then it
 * dials again, to see whether it is let back in.
 *
 * `flood`: one libp2p host per address; each connects to the target, answers its question with 32
 * valid addresses nobody listens on, in the eight /16s 11.200 to 11.207 and never the same twice,
 * then hangs up and comes back under a new key (a new peer id, which the target asks again), for
 * the given number of seconds.
 *
 * It prints one JSON line per event, with the time on this machine's clock (the test's own), and
 * ends with {"ev":"done"}.
 */
import '../../src-main/node/p2p/polyfill';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Connection, Stream } from '@libp2p/interface';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { frameBytes } from '../../src-shared/protocol';
import {
  PEX_MAX_ADDRS,
  PEX_MAX_FRAME_BYTES,
  PEX_PROTOCOL_ID,
  encodePex,
} from '../../src-shared/protocol/peer-exchange';

const [mode, target, ...rest] = process.argv.slice(2);
if ((mode !== 'faults' && mode !== 'flood') || !target || rest.length === 0) {
  console.error('usage: pex-attacker faults|flood <target multiaddr> ...');
  process.exit(2);
}
const to = multiaddr(target);
const say = (record: Record<string, unknown>) =>
  console.log(JSON.stringify({ ...record, at: Date.now() }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The address groups (IPv4 /16s) the flood's addresses are spread over. */
const GROUPS = 8;
const describe = (err: unknown) => String(err).split('\n')[0];

/** A bare libp2p host dialling from `ip` (no identify: the target learns nothing but what PEX says). */
function bare(ip: string): Promise<Libp2p> {
  return createLibp2p({
    transports: [tcp({ dialOpts: { localAddress: ip } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionMonitor: { enabled: false },
  });
}

/** Resolves once the stream is closed or reset, whoever did it. */
const ended = (s: Stream) =>
  new Promise<void>((done) => {
    if (s.status !== 'open') return done();
    s.addEventListener('close', () => done(), { once: true });
  });

type Answer = (s: Stream) => Promise<void>;

const junk = (n: number) => new Uint8Array(n).fill(0x7b);

const ANSWERS: Record<string, Answer> = {
  async malformed(s) {
    s.send(frameBytes(new TextEncoder().encode('{"addrs": [1, 2')));
    await s.close().catch(() => undefined);
  },
  async oversized(s) {
    s.send(frameBytes(junk(PEX_MAX_FRAME_BYTES + 1)));
    await s.close().catch(() => undefined);
  },
  async endless(s) {
    // Two frames in the first write, so that they arrive together, then more until cut off.
    const frame = frameBytes(encodePex(['/ip4/11.250.0.1/tcp/4001']));
    const two = new Uint8Array(frame.byteLength * 2);
    two.set(frame);
    two.set(frame, frame.byteLength);
    s.send(two);
    let sent = two.byteLength;
    const gone = ended(s).then(() => true);
    const stop = Date.now() + 10_000;
    while (s.status === 'open' && Date.now() < stop) {
      if (await Promise.race([gone, sleep(5).then(() => false)])) break;
      for (let i = 0; i < 16 && s.status === 'open'; i++) {
        s.send(frame);
        sent += frame.byteLength;
      }
    }
    say({ ev: 'endless-cut', bytes: sent, open: s.status === 'open' });
  },
  async trickle(s) {
    const body = encodePex(['/ip4/11.250.0.2/tcp/4001']);
    const whole = frameBytes(body);
    // The length prefix and the first bytes, then a byte a second: never whole within 10 s.
    let sent = 0;
    const gone = ended(s).then(() => true);
    while (s.status === 'open' && sent < whole.byteLength - 1) {
      s.send(whole.subarray(sent, sent + (sent === 0 ? 4 : 1)));
      sent += sent === 0 ? 4 : 1;
      if (await Promise.race([gone, sleep(1000).then(() => false)])) break;
    }
  },
};

async function faults(ips: string[]): Promise<void> {
  const kinds = Object.keys(ANSWERS);
  await Promise.all(
    kinds.map(async (kind, k) => {
      const ip = ips[k % ips.length]!;
      const node = await bare(ip);
      const peer = node.peerId.toString();
      let asked!: () => void;
      const wasAsked = new Promise<void>((ok) => (asked = ok));
      await node.handle(
        PEX_PROTOCOL_ID,
        (stream) => {
          say({ ev: 'asked', kind, peer });
          void ANSWERS[kind]!(stream).finally(() => asked());
        },
        { runOnLimitedConnection: true },
      );
      node.addEventListener('connection:close', () => say({ ev: 'closed', kind, peer }));
      let conn: Connection;
      try {
        conn = await node.dial(to);
      } catch (err) {
        say({ ev: 'failed', kind, peer, error: describe(err) });
        return;
      }
      say({ ev: 'connected', kind, peer, ip });
      await Promise.race([wasAsked, sleep(20_000)]);
      // A question that goes on talking: the asker must send nothing.
      try {
        const q = await conn.newStream(PEX_PROTOCOL_ID);
        for (let i = 0; i < 50 && q.status === 'open'; i++) {
          q.send(junk(64));
          await sleep(20);
        }
        say({ ev: 'asked-with-data', kind, peer });
      } catch (err) {
        say({ ev: 'question-failed', kind, peer, error: describe(err) });
      }
      // And at once another, far sooner than the 30 s between questions.
      try {
        const q = await conn.newStream(PEX_PROTOCOL_ID);
        await Promise.race([ended(q), sleep(2_000)]);
        say({ ev: 'asked-again', kind, peer });
      } catch (err) {
        say({ ev: 'question-failed', kind, peer, error: describe(err) });
      }
      await sleep(1_000);
      // Let back in? The same key dials again.
      try {
        const again = await node.dial(to, { signal: AbortSignal.timeout(5_000) });
        // A denied peer is named in the Noise handshake, and its connection closed right there.
        await sleep(500);
        say({ ev: 'redial', kind, peer, open: again.status === 'open' });
      } catch (err) {
        say({ ev: 'redial', kind, peer, open: false, error: describe(err) });
      }
      await node.stop();
    }),
  );
}

async function flood(seconds: number, ips: string[]): Promise<void> {
  let n = 0;
  let told = 0;
  /** 32 addresses of 11.200.0.0 to 11.207.255.255 (8 address groups), never the same twice. */
  const lies = () =>
    Array.from({ length: PEX_MAX_ADDRS }, () => {
      n++;
      return `/ip4/11.${200 + (n % GROUPS)}.${(n >> 8) & 255}.${(n & 255) | 1}/tcp/${4001 + (n % 1000)}`;
    });
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    ips.map(async (ip) => {
      while (Date.now() < until) {
        const node = await bare(ip);
        let answered!: () => void;
        const done = new Promise<void>((ok) => (answered = ok));
        await node.handle(
          PEX_PROTOCOL_ID,
          (stream) => {
            told += PEX_MAX_ADDRS;
            stream.send(frameBytes(encodePex(lies())));
            // Hang up only once the target has read the answer and closed its side: a busy
            // target would otherwise lose the answer with the connection.
            void stream
              .close()
              .catch(() => stream.abort(new Error('closed')))
              .then(() => Promise.race([ended(stream), sleep(5_000)]))
              .finally(() => answered());
          },
          { runOnLimitedConnection: true },
        );
        try {
          await node.dial(to, { signal: AbortSignal.timeout(5_000) });
          await Promise.race([done, sleep(5_000)]);
        } catch {
          await sleep(500);
        }
        await node.stop();
      }
    }),
  );
  say({ ev: 'told', told });
}

if (mode === 'faults') await faults(rest);
else await flood(Number(rest[0]), rest.slice(1));
say({ ev: 'done' });
process.exit(0);
