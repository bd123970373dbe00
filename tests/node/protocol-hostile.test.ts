import type { Stream } from '@libp2p/interface';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Host } from '../../src-main/node/p2p/host';
import { stoppedAfterEach } from '../helpers/hosts';
import {
  DriftProtocol,
  MAX_FRAME_BYTES,
  compactFixedBytes,
  encodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
  type SessionCounters,
} from '../../src-shared/protocol';
import { Frame } from '../../src-shared/protocol/drift';
import { seededRng } from '../../src-shared/random';
import {
  PROTOCOL_ID,
  type EntropyPacket,
  type StateDiffMessage,
} from '../../src-shared/protocol/messages';

/*
 * A hostile peer: a plain libp2p host (no drift protocol) that dials /lvs/drift/1.0.0 itself
 * and writes whatever bytes it likes with the same length-prefix framing. The receiver must stay
 * up, penalise each fault by name, keep serving an honest peer, cut the hostile one off at the
 * threshold and refuse it for the cooldown, with its memory bounded throughout.
 */

const CYCLE_MS = 100;
const { running, host } = stoppedAfterEach();

afterEach(() => {
  vi.useRealTimers();
});

async function drift(h: Host, extra: Partial<ConstructorParameters<typeof DriftProtocol>[0]> = {}) {
  const p = new DriftProtocol({ dimensions: 2, cycleMs: CYCLE_MS, ...extra });
  await p.start(h);
  running.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hello = encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: CYCLE_MS });
const sdm = (cycle: number, fields: Partial<Record<keyof StateDiffMessage, unknown>> = {}) =>
  frameBytes(
    Frame.encode({
      sdm: { shard: 0, state: [1, 2], weight: 0.5, cycle, ...(fields as object) },
    }),
  );

const ep: EntropyPacket = { kind: 'ep', entropy: [0.5, -0.5], timestamp: 0, load: 0 };
/** A compact cycle frame, built by the codec from fields it does not check. */
const cycleBody = (n: number, fields: Partial<StateDiffMessage> = {}, entropy = ep.entropy) =>
  encodeCycleBody(
    { ...ep, entropy },
    { kind: 'sdm', shard: 0, state: [1, 2], weight: 0.5, cycle: n, ...fields },
  );
/** The same with some bytes of its body replaced. */
function patched(body: Uint8Array, at: number, ...bytes: number[]): Uint8Array {
  const out = Uint8Array.from(body);
  out.set(bytes, at);
  return out;
}

/** Every fault the hostile peer sends, and the words the penalty reason must contain. */
function faults(): Array<[string, Uint8Array, string]> {
  const rng = seededRng(99);
  const noise = new Uint8Array(200).map(() => rng.int(256));
  return [
    [
      'oversize',
      frameBytes(new Uint8Array(64 * 1024).fill(0xaa)),
      'frame of 65536 bytes is over the 4096-byte limit',
    ],
    [
      'wrong dimension',
      sdm(2, { state: [1, 2, 3] }),
      'invalid SDM: state must have exactly 2 components',
    ],
    ['NaN state', sdm(3, { state: [1, NaN] }), 'invalid SDM: state.1 must be a finite number'],
    [
      'Infinity entropy',
      frameBytes(encodeBody({ kind: 'ep', entropy: [Infinity, 0], timestamp: 5, load: 0 })),
      'invalid EP: entropy.0 must be a finite number',
    ],
    ['negative weight', sdm(4, { weight: -3 }), 'invalid SDM: weight'],
    [
      'infinite weight',
      sdm(5, { weight: Infinity }),
      'invalid SDM: weight must be a finite number',
    ],
    [
      'negative state',
      sdm(6, { state: [-1, 2] }),
      'invalid SDM: state must have no negative component',
    ],
    ['random bytes', frameBytes(noise), 'frame'],
    [
      'compact frame for d = 3',
      frameBytes(cycleBody(8, { state: [1, 2, 3] }, [0, 0, 0])),
      'undecodable cycle frame: 34 bytes, while d = 2 takes 25 to 32',
    ],
    [
      'compact frame, padded cycle',
      frameBytes(Uint8Array.from([...cycleBody(8).subarray(0, compactFixedBytes(2)), 0x88, 0x00])),
      'its cycle is not a minimal varint ending the frame',
    ],
    [
      'compact frame, NaN in S',
      frameBytes(cycleBody(9, { state: [1, NaN] })),
      'invalid SDM: state.1 must be a finite number',
    ],
    [
      'compact frame, infinite weight',
      frameBytes(cycleBody(10, { weight: Infinity })),
      'invalid SDM: weight must be a finite number',
    ],
    [
      'compact frame, negative weight',
      frameBytes(cycleBody(11, { weight: -0.5 })),
      'invalid SDM: weight must not be negative',
    ],
    [
      'compact frame, entropy byte -128',
      frameBytes(patched(cycleBody(12), 1 + 16 + 4, 0x80)),
      'invalid EP: entropy.0 must be at least -1',
    ],
  ];
}

describe('a hostile peer', () => {
  it('is penalised per fault, cut off at the threshold and denied, while an honest peer flows', async () => {
    const receiverHost = await host();
    const penalties: Array<[string, string]> = [];
    const receiver = await drift(receiverHost, {
      onPenalty: (peer, reason) => penalties.push([peer, reason]),
      badFrameLimit: 16,
      badFrameWindowMs: 10_000,
      denyMs: 60_000,
    });
    const closed: Array<{ peerId: string; reason: string; counters: SessionCounters }> = [];
    receiver.addEventListener('session:close', (e) => closed.push(e.detail));
    const denied = vi.fn();
    receiver.addEventListener('peer:denied', (e) => denied(e.detail.peerId));

    // The honest peer sends one SDM per cycle throughout.
    const honestHost = await host();
    const honest = await drift(honestHost);
    await honestHost.libp2p.dial(receiverHost.addresses()[0]!);
    await vi.waitFor(() => expect(receiver.sessions()).toHaveLength(1));
    let cycle = 0;
    const beat = setInterval(() => {
      honest.broadcast({ kind: 'sdm', shard: 0, state: [5, 5], weight: 1, cycle: ++cycle });
    }, CYCLE_MS);
    running.push({ stop: async () => clearInterval(beat) });

    const evilHost = await host();
    const evil = evilHost.peerId.toString();
    const heapBefore = process.memoryUsage().heapUsed;
    const stream: Stream = await evilHost.libp2p.dialProtocol(
      receiverHost.addresses()[0]!,
      PROTOCOL_ID,
    );
    stream.send(hello);
    const list = faults();
    // One fault at a time, well inside the rate limit: each must be penalised for what it is.
    for (const [i, [, bytes]] of list.entries()) {
      stream.send(bytes);
      await vi.waitFor(() => expect(penalties).toHaveLength(i + 1));
      await sleep(30);
    }
    // A huge but finite claimed weight passes the protocol: the kernel bounds it by wMax.
    stream.send(sdm(7, { weight: 1e300 }));
    await vi.waitFor(() => {
      const s = receiver.sessions().find((x) => x.peerId === evil);
      expect(s?.sdm?.message.weight).toBe(1e300);
    });
    // A compact frame claiming it travels as float32's largest value, which the kernel bounds alike.
    stream.send(frameBytes(cycleBody(13, { weight: 1e300 })));
    await vi.waitFor(() => {
      const s = receiver.sessions().find((x) => x.peerId === evil);
      expect(s?.sdm?.message).toMatchObject({ cycle: 13, weight: 3.4028234663852886e38 });
      expect(s?.ep?.message.entropy).toEqual([64 / 127, -64 / 127]);
    });
    expect(penalties).toHaveLength(list.length);
    list.forEach(([what, , words], i) => {
      expect(penalties[i]?.[0], what).toBe(evil);
      expect(penalties[i]?.[1], what).toContain(words);
    });
    const during = receiver.sessions().find((x) => x.peerId === evil)!;
    expect(during.counters.badFrames).toMatchObject({ oversize: 1, invalid: 10, undecodable: 3 });

    // A flood of valid frames at ten times the rate limit (40 frames/s here): 400 frames/s.
    let flooded = 0;
    for (let t = 0; t < 100 && stream.status === 'open'; t++) {
      for (let k = 0; k < 4 && stream.writeStatus === 'writable'; k++) {
        stream.send(sdm(100 + flooded++));
      }
      await sleep(10);
    }
    await vi.waitFor(() => expect(denied).toHaveBeenCalledWith(evil));
    expect(penalties.some(([, r]) => r.startsWith('over the rate limit of 40 frames/s'))).toBe(
      true,
    );
    expect(penalties).toHaveLength(16);
    await vi.waitFor(() => expect(evilHost.libp2p.getConnections()).toEqual([]));
    const last = closed.find((c) => c.peerId === evil)!;
    expect(last.reason).toBe('disconnected: 16 bad frames within 10000 ms');
    expect(last.counters.maxBufferedBytes).toBeLessThanOrEqual(MAX_FRAME_BYTES + 5);
    expect(last.counters.badFrames.rate).toBeGreaterThan(0);

    // Its redial is refused during the cooldown, and the receiver will not dial it either.
    // The receiver's gater drops the connection as soon as the handshake names the peer, so the
    // protocol cannot even be negotiated.
    const target = receiverHost.addresses()[0]!;
    await expect(evilHost.libp2p.dialProtocol(target, PROTOCOL_ID)).rejects.toThrow();
    const conn = await evilHost.libp2p.dial(target).catch(() => undefined);
    await vi.waitFor(() => expect(conn?.status ?? 'closed').not.toBe('open'));
    expect(receiverHost.libp2p.getConnections(evilHost.peerId)).toEqual([]);
    await expect(receiverHost.libp2p.dial(evilHost.addresses()[0]!)).rejects.toThrow();
    expect(receiver.sessions().map((s) => s.peerId)).toEqual([honestHost.peerId.toString()]);

    // The honest peer never noticed: same session, no bad frame, SDMs still arriving.
    const before = receiver.sessions()[0]!.sdm!.message.cycle;
    await vi.waitFor(() =>
      expect(receiver.sessions()[0]!.sdm!.message.cycle).toBeGreaterThan(before + 2),
    );
    const h = receiver.sessions()[0]!;
    expect(Object.values(h.counters.badFrames).every((n) => n === 0)).toBe(true);
    expect(h.counters.dropped).toEqual({ older: 0, duplicate: 0, backpressure: 0 });
    expect(closed.map((c) => c.peerId)).toEqual([evil]);

    const growth = process.memoryUsage().heapUsed - heapBefore;
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  });

  it('ends only the stream when the bytes cannot be framed, and survives a throwing hook', async () => {
    const receiverHost = await host();
    const reasons: string[] = [];
    const receiver = await drift(receiverHost, {
      onPenalty: (_peer, reason) => {
        reasons.push(reason);
        throw new Error('a hook that throws');
      },
    });
    const evilHost = await host();
    const stream = await evilHost.libp2p.dialProtocol(receiverHost.addresses()[0]!, PROTOCOL_ID);
    // A frame before HELLO, then (on a new stream) a length prefix that never ends.
    stream.send(sdm(1));
    await vi.waitFor(() => expect(reasons).toEqual(['an SDM came before HELLO']));
    await vi.waitFor(() => expect(stream.status).not.toBe('open'));
    const again = await evilHost.libp2p.dialProtocol(receiverHost.addresses()[0]!, PROTOCOL_ID);
    again.send(hello);
    again.send(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    await vi.waitFor(() => expect(reasons).toContain('length prefix is longer than 5 bytes'));
    await vi.waitFor(() => expect(again.status).not.toBe('open'));
    expect(receiver.sessions()).toEqual([]);
    // Still serving: an honest peer gets a session.
    const honestHost = await host();
    await drift(honestHost);
    await honestHost.libp2p.dial(receiverHost.addresses()[0]!);
    await vi.waitFor(() =>
      expect(receiver.sessions().map((s) => s.hello?.dimensions)).toEqual([2]),
    );
  });
});
