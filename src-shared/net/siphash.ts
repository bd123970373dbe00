/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash: without the 16-byte key nobody can
 * tell which bucket an address lands in, so an attacker cannot craft addresses that all collide
 * into (or avoid) chosen buckets. Written over 32-bit halves because JavaScript has no fast
 * 64-bit integers (BigInt is about a hundred times slower here).
 */

/** The 64-bit state words v0..v3 as [hi, lo] pairs, in one buffer reused by every call. */
const v = new Uint32Array(8);
const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

function add(a: number, b: number): void {
  const lo = v[a + 1]! + v[b + 1]!;
  v[a] = (v[a]! + v[b]! + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  v[a + 1] = lo >>> 0;
}

function rotl(a: number, n: number): void {
  const hi = v[a]!;
  const lo = v[a + 1]!;
  if (n === 32) {
    v[a] = lo;
    v[a + 1] = hi;
  } else if (n < 32) {
    v[a] = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    v[a + 1] = ((lo << n) | (hi >>> (32 - n))) >>> 0;
  } else {
    const m = n - 32;
    v[a] = ((lo << m) | (hi >>> (32 - m))) >>> 0;
    v[a + 1] = ((hi << m) | (lo >>> (32 - m))) >>> 0;
  }
}

function xor(a: number, b: number): void {
  v[a] = (v[a]! ^ v[b]!) >>> 0;
  v[a + 1] = (v[a + 1]! ^ v[b + 1]!) >>> 0;
}

function round(): void {
  add(V0, V1);
  rotl(V1, 13);
  xor(V1, V0);
  rotl(V0, 32);
  add(V2, V3);
  rotl(V3, 16);
  xor(V3, V2);
  add(V0, V3);
  rotl(V3, 21);
  xor(V3, V0);
  add(V2, V1);
  rotl(V1, 17);
  xor(V1, V2);
  rotl(V2, 32);
}

/** Little-endian 32-bit word of `bytes` at `at`, zero past the end. */
function word(bytes: Uint8Array, at: number, end: number): number {
  let w = 0;
  for (let k = 3; k >= 0; k--) w = (w << 8) | (at + k < end ? bytes[at + k]! : 0);
  return w >>> 0;
}

function compress(mHi: number, mLo: number): void {
  v[V3] = (v[V3]! ^ mHi) >>> 0;
  v[V3 + 1] = (v[V3 + 1]! ^ mLo) >>> 0;
  round();
  round();
  v[V0] = (v[V0]! ^ mHi) >>> 0;
  v[V0 + 1] = (v[V0 + 1]! ^ mLo) >>> 0;
}

/** A SipHash key: the four 32-bit words of 16 bytes, read once. */
export interface SipKey {
  readonly k0hi: number;
  readonly k0lo: number;
  readonly k1hi: number;
  readonly k1lo: number;
}

/** Reads a 16-byte key. Throws a RangeError for any other length. */
export function sipKey(key: Uint8Array): SipKey {
  if (!(key instanceof Uint8Array) || key.length !== 16)
    throw new RangeError(`a SipHash key is 16 bytes (got ${key?.length ?? 'none'})`);
  return {
    k0lo: word(key, 0, 16),
    k0hi: word(key, 4, 16),
    k1lo: word(key, 8, 16),
    k1hi: word(key, 12, 16),
  };
}

/**
 * SipHash-2-4 of `bytes[0 .. length)` under `key`, as [hi, lo] 32-bit halves of the 64-bit result
 * (written into `out`, which is returned).
 */
export function sipHash(
  key: SipKey,
  bytes: Uint8Array,
  length = bytes.length,
  out: [number, number] = [0, 0],
): [number, number] {
  // "somepseudorandomlygeneratedbytes", the initial state of the reference implementation.
  v[V0] = (key.k0hi ^ 0x736f6d65) >>> 0;
  v[V0 + 1] = (key.k0lo ^ 0x70736575) >>> 0;
  v[V1] = (key.k1hi ^ 0x646f7261) >>> 0;
  v[V1 + 1] = (key.k1lo ^ 0x6e646f6d) >>> 0;
  v[V2] = (key.k0hi ^ 0x6c796765) >>> 0;
  v[V2 + 1] = (key.k0lo ^ 0x6e657261) >>> 0;
  v[V3] = (key.k1hi ^ 0x74656462) >>> 0;
  v[V3 + 1] = (key.k1lo ^ 0x79746573) >>> 0;
  const whole = length - (length % 8);
  for (let at = 0; at < whole; at += 8)
    compress(word(bytes, at + 4, length), word(bytes, at, length));
  // The last block: the remaining bytes, and the length (mod 256) in the top byte.
  const lastLo = word(bytes, whole, length);
  const lastHi = (word(bytes, whole + 4, length) | ((length & 0xff) << 24)) >>> 0;
  compress(lastHi, lastLo);
  v[V2 + 1] = (v[V2 + 1]! ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  out[0] = (v[V0]! ^ v[V1]! ^ v[V2]! ^ v[V3]!) >>> 0;
  out[1] = (v[V0 + 1]! ^ v[V1 + 1]! ^ v[V2 + 1]! ^ v[V3 + 1]!) >>> 0;
  return out;
}
