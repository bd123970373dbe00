import type { TickMetrics } from '@shared/api/lab-api';

/** The charts' series over the ticks held: time in seconds and one value per tick. */
export interface Series {
  readonly t: Float64Array;
  readonly spread: Float64Array;
  /** Distance of the network mean from its first value (the wander). */
  readonly wander: Float64Array;
  readonly frames: Float64Array;
  readonly bytes: Float64Array;
}

export function seriesOf(
  ticks: readonly { readonly metrics: TickMetrics }[],
  firstMean: readonly number[] | null,
): Series {
  const n = ticks.length;
  const out = {
    t: new Float64Array(n),
    spread: new Float64Array(n),
    wander: new Float64Array(n),
    frames: new Float64Array(n),
    bytes: new Float64Array(n),
  };
  ticks.forEach(({ metrics: m }, i) => {
    out.t[i] = m.t / 1000;
    out.spread[i] = m.spread;
    out.frames[i] = m.framesPerNodeS;
    out.bytes[i] = m.bytesPerNodeS;
    if (firstMean && m.mean.length === firstMean.length && m.mean.length > 0) {
      let sum = 0;
      for (let c = 0; c < m.mean.length; c++) sum += (m.mean[c] - firstMean[c]) ** 2;
      out.wander[i] = Math.sqrt(sum);
    } else out.wander[i] = Number.NaN;
  });
  return out;
}

/** Largest finite value (0 when none). */
export function maxOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i]) && values[i] > m) m = values[i];
  return m;
}
