import { describe, expect, it } from 'vitest';
import { secureRng, seededRng, type Rng } from '../../src-shared/random';

/** Standard normal CDF via erfc (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-z * z);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function sample(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

describe('normal samples (seeded, so that a failure reproduces)', () => {
  const n = 400_000;
  const x = sample(seededRng(2026, 3), n);

  it('follow N(0, 1): Kolmogorov-Smirnov distance under the 0.1% critical value', () => {
    const sorted = x.slice().sort();
    let dMax = 0;
    for (let i = 0; i < n; i++) {
      const f = phi(sorted[i]);
      dMax = Math.max(dMax, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
    }
    expect(dMax).toBeLessThan(1.95 / Math.sqrt(n));
  });

  it('have mean 0, variance 1 and kurtosis 3 within five standard errors', () => {
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      m1 += v;
      m2 += v * v;
      m4 += v ** 4;
    }
    m1 /= n;
    m2 /= n;
    m4 /= n;
    expect(Math.abs(m1)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('reach the tails as often as the normal law says (beyond 2, 3 and the ziggurat edge 3.44)', () => {
    for (const [edge, p] of [
      [2, 0.0455003],
      [3, 0.0026998],
      [3.442619855899, 2 * (1 - phi(3.442619855899))],
    ] as const) {
      const count = x.reduce((c, v) => c + (Math.abs(v) > edge ? 1 : 0), 0);
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(count - n * p)).toBeLessThan(5 * sd);
    }
  });
});

describe('the secure generator', () => {
  // Unseeded by design: only checks that cannot fail by chance (10 standard errors).
  it('gives finite normal samples centred on 0 with unit variance', () => {
    const x = sample(secureRng(), 100_000);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
    expect(x.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean)).toBeLessThan(10 / Math.sqrt(x.length));
    expect(Math.abs(variance - 1)).toBeLessThan(10 * Math.sqrt(2 / x.length));
  });
});

describe('seeded streams', () => {
  it('repeat for one seed and stream, and differ across streams and seeds', () => {
    const a = sample(seededRng(1, 0), 1000);
    expect(sample(seededRng(1, 0), 1000)).toEqual(a);
    expect(sample(seededRng(1, 1), 1000)).not.toEqual(a);
    expect(sample(seededRng(2, 0), 1000)).not.toEqual(a);
  });

  it('give uniform floats in [0, 1) and integers in range', () => {
    const rng = seededRng(5);
    const hits = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) {
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
      hits[rng.int(7)]++;
    }
    // Each bin: 10,000 expected, standard deviation about 93.
    for (const h of hits) expect(Math.abs(h - 10_000)).toBeLessThan(500);
  });
});
