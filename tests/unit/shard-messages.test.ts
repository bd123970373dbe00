import { describe, expect, it } from 'vitest';
import {
  decodeBody,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
} from '../../src-shared/protocol/codec';
import { Frame } from '../../src-shared/protocol/drift';
import {
  checkDriftMessage,
  checkHello,
  helloMismatch,
  type Hello,
} from '../../src-shared/protocol/messages';

/*
 * The checks a peer's frames meet with K > 1 (docs/protocol.md, "Shards (K > 1)"), each refusal
 * with its reason; and K = 1 frames byte for byte as before shards, against bytes written here
 * from drift.proto's field numbers and the compact layout's table, not from the encoder.
 */

// d = 10, K = 4: shard k is components [floor(10k / 4), floor(10(k + 1) / 4)), so the shards
// start at 0, 2, 5, 7 and their widths are 2, 3, 2, 3.
const D = 10;
const K = 4;
const sdm = (shard: number, width: number, fields: object = {}) => ({
  kind: 'sdm',
  shard,
  state: Array.from({ length: width }, (_, i) => 1 + i),
  weight: 0.5,
  cycle: 7,
  ...fields,
});

function reasonOf(v: { ok: boolean; reason?: string }): string {
  expect(v.ok).toBe(false);
  expect(v.reason).not.toContain('\n');
  return v.reason ?? '';
}

describe('an SDM under K > 1', () => {
  it.each([
    [0, 2],
    [1, 3],
    [2, 2],
    [3, 3],
  ])('is accepted for shard %i with its width of %i components', (shard, width) => {
    expect(checkDriftMessage(sdm(shard, width), D, K).ok).toBe(true);
  });

  it.each([
    ['a shard index equal to K', sdm(4, 2), 'shard must be a shard below 4'],
    ['a shard index far above K', sdm(63, 2), 'shard must be a shard below 4'],
    ['shard 0 with shard 1’s width', sdm(0, 3), "state must have exactly its shard's width"],
    ['shard 1 with shard 0’s width', sdm(1, 2), "state must have exactly its shard's width"],
    ['the whole state', sdm(1, D), "state must have exactly its shard's width"],
    ['NaN in the state', sdm(1, 3, { state: [1, NaN, 2] }), 'state.1 must be a finite number'],
    ['a negative component', sdm(2, 2, { state: [1, -0.5] }), 'state must have no negative'],
    ['a negative weight', sdm(0, 2, { weight: -1 }), 'weight must not be negative'],
    ['a NaN weight', sdm(0, 2, { weight: NaN }), 'weight must be a finite number'],
  ])('is refused with %s', (_what, frame, words) => {
    expect(reasonOf(checkDriftMessage(frame, D, K))).toContain(words);
  });

  it('keeps K = 1 to shard 0 and the whole state', () => {
    expect(checkDriftMessage(sdm(0, D), D, 1).ok).toBe(true);
    expect(reasonOf(checkDriftMessage(sdm(1, D), D, 1))).toContain('shard must be 0');
    expect(reasonOf(checkDriftMessage(sdm(0, 2), D, 1))).toContain(
      'state must have exactly 10 components',
    );
  });

  it('refuses the halves of a compact cycle frame: its SDM carries the whole state', () => {
    // A compact frame decodes to shard 0 with d components, which no shard has when K > 1.
    const body = encodeCycleBody(
      { kind: 'ep', entropy: new Array(D).fill(0), timestamp: 0, load: 0 },
      { kind: 'sdm', shard: 0, state: new Array(D).fill(1), weight: 1, cycle: 3 },
    );
    const decoded = decodeBody(body, D);
    expect(decoded.ok).toBe(true);
    const cycle = (decoded as { value: { sdm: unknown } }).value.sdm;
    expect(reasonOf(checkDriftMessage(cycle, D, K))).toContain("its shard's width");
  });
});

describe('a HELLO with shards', () => {
  const hello: Hello = { kind: 'hello', version: 1, dimensions: D, cycleMs: 1000, shards: K };

  it('is accepted with distinct holds below K, in any order', () => {
    expect(checkHello({ ...hello, holds: [3, 0, 2] }).ok).toBe(true);
    expect(checkHello({ ...hello, holds: [] }).ok).toBe(true);
  });

  it.each([
    ['a shard held twice', [1, 1], 'holds must name distinct shards below shards'],
    ['a shard equal to K', [0, 4], 'holds must name distinct shards below shards'],
    ['shard 1 without shards (K = 1)', [1], 'holds must name distinct shards below shards'],
    ['65 entries', Array.from({ length: 65 }, (_, i) => i % 63), 'holds'],
    ['a negative shard', [-1], 'holds.0'],
  ])('is refused with %s', (what, holds, words) => {
    const h = what.includes('K = 1') ? { ...hello, shards: undefined } : hello;
    const reason = reasonOf(checkHello({ ...h, holds }));
    expect(reason).toContain(words);
    // The field's name starts the reason once ("holds holds must ..." was a slip).
    expect(reason).not.toMatch(/\b(\w+) \1\b/);
  });

  it('with another K is refused like one of another dimension', () => {
    expect(helloMismatch(hello, { ...hello, shards: 2 })).toBe(
      'peer splits the state into 2 shard(s), this node into 4',
    );
    // A HELLO from before shards (no field 4) is K = 1.
    const old: Hello = { kind: 'hello', version: 1, dimensions: D, cycleMs: 1000 };
    expect(helloMismatch(hello, old)).toBe(
      'peer splits the state into 1 shard(s), this node into 4',
    );
    expect(helloMismatch(old, { ...old, shards: 1 })).toBeNull();
    expect(helloMismatch(hello, { ...hello, holds: [1], cycleMs: 250 })).toBeNull();
  });

  it('with over 64 holds is not even decoded (the repeated-field limit)', () => {
    const body = Frame.encode({
      hello: {
        version: 1,
        dimensions: D,
        cycleMs: 1000,
        shards: K,
        holds: Array.from({ length: 65 }, () => 0),
      },
    });
    const decoded = decodeBody(body, D);
    expect(decoded.ok).toBe(false);
    expect(decoded.ok ? '' : decoded.reason).toContain('undecodable frame');
  });

  it.each([
    [0, 'maxShards must be in 1..4, the shards the state is split into (got 0)'],
    [5, 'maxShards must be in 1..4, the shards the state is split into (got 5)'],
    [1.5, 'maxShards'],
  ])('is refused with maxShards %s', (maxShards, words) => {
    expect(reasonOf(checkHello({ ...hello, maxShards }))).toContain(words);
  });

  it('is accepted with maxShards in 1..K, and with K = 1 only 1', () => {
    for (const maxShards of [1, 2, 4]) expect(checkHello({ ...hello, maxShards }).ok).toBe(true);
    const one: Hello = { kind: 'hello', version: 1, dimensions: D, cycleMs: 1000 };
    expect(checkHello({ ...one, maxShards: 1 }).ok).toBe(true);
    expect(reasonOf(checkHello({ ...one, maxShards: 2 }))).toContain('must be in 1..1');
  });

  it('with K = 1 leaves field 6 out: the HELLO of before shards, whatever the cap', () => {
    const plain: Hello = { kind: 'hello', version: 1, dimensions: 2, cycleMs: 1000 };
    const before = [...encodeFrame(plain)];
    expect([...encodeFrame({ ...plain, maxShards: 1 })]).toEqual(before);
    expect([...encodeFrame({ ...plain, shards: 1, maxShards: 1 })]).toEqual(before);
  });

  it('carries maxShards as field 6 (tag 0x30) and reads it back', () => {
    const h = { ...hello, holds: [1], maxShards: 3 };
    const bytes = [...encodeFrame(h)];
    // Hello { shards (4) = 4: 0x20 0x04, holds (5) = [1]: 0x28 0x01, max_shards (6) = 3: 0x30 0x03 }
    expect(bytes.slice(-6)).toEqual([0x20, 0x04, 0x28, 0x01, 0x30, 0x03]);
    expect(decodeBody(Uint8Array.from(bytes.slice(1)), D)).toEqual({ ok: true, value: h });
  });

  it('travels with its shards and holds and reads back equal', () => {
    const h = { ...hello, holds: [0, 3] };
    const bytes = encodeFrame(h);
    const decoded = decodeBody(bytes.subarray(1), D);
    expect(decoded).toEqual({ ok: true, value: h });
  });
});

describe('K = 1 on the wire, byte for byte as before shards', () => {
  it('writes the HELLO without fields 4 and 5, even when told shards = 1', () => {
    // Frame { hello (field 1, length-delimited) = Hello { version (1) = 1, dimensions (2) = 2,
    // cycle_ms (3) = 1000 } }: tags 0x08, 0x10, 0x18 (varint fields 1-3), 1000 = 0xe8 0x07;
    // the Hello is 7 bytes, under tag 0x0a; the body is 9 bytes, after its prefix 0x09. Ten
    // bytes in all, docs/protocol.md's table.
    const expected = [0x09, 0x0a, 0x07, 0x08, 0x01, 0x10, 0x02, 0x18, 0xe8, 0x07];
    const plain: Hello = { kind: 'hello', version: 1, dimensions: 2, cycleMs: 1000 };
    expect([...encodeFrame(plain)]).toEqual(expected);
    expect([...encodeFrame({ ...plain, shards: 1 })]).toEqual(expected);
    expect([...encodeFrame({ ...plain, shards: 1, holds: [0] })]).toEqual(expected);
    // And it reads back without shards, as a HELLO from before them.
    expect(decodeBody(Uint8Array.from(expected.slice(1)), 2)).toEqual({ ok: true, value: plain });
  });

  it('writes the compact cycle frame of docs/protocol.md’s layout', () => {
    // S = [1.5, 2] as float64 LE, weight 0.5 as float32 LE, entropy [0.5, -1] as int8 of
    // round(127 F) = 64 (63.5 rounds up), -127 = 0x81; load 0.2 as round(255 * 0.2) = 51 = 0x33;
    // cycle 300 = 0b10_0101100 as LEB128 0xac 0x02. Body 1 + 16 + 4 + 2 + 1 + 2 = 26 = 0x1a.
    const expected = [
      0x1a,
      0x00,
      ...[0, 0, 0, 0, 0, 0, 0xf8, 0x3f],
      ...[0, 0, 0, 0, 0, 0, 0x00, 0x40],
      ...[0, 0, 0, 0x3f],
      0x40,
      0x81,
      0x33,
      0xac,
      0x02,
    ];
    const body = encodeCycleBody(
      { kind: 'ep', entropy: [0.5, -1], timestamp: 0, load: 0.2 },
      { kind: 'sdm', shard: 0, state: [1.5, 2], weight: 0.5, cycle: 300 },
    );
    expect([...frameBytes(body)]).toEqual(expected);
  });
});
