import { describe, expect, it } from 'vitest';
import { Uint8ArrayList } from 'uint8arraylist';
import {
  COMPACT_CYCLE,
  MAX_FRAME_BYTES,
  compactFixedBytes,
  decodeBody,
  encodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from '../../src-shared/protocol/codec';
import { Frame } from '../../src-shared/protocol/drift';
import { FrameReader, type ReadEvent } from '../../src-shared/protocol/frame-reader';
import { PenaltyBook, PeerRecord, TokenBucket } from '../../src-shared/protocol/session';
import { driftCoefficient, entropyVariance } from '../../src-shared/drift/coefficient';
import {
  checkDriftMessage,
  type EntropyPacket,
  type Hello,
  type StateDiffMessage,
} from '../../src-shared/protocol/messages';
import { seededRng } from '../../src-shared/random';

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
      if (ev?.type === 'frame') expect(decodeBody(ev.body, 2)).toEqual({ ok: true, value: m });
    }
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
    // A cycle's EP and SDM in one compact frame: 1 + 8d + 4 + d + 1 bytes and the cycle's varint.
    const cycleFrame = (d: number, cycle: number) =>
      frameBytes(
        encodeCycleBody(
          { ...ep, entropy: new Array<number>(d).fill(0.5) },
          { ...sdm, state: new Array<number>(d).fill(1), cycle },
        ),
      ).byteLength;
    expect(cycleFrame(2, 7)).toBe(1 + 24 + 1);
    expect(cycleFrame(2, 100_000)).toBe(1 + 24 + 3);
    expect(cycleFrame(2, 2 ** 21)).toBe(1 + 24 + 4);
    expect(cycleFrame(2, Number.MAX_SAFE_INTEGER)).toBe(1 + 24 + 8);
    expect(cycleFrame(64, 2 ** 40)).toBe(2 + 1 + 512 + 4 + 64 + 1 + 6);
  });

  it('keep NaN and Infinity as sent, for the checks to refuse', () => {
    const body = encodeBody({ ...sdm, state: [NaN, Infinity], weight: -Infinity });
    const d = decodeBody(body, 2);
    expect(d.ok && (d.value as StateDiffMessage).state).toEqual([NaN, Infinity]);
  });

  it('name what is wrong with a body it cannot use', () => {
    expect(decodeBody(new Uint8Array(0), 2)).toMatchObject({ ok: false, category: 'empty' });
    expect(decodeBody(Uint8Array.of(0xff, 0xff, 0xff), 2)).toMatchObject({
      ok: false,
      category: 'undecodable',
    });
    // A nested message whose length runs past the end of the frame.
    expect(decodeBody(Uint8Array.of(0x1a, 0x40, 0x01), 2)).toMatchObject({
      ok: false,
      category: 'undecodable',
    });
    // More state components than any dimension allows.
    const many = Frame.encode({
      sdm: { shard: 0, state: new Array(65).fill(1), weight: 1, cycle: 1 },
    });
    expect(decodeBody(many, 2)).toMatchObject({ ok: false, category: 'undecodable' });
    // The retired protobuf cycle frame (field 4) carries nothing any more.
    expect(decodeBody(Uint8Array.of(0x22, 0x00), 2)).toMatchObject({
      ok: false,
      category: 'empty',
    });
  });
});

interface DecodedCycle {
  kind: 'cycle';
  ep: { kind: 'ep'; entropy: number[]; load: number };
  sdm: StateDiffMessage;
}

/** A compact cycle body decoded for dimension d, or why it was refused. */
function compact(
  body: Uint8Array,
  d = 2,
): DecodedCycle | { kind: 'refused'; category: string; reason: string } {
  const r = decodeBody(body, d);
  if (!r.ok) return { kind: 'refused', category: r.category, reason: r.reason };
  return r.value as DecodedCycle;
}

describe('the compact cycle frame', () => {
  it('start with a byte no protobuf frame starts with', () => {
    expect(encodeCycleBody(ep, sdm)[0]).toBe(COMPACT_CYCLE);
    for (const m of [hello, ep, sdm, { ...sdm, shard: 0, state: [0, 0], weight: 0, cycle: 0 }])
      expect(encodeBody(m as StateDiffMessage)[0]).not.toBe(COMPACT_CYCLE);
  });

  it('carry S exactly, the weight as float32, entropy to 1/127 and load to 1/255 (seeded)', () => {
    const rng = seededRng(20261121);
    const awkward = [0, 0.1 + 0.2, 1e-300, 5e-324, Number.MAX_VALUE, 123456.789, 2 ** 60 + 2048];
    const cycles = [0, 1, 127, 128, 16_383, 16_384, 100_000, 2 ** 21, 2 ** 40, 2 ** 53 - 1];
    for (const d of [1, 2, 3, 64]) {
      for (let k = 0; k < 200; k++) {
        const state = Array.from({ length: d }, (_, c) =>
          k % 3 === 0 ? awkward[(k + c) % awkward.length]! : rng.float() * 10 ** rng.int(12),
        );
        const e = Array.from({ length: d }, () => rng.normal());
        const norm = Math.hypot(...e);
        const load = rng.float();
        const entropy = e.map((x) => (x / Math.max(1, norm)) * (1 - load));
        const weight = rng.float() * 4;
        const cycle = cycles[k % cycles.length]!;
        const body = encodeCycleBody(
          { kind: 'ep', entropy, timestamp: 1, load },
          { kind: 'sdm', shard: 0, state, weight, cycle },
        );
        expect(body.byteLength - compactFixedBytes(d)).toBeGreaterThanOrEqual(1);
        const got = compact(body, d);
        expect(got.kind).toBe('cycle');
        if (got.kind !== 'cycle') continue;
        expect(got.sdm).toEqual({
          kind: 'sdm',
          shard: 0,
          state,
          weight: Math.fround(weight),
          cycle,
        });
        for (let c = 0; c < d; c++) {
          expect(Object.is(got.sdm.state[c], state[c])).toBe(true);
          expect(Math.abs(got.ep.entropy[c]! - entropy[c]!)).toBeLessThanOrEqual(1 / 254 + 1e-15);
        }
        expect(Math.abs(got.ep.load - load)).toBeLessThanOrEqual(1 / 510 + 1e-15);
        expect(Math.abs(got.sdm.weight - weight)).toBeLessThanOrEqual(weight * 2 ** -24);
      }
    }
  });

  it('move the drift coefficient a receiver computes by a fraction of a percent (seeded)', () => {
    const rng = seededRng(7);
    let worst = 0;
    let total = 0;
    const trials = 500;
    for (let trial = 0; trial < trials; trial++) {
      const eps = Array.from({ length: 8 }, () => {
        const e = [rng.normal(), rng.normal()];
        const n = Math.max(1, Math.hypot(...e));
        return e.map((x) => x / n);
      });
      const sent = eps.map((entropy) => {
        const got = compact(encodeCycleBody({ ...ep, entropy, load: 0 }, sdm));
        return got.kind === 'cycle' ? got.ep.entropy : [NaN, NaN];
      });
      const exact = driftCoefficient(
        3,
        0.9,
        entropyVariance(8, 2, (k, c) => eps[k]![c]!),
        4,
      );
      const wire = driftCoefficient(
        3,
        0.9,
        entropyVariance(8, 2, (k, c) => sent[k]![c]!),
        4,
      );
      const rel = Math.abs(wire - exact) / exact;
      worst = Math.max(worst, rel);
      total += rel;
    }
    // Measured with this seed: 0.2% at worst, 0.04% on average (docs/protocol.md).
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(3e-3);
    expect(total / trials).toBeLessThan(6e-4);
  });

  it('send a weight beyond float32 as its largest value, and keep NaN and Infinity for the checks', () => {
    const huge = compact(encodeCycleBody(ep, { ...sdm, weight: 1e300 }));
    expect(huge.kind === 'cycle' && huge.sdm.weight).toBe(3.4028234663852886e38);
    const bad = compact(encodeCycleBody(ep, { ...sdm, state: [NaN, -Infinity], weight: Infinity }));
    expect(bad.kind === 'cycle' && bad.sdm).toMatchObject({
      state: [NaN, -Infinity],
      weight: Infinity,
    });
    const nan = compact(encodeCycleBody(ep, { ...sdm, weight: NaN }));
    expect(nan.kind === 'cycle' && nan.sdm.weight).toBeNaN();
    const negative = compact(encodeCycleBody(ep, { ...sdm, weight: -2 }));
    expect(negative.kind === 'cycle' && negative.sdm.weight).toBe(-2);
    // Every one of those reaches checkDriftMessage, which refuses it.
    for (const got of [bad, nan, negative])
      expect(got.kind === 'cycle' && checkDriftMessage(got.sdm, 2).ok).toBe(false);
  });

  it('decode every load byte into [0, 1], and entropy byte -128 (never sent) out of range', () => {
    const body = encodeCycleBody(ep, sdm);
    const loadAt = compactFixedBytes(2) - 1;
    for (let b = 0; b < 256; b++) {
      body[loadAt] = b;
      const got = compact(body);
      expect(got.kind === 'cycle' && got.ep.load).toBe(b / 255);
    }
    body[loadAt - 2] = 0x80;
    const got = compact(body);
    expect(got.kind === 'cycle' && got.ep.entropy[0]).toBeLessThan(-1);
    const v = got.kind === 'cycle' && checkDriftMessage({ ...got.ep, timestamp: 1 }, 2);
    expect(v && !v.ok && v.reason).toBe('entropy.0 must be at least -1');
  });

  it('refuse a length that does not fit the session’s d, and a cycle that is no minimal varint', () => {
    const two = encodeCycleBody(ep, { ...sdm, cycle: 300 }); // varint 0xac 0x02
    const three = encodeCycleBody(
      { ...ep, entropy: [0.1, 0.2, 0.3] },
      { ...sdm, state: [1, 2, 3], cycle: 300 },
    );
    const undecodable = { kind: 'refused', category: 'undecodable' };
    expect(compact(two, 3)).toMatchObject(undecodable);
    expect(compact(three, 2)).toMatchObject(undecodable);
    expect(compact(three, 3)).toMatchObject({ kind: 'cycle' });
    expect(compact(two.subarray(0, compactFixedBytes(2)))).toMatchObject(undecodable);
    expect(compact(Uint8Array.of(COMPACT_CYCLE))).toMatchObject(undecodable);
    const withCycle = (...varint: number[]) =>
      Uint8Array.from([...two.subarray(0, compactFixedBytes(2)), ...varint]);
    expect(compact(withCycle(0xac, 0x02))).toMatchObject({ kind: 'cycle', sdm: { cycle: 300 } });
    // The same number padded, a last byte that promises more, nine bytes, two cycles.
    for (const varint of [
      [0xac, 0x82, 0x00],
      [0x80, 0x00],
      [0xac],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
      [0x05, 0x05],
    ]) {
      const r = compact(withCycle(...varint));
      expect(r, JSON.stringify(varint)).toMatchObject(undecodable);
      expect(r.kind === 'refused' && r.reason).toMatch(/cycle frame/);
    }
    // Eight bytes hold up to 2^56 - 1: the decoder reads it, the check refuses it over 2^53 - 1.
    const over = compact(withCycle(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10));
    expect(over.kind === 'cycle' && over.sdm.cycle).toBe(2 ** 53);
    expect(over.kind === 'cycle' && checkDriftMessage(over.sdm, 2).ok).toBe(false);
  });

  it('refuse to encode an EP and an SDM of different dimensions, or a cycle that is no integer', () => {
    expect(() => encodeCycleBody({ ...ep, entropy: [0] }, sdm)).toThrow(RangeError);
    expect(() => encodeCycleBody(ep, { ...sdm, cycle: 1.5 })).toThrow(RangeError);
    expect(() => encodeCycleBody(ep, { ...sdm, cycle: 2 ** 53 })).toThrow(RangeError);
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

  it('keep a cycle frame’s EP with its SDM, by cycle, stamped with its arrival', () => {
    const r = new PeerRecord();
    const at = (t: number, entropy: number[]) => ({ ...ep, entropy, timestamp: t });
    expect(r.offerCycle(at(10, [0.5, 0]), { ...sdm, cycle: 5 }, 10)).toBe('kept');
    expect(r.offerCycle(at(20, [0.1, 0]), { ...sdm, cycle: 4 }, 20)).toBe('older');
    expect(r.offerCycle(at(30, [0.2, 0]), { ...sdm, cycle: 5 }, 30)).toBe('duplicate');
    expect(r.ep).toEqual({ message: at(10, [0.5, 0]), receivedAt: 10 });
    expect(r.sdm).toEqual({ message: { ...sdm, cycle: 5 }, receivedAt: 10 });
    // Each refused frame counts for both its halves, as two lone frames would.
    expect(r.counters.dropped).toMatchObject({ older: 2, duplicate: 2 });
    expect(r.offerCycle(at(40, [0, 1]), { ...sdm, cycle: 6 }, 40)).toBe('kept');
    expect(r.ep?.message.entropy).toEqual([0, 1]);
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
