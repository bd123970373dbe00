import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { zigguratNormal } from './normal';

/**
 * A mutable, seeded random source. Streams are independent sub-sequences of one seed
 * (xoroshiro128+ jumped 2^64 steps per stream), so a run can hand one stream to each
 * block of nodes and stay bit-identical however the blocks are spread over threads.
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One standard normal sample. */
  normal(): number;
}

/** Int32s that hold a seeded stream's position (xoroshiro128+'s 128 bits of state). */
export const RNG_STATE_INTS = 4;

/** A seeded stream whose position can be written out and read back, even by another thread. */
export interface StreamRng extends Rng {
  /** Writes the stream's position into state[at .. at + RNG_STATE_INTS). */
  saveState(state: Int32Array, at: number): void;
}

class SeededRng implements StreamRng {
  private readonly int32 = () => this.gen.next();
  private readonly unit = () => this.float();

  constructor(private readonly gen: JumpableRandomGenerator) {}

  float(): number {
    return uniformFloat64(this.gen);
  }

  int(n: number): number {
    return uniformInt(this.gen, 0, n - 1);
  }

  normal(): number {
    return zigguratNormal(this.int32, this.unit);
  }

  saveState(state: Int32Array, at: number): void {
    state.set(this.gen.getState(), at);
  }
}

/** Seeds are 32-bit integers; stream k starts 2^64 * k steps into the seed's sequence. */
export function seededRng(seed: number, stream = 0): StreamRng {
  const gen = xoroshiro128plus(seed | 0);
  for (let i = 0; i < stream; i++) gen.jump();
  return new SeededRng(gen);
}

/** The stream whose position saveState wrote at state[at ..]; it goes on from there. */
export function rngFromState(state: Int32Array, at: number): StreamRng {
  return new SeededRng(xoroshiro128plusFromState([...state.subarray(at, at + RNG_STATE_INTS)]));
}

/**
 * The positions of streams first .. first + count - 1 of a seed, RNG_STATE_INTS each, into
 * state: each is one jump (2^64 steps) past the one before.
 */
export function seedStreams(seed: number, first: number, count: number, state: Int32Array): void {
  const gen = xoroshiro128plus(seed | 0);
  for (let i = 0; i < first; i++) gen.jump();
  for (let k = 0; k < count; k++) {
    state.set(gen.getState(), k * RNG_STATE_INTS);
    gen.jump();
  }
}

/** Fills `out` with standard normal samples. */
export function fillNormal(rng: Rng, out: Float64Array, from = 0, to = out.length): void {
  for (let i = from; i < to; i++) out[i] = rng.normal();
}

/**
 * Entropy for a personal node: the platform's secure generator (Web Crypto, present in
 * browsers and in Node), drawn in batches to keep the per-sample cost low.
 */
export function secureRng(): Rng {
  const pool = new Uint32Array(256);
  let next = pool.length;
  const word = (): number => {
    if (next === pool.length) {
      globalThis.crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++];
  };
  const float = (): number => ((word() >>> 5) * 67108864 + (word() >>> 6)) / 9007199254740992;
  const int32 = () => word() | 0;
  return {
    float,
    int: (n) => Math.floor(float() * n),
    normal: () => zigguratNormal(int32, float),
  };
}
