import { describe, expect, it } from 'vitest';
import { Uint8ArrayList } from 'uint8arraylist';
import {
  MAX_FRAME_BYTES,
  decodeBody,
  encodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from '../../src-main/node/protocol/codec';
import { Frame } from '../../src-main/node/protocol/drift';
import { FrameReader, type ReadEvent } from '../../src-main/node/protocol/frame-reader';
import { PenaltyBook, PeerRecord, TokenBucket } from '../../src-main/node/protocol/session';
import type { EntropyPacket, Hello, StateDiffMessage } from '../../src-shared/protocol/messages';

const hello: Hello = { kind: 'hello', version: 1, dimensions: 2, cycleMs: 1000 };
const sdm: StateDiffMessage = { kind: 'sdm', shard: 0, state: [1.5, 2], weight: 0.5, cycle: 7 };
const ep: EntropyPacket = {
  kind: 'ep',
  entropy: [0.1, -0.2],
  timestamp: 1_700_000_000_000,
  load: 0.3,
};

function all(reader: FrameReader, ...chunks: Array<Uint8Array | Uint8ArrayList>): ReadEvent[] {
  return chunks.flatMap((c) => [...reader.push(c)]);
}

describe('the wire codec', () => {
  it('round-trip every message kind', () => {
    for (const m of [hello, sdm, ep]) {
      const frame = encodeFrame(m);
      const [ev] = all(new FrameReader(), frame);
      expect(ev?.type).toBe('frame');
      if (ev?.type === 'frame') expect(decodeBody(ev.body)).toEqual({ ok: true, message: m });
    }
  });

  it("carry a cycle's EP and SDM in one frame, and refuse a cycle frame missing either", () => {
    const frame = frameBytes(encodeCycleBody(ep, sdm));
    expect(decodeBody(encodeCycleBody(ep, sdm))).toEqual({
      ok: true,
      message: { kind: 'cycle', ep, sdm },
    });
    // The wrapper costs a tag and a length and saves one prefix: one byte more than two frames.
    // The saving is below: one Yamux header and one Noise length and tag instead of two.
    expect(frame.byteLength).toBe(encodeFrame(ep).byteLength + encodeFrame(sdm).byteLength + 1);
    const half = Frame.encode({ cycle: { sdm: { shard: 0, state: [1, 2], weight: 1, cycle: 1 } } });
    expect(decodeBody(half)).toMatchObject({ ok: false, category: 'empty' });
  });

  it('measure the bytes per frame on the wire (d = 2 and d = 64)', () => {
    // Repeated doubles are written unpacked by protons: 9 bytes per component.
    expect(encodeFrame(hello).byteLength).toBe(10);
    expect(encodeFrame(sdm).byteLength).toBe(32);
    expect(encodeFrame({ ...sdm, cycle: 100_000 }).byteLength).toBe(34);
    expect(encodeFrame(ep).byteLength).toBe(39);
    const big = { ...sdm, state: new Array<number>(64).fill(1), cycle: 2 ** 40 };
    expect(encodeFrame(big).byteLength).toBe(597);
    expect(597).toBeLessThan(MAX_FRAME_BYTES / 6);
  });

  it('keep NaN and Infinity as sent, for the checks to refuse', () => {
    const body = encodeBody({ ...sdm, state: [NaN, Infinity], weight: -Infinity });
    const d = decodeBody(body);
    expect(d.ok && (d.message as StateDiffMessage).state).toEqual([NaN, Infinity]);
  });

  it('name what is wrong with a body it cannot use', () => {
    expect(decodeBody(new Uint8Array(0))).toMatchObject({ ok: false, category: 'empty' });
    expect(decodeBody(Uint8Array.of(0xff, 0xff, 0xff))).toMatchObject({
      ok: false,
      category: 'undecodable',
    });
    // A nested message whose length runs past the end of the frame.
    expect(decodeBody(Uint8Array.of(0x1a, 0x40, 0x01))).toMatchObject({
      ok: false,
      category: 'undecodable',
    });
    // More state components than any dimension allows.
    const many = Frame.encode({
      sdm: { shard: 0, state: new Array(65).fill(1), weight: 1, cycle: 1 },
    });
    expect(decodeBody(many)).toMatchObject({ ok: false, category: 'undecodable' });
  });
});

describe('the frame reader', () => {
  it('reassemble frames split anywhere, and several in one chunk', () => {
    const bytes = new Uint8Array([...encodeFrame(sdm), ...encodeFrame(ep), ...encodeFrame(hello)]);
    for (let cut = 1; cut < bytes.byteLength; cut++) {
      const list = new Uint8ArrayList(bytes.subarray(0, cut));
      const events = all(new FrameReader(), list, bytes.subarray(cut));
      expect(events.map((e) => e.type)).toEqual(['frame', 'frame', 'frame']);
    }
    const bytewise = all(new FrameReader(), ...[...bytes].map((b) => Uint8Array.of(b)));
    expect(bytewise).toHaveLength(3);
  });

  it('report an oversize frame from its prefix and skip it without keeping it', () => {
    const reader = new FrameReader();
    const huge = frameBytes(new Uint8Array(64 * 1024).fill(7));
    const events = all(reader, huge.subarray(0, 1000), huge.subarray(1000), encodeFrame(sdm));
    expect(events.map((e) => e.type)).toEqual(['oversize', 'frame']);
    expect(events[0]).toEqual({ type: 'oversize', length: 64 * 1024 });
    expect(reader.highWater).toBeLessThanOrEqual(MAX_FRAME_BYTES + 5);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('hold at most one frame while it trickles in', () => {
    const reader = new FrameReader();
    const frame = frameBytes(new Uint8Array(MAX_FRAME_BYTES));
    for (let i = 0; i < frame.byteLength; i += 100) all(reader, frame.subarray(i, i + 100));
    expect(reader.highWater).toBe(MAX_FRAME_BYTES);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('give up on a prefix that is not a 32-bit varint, or too long to skip', () => {
    const r1 = new FrameReader();
    expect(all(r1, Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 1), encodeFrame(sdm))).toEqual([
      { type: 'fatal', reason: 'length prefix is longer than 5 bytes' },
    ]);
    const r2 = new FrameReader();
    const [ev] = all(r2, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
    expect(ev).toMatchObject({ type: 'fatal' });
    expect(ev?.type === 'fatal' && ev.reason).toContain('too long to skip');
  });
});

describe('per-peer bookkeeping', () => {
  it('keep the newest SDM by cycle; drop older and duplicate cycles', () => {
    const r = new PeerRecord();
    expect(r.offerSdm({ ...sdm, cycle: 5 }, 0)).toBe('kept');
    expect(r.offerSdm({ ...sdm, cycle: 7 }, 1)).toBe('kept');
    expect(r.offerSdm({ ...sdm, cycle: 6 }, 2)).toBe('older');
    expect(r.offerSdm({ ...sdm, cycle: 7 }, 3)).toBe('duplicate');
    expect(r.sdm).toEqual({ message: { ...sdm, cycle: 7 }, receivedAt: 1 });
    expect(r.counters.dropped).toMatchObject({ older: 1, duplicate: 1 });
    expect(r.offerEp(ep, 0)).toBe('kept');
    expect(r.offerEp({ ...ep, timestamp: ep.timestamp - 1 }, 1)).toBe('older');
    expect(r.offerEp(ep, 1)).toBe('duplicate');
  });

  it('let an SDM go stale after three cycles (the longer of ours and the peer’s)', () => {
    const r = new PeerRecord();
    r.offerSdm(sdm, 1000);
    expect(r.freshSdm(1000 + 300, 100, 3)).toEqual(sdm);
    expect(r.freshSdm(1000 + 301, 100, 3)).toBeUndefined();
    r.hello = { ...hello, cycleMs: 400 };
    expect(r.freshSdm(1000 + 1200, 100, 3)).toEqual(sdm);
    expect(r.freshSdm(1000 + 1201, 100, 3)).toBeUndefined();
  });

  it('refill the token bucket with time, up to its depth', () => {
    const b = new TokenBucket(4 / 1000, 8, 0);
    let taken = 0;
    for (let i = 0; i < 20; i++) if (b.take(0)) taken++;
    expect(taken).toBe(8);
    expect(b.take(200)).toBe(false);
    expect(b.take(250)).toBe(true);
    let later = 0;
    for (let i = 0; i < 20; i++) if (b.take(10_000)) later++;
    expect(later).toBe(8);
  });

  it('count bad frames within the window only', () => {
    const book = new PenaltyBook(3, 1000);
    expect(book.record('P', 0)).toBe(false);
    expect(book.record('P', 100)).toBe(false);
    expect(book.record('P', 1500)).toBe(false);
    expect(book.record('P', 1600)).toBe(false);
    expect(book.record('P', 1700)).toBe(true);
    expect(book.record('Q', 1700)).toBe(false);
  });
});
