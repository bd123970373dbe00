/*
 * A hostile drift peer: a libp2p node with one transport, Noise and Yamux, that opens
 * /lvs/drift/1.0.0 on a node, says a valid HELLO and then writes bad frames. The frames are built
 * with the protocol's own codec (encodeFrame, encodeCycleBody, frameBytes), which checks nothing
 * of their content (encodeFrame only their size); the oversized frame, which encodeFrame refuses
 * to make, is a length prefix over raw bytes. Each peer is a fresh libp2p identity, kept here
 * between calls by its peer id, so a test can send one frame, read the node's log, and send the
 * next. The same code runs in a page over WebSockets (hostile-entry.ts) and in the test's own
 * process over TCP (tests/browser/hostile-browser.test.ts), so the node gets the same bytes both
 * ways. No Node built-in here: the browser bundle refuses them.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p, Stream, StreamMessageEvent } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2pOptions } from 'libp2p';
import {
  FrameReader,
  decodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from '../../src-shared/protocol';
import {
  PROTOCOL_ID,
  PROTOCOL_VERSION,
  checkHello,
  type EntropyPacket,
  type Hello,
  type StateDiffMessage,
} from '../../src-shared/protocol/messages';

/** The faults a hostile peer sends, one kind per identity. */
export type Attack = 'oversize' | 'wrong-d' | 'nan';

export interface Connected {
  readonly peerId: string;
  /** The node's HELLO, as this peer read it off the stream. */
  readonly hello: Hello;
}

export interface Flooded {
  /** Frames written before the stream stopped taking them (or all of them). */
  readonly sent: number;
  readonly streamStatus: string;
}

export interface PeerState {
  readonly streamStatus: string;
  /** Open connections this peer's libp2p holds to anyone (the node is its one peer). */
  readonly connections: number;
}

/** How a hostile peer reaches the node: its one transport, and a gater if the default refuses. */
export type HostileTransport = Pick<Libp2pOptions, 'transports' | 'connectionGater'>;

interface Peer {
  readonly libp2p: Libp2p;
  readonly stream: Stream;
  readonly d: number;
}

const sdm = (
  d: number,
  cycle: number,
  fields: Partial<StateDiffMessage> = {},
): StateDiffMessage => ({
  kind: 'sdm',
  shard: 0,
  state: Array.from({ length: d }, () => 100),
  weight: 1,
  cycle,
  ...fields,
});
const ep = (d: number, fields: Partial<EntropyPacket> = {}): EntropyPacket => ({
  kind: 'ep',
  entropy: Array.from({ length: d }, () => 0.25),
  timestamp: 1,
  load: 0,
  ...fields,
});

/** Each attack's frames, sent in turn: [variant, its bytes], for the i-th frame. */
function variants(
  attack: Attack,
  d: number,
  i: number,
  oversizeBytes: number,
): Array<[string, () => Uint8Array]> {
  const cycle = 1 + i;
  switch (attack) {
    case 'oversize':
      return [['oversize', () => frameBytes(new Uint8Array(oversizeBytes).fill(0xaa))]];
    case 'wrong-d':
      return [
        ['sdm d+1', () => encodeFrame(sdm(d + 1, cycle))],
        ['ep d+1', () => encodeFrame(ep(d + 1))],
        ['cycle d+1', () => frameBytes(encodeCycleBody(ep(d + 1), sdm(d + 1, cycle)))],
        ['sdm d-1', () => encodeFrame(sdm(d - 1, cycle))],
      ];
    case 'nan': {
      // d values, NaN at component k: what no check before the receiver's lets through.
      const nanAt = (k: number, x: number) =>
        Array.from({ length: d }, (_, j) => (j === k ? NaN : x));
      return [
        ['sdm state NaN', () => encodeFrame(sdm(d, cycle, { state: nanAt(d - 1, 100) }))],
        ['sdm weight NaN', () => encodeFrame(sdm(d, cycle, { weight: NaN }))],
        ['ep entropy NaN', () => encodeFrame(ep(d, { entropy: nanAt(0, 0.25) }))],
        ['ep load NaN', () => encodeFrame(ep(d, { load: NaN }))],
        [
          'cycle state NaN',
          () => frameBytes(encodeCycleBody(ep(d), sdm(d, cycle, { state: nanAt(0, 100) }))),
        ],
        [
          'cycle weight NaN',
          () => frameBytes(encodeCycleBody(ep(d), sdm(d, cycle, { weight: NaN }))),
        ],
      ];
    }
  }
}

/** Hostile peers over one transport, each a fresh identity, known by its peer id. */
export class HostilePeers {
  private readonly peers = new Map<string, Peer>();

  constructor(private readonly transport: () => HostileTransport) {}

  private peer(peerId: string): Peer {
    const p = this.peers.get(peerId);
    if (!p) throw new Error(`no hostile peer ${peerId} here`);
    return p;
  }

  /**
   * A fresh identity dials the node, opens the drift protocol and says HELLO with the node's own
   * dimension and cycle (a peer with another d would only be refused, not cut off); resolves once
   * the node's HELLO has arrived.
   */
  async connect(address: string, d: number, cycleMs: number): Promise<Connected> {
    const libp2p = await createLibp2p({
      ...this.transport(),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux({ enableKeepAlive: false })],
      connectionMonitor: { enabled: false },
    });
    const stream = await libp2p.dialProtocol(multiaddr(address), PROTOCOL_ID);
    const theirs = new Promise<Hello>((resolve, reject) => {
      const reader = new FrameReader();
      const timer = setTimeout(
        () => reject(new Error('no HELLO from the node within 20 s')),
        20_000,
      );
      const onMessage = (evt: StreamMessageEvent) => {
        for (const ev of reader.push(evt.data)) {
          if (ev.type !== 'frame') continue;
          const decoded = decodeBody(ev.body, d);
          const hello = decoded.ok ? checkHello(decoded.value) : undefined;
          if (hello?.ok) {
            clearTimeout(timer);
            stream.removeEventListener('message', onMessage);
            resolve(hello.value);
            return;
          }
        }
      };
      stream.addEventListener('message', onMessage);
    });
    stream.send(encodeFrame({ kind: 'hello', version: PROTOCOL_VERSION, dimensions: d, cycleMs }));
    const hello = await theirs;
    const peerId = libp2p.peerId.toString();
    this.peers.set(peerId, { libp2p, stream, d });
    return { peerId, hello };
  }

  /**
   * Sends the i-th bad frame of `attack` (its variants in turn); resolves with the variant's name
   * once the stream has taken the bytes, or null when it no longer takes any.
   */
  async send(peerId: string, attack: Attack, i: number, oversizeBytes = 0): Promise<string | null> {
    const p = this.peer(peerId);
    const list = variants(attack, p.d, i, oversizeBytes);
    const [name, bytes] = list[i % list.length]!;
    if (p.stream.writeStatus !== 'writable') return null;
    try {
      if (!p.stream.send(bytes())) await p.stream.onDrain();
    } catch {
      return null;
    }
    return name;
  }

  /**
   * Valid SDMs as fast as the stream takes them (waiting only for its drain, so this peer
   * buffers nothing itself), `frames` of them or until the node cuts the stream.
   */
  async flood(peerId: string, frames: number): Promise<Flooded> {
    const p = this.peer(peerId);
    let sent = 0;
    try {
      while (sent < frames && p.stream.writeStatus === 'writable') {
        const ok = p.stream.send(encodeFrame(sdm(p.d, 1 + sent)));
        sent++;
        if (!ok) await p.stream.onDrain();
      }
    } catch {
      // The node reset the stream under a send or a drain: what it cut off is the point.
    }
    return { sent, streamStatus: p.stream.status };
  }

  state(peerId: string): PeerState {
    const p = this.peer(peerId);
    return {
      streamStatus: p.stream.status,
      connections: p.libp2p.getConnections().filter((c) => c.status === 'open').length,
    };
  }

  /**
   * The same identity dials the node again and asks for the drift protocol: 'refused: <why>' when
   * the dial or the protocol fails, 'open' when the node lets it in.
   */
  async redial(peerId: string, address: string): Promise<string> {
    const p = this.peer(peerId);
    try {
      const stream = await p.libp2p.dialProtocol(multiaddr(address), PROTOCOL_ID, {
        signal: AbortSignal.timeout(15_000),
      });
      stream.abort(new Error('only checking'));
      return 'open';
    } catch (err) {
      return `refused: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    }
  }

  async stopAll(): Promise<void> {
    for (const p of this.peers.values())
      await Promise.resolve(p.libp2p.stop()).catch(() => undefined);
    this.peers.clear();
  }
}
