/**
 * Drift coefficient (public spec, section 7): the weight a node claims for itself.
 * DC = log(1 + earned) * sqrt(tcSelf) / (1 + variance of the entropy received this cycle),
 * capped by the sender at wMax so that honest claims never trip the receivers' weight bound.
 */
export function driftCoefficient(
  earned: number,
  tcSelf: number,
  entropyVariance: number,
  wMax: number,
): number {
  const dc =
    (Math.log1p(Math.max(0, earned)) * Math.sqrt(Math.max(0, Math.min(1, tcSelf)))) /
    (1 + Math.max(0, entropyVariance));
  return Number.isFinite(dc) ? Math.min(dc, wMax) : 0;
}

/**
 * Variance of a set of entropy vectors: the population variance per coordinate across the
 * vectors, averaged over coordinates. Fewer than two vectors carry no variance.
 * `at(k, c)` reads coordinate c of vector k.
 */
export function entropyVariance(
  count: number,
  d: number,
  at: (k: number, c: number) => number,
): number {
  if (count < 2) return 0;
  let total = 0;
  for (let c = 0; c < d; c++) {
    let mean = 0;
    for (let k = 0; k < count; k++) mean += at(k, c);
    mean /= count;
    let sq = 0;
    for (let k = 0; k < count; k++) {
      const dev = at(k, c) - mean;
      sq += dev * dev;
    }
    total += sq / count;
  }
  const v = total / d;
  return Number.isFinite(v) ? v : 0;
}
