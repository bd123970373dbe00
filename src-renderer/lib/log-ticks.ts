/*
 * A log axis for the spread chart: a domain of whole decades around the data, and ticks at each
 * power of ten (and at 2 and 5 times it when the domain spans at most two decades).
 */

export interface AxisTick {
  readonly value: number;
  readonly label: string;
  /** A power of ten (drawn as a grid line); the others are minor. */
  readonly major: boolean;
}

/** The whole decades that hold every positive finite value; null when there is none. */
export function logDomain(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return null;
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (a === b) {
    a -= 1;
    b += 1;
  }
  return [10 ** a, 10 ** b];
}

/** "0.01", "100", "1e-6", "1e6": short labels for powers of ten and their multiples. */
export function formatLogLabel(value: number): string {
  const exp = Math.floor(Math.log10(value) + 1e-9);
  if (exp >= -3 && exp <= 4) return String(Number(value.toPrecision(3)));
  const mantissa = Number((value / 10 ** exp).toPrecision(3));
  return mantissa === 1 ? `1e${exp}` : `${mantissa}e${exp}`;
}

export function logTicks(min: number, max: number): AxisTick[] {
  if (!(min > 0) || !(max > min) || !Number.isFinite(max)) return [];
  const from = Math.floor(Math.log10(min) + 1e-9);
  const to = Math.ceil(Math.log10(max) - 1e-9);
  const minors = to - from <= 2 ? [2, 5] : [];
  const ticks: AxisTick[] = [];
  const inside = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  for (let e = from; e <= to; e++) {
    const base = 10 ** e;
    if (inside(base)) ticks.push({ value: base, label: formatLogLabel(base), major: true });
    for (const m of minors) {
      const v = m * base;
      if (inside(v)) ticks.push({ value: v, label: formatLogLabel(v), major: false });
    }
  }
  return ticks;
}
