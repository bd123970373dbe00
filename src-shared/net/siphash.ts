/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash: without the 16-byte key nobody can
 * tell which bucket an address lands in, so an attacker cannot craft addresses that all collide
 * into (or avoid) chosen buckets. Written over 32-bit halves because JavaScript has no fast
 * 64-bit integers (BigInt is about a hundred times slower here).
 */

/** Little-endian 32-bit word of `bytes` at `at`, zero past `end`. */
function word(bytes: Uint8Array, at: number, end: number): number {
  if (at + 4 <= end)
    return (
      (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
    );
  let w = 0;
  for (let k = 3; k >= 0; k--) w = (w << 8) | (at + k < end ? bytes[at + k]! : 0);
  return w >>> 0;
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
  // The state words v0..v3 as hi/lo 32-bit halves in locals (a typed array or helper calls were
  // about twenty times slower). Initial state: "somepseudorandomlygeneratedbytes".
  let v0h = (key.k0hi ^ 0x736f6d65) >>> 0;
  let v0l = (key.k0lo ^ 0x70736575) >>> 0;
  let v1h = (key.k1hi ^ 0x646f7261) >>> 0;
  let v1l = (key.k1lo ^ 0x6e646f6d) >>> 0;
  let v2h = (key.k0hi ^ 0x6c796765) >>> 0;
  let v2l = (key.k0lo ^ 0x6e657261) >>> 0;
  let v3h = (key.k1hi ^ 0x74656462) >>> 0;
  let v3l = (key.k1lo ^ 0x79746573) >>> 0;
  // Whole 8-byte blocks, then the last one: the remaining bytes, the length (mod 256) on top.
  const whole = length - (length % 8);
  const blocks = whole / 8 + 1;
  let t: number;
  let th: number;
  for (let block = 0; ; block++) {
    let mh = 0;
    let ml = 0;
    let rounds = 4; // finalisation
    if (block < blocks) {
      const at = block * 8;
      ml = word(bytes, at, length);
      mh = word(bytes, at + 4, length);
      if (block === blocks - 1) mh = (mh | ((length & 0xff) << 24)) >>> 0;
      v3h = (v3h ^ mh) >>> 0;
      v3l = (v3l ^ ml) >>> 0;
      rounds = 2;
    } else v2l = (v2l ^ 0xff) >>> 0;
    for (let r = 0; r < rounds; r++) {
      // v0 += v1; v1 = rotl(v1, 13) ^ v0; v0 = rotl(v0, 32)
      t = (v0l + v1l) >>> 0;
      v0h = (v0h + v1h + (t < v0l ? 1 : 0)) >>> 0;
      v0l = t;
      th = ((v1h << 13) | (v1l >>> 19)) >>> 0;
      v1l = (((v1l << 13) | (v1h >>> 19)) ^ v0l) >>> 0;
      v1h = (th ^ v0h) >>> 0;
      t = v0h;
      v0h = v0l;
      v0l = t;
      // v2 += v3; v3 = rotl(v3, 16) ^ v2
      t = (v2l + v3l) >>> 0;
      v2h = (v2h + v3h + (t < v2l ? 1 : 0)) >>> 0;
      v2l = t;
      th = ((v3h << 16) | (v3l >>> 16)) >>> 0;
      v3l = (((v3l << 16) | (v3h >>> 16)) ^ v2l) >>> 0;
      v3h = (th ^ v2h) >>> 0;
      // v0 += v3; v3 = rotl(v3, 21) ^ v0
      t = (v0l + v3l) >>> 0;
      v0h = (v0h + v3h + (t < v0l ? 1 : 0)) >>> 0;
      v0l = t;
      th = ((v3h << 21) | (v3l >>> 11)) >>> 0;
      v3l = (((v3l << 21) | (v3h >>> 11)) ^ v0l) >>> 0;
      v3h = (th ^ v0h) >>> 0;
      // v2 += v1; v1 = rotl(v1, 17) ^ v2; v2 = rotl(v2, 32)
      t = (v2l + v1l) >>> 0;
      v2h = (v2h + v1h + (t < v2l ? 1 : 0)) >>> 0;
      v2l = t;
      th = ((v1h << 17) | (v1l >>> 15)) >>> 0;
      v1l = (((v1l << 17) | (v1h >>> 15)) ^ v2l) >>> 0;
      v1h = (th ^ v2h) >>> 0;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    if (block >= blocks) break;
    v0h = (v0h ^ mh) >>> 0;
    v0l = (v0l ^ ml) >>> 0;
  }
  out[0] = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  out[1] = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  return out;
}
