/*
 * Standard normal samples by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for
 * Generating Random Variables", 2000), with 128 layers. Most samples cost one 32-bit draw and
 * one multiplication; Box-Muller costs a logarithm, a square root and two trigonometric calls,
 * which made entropy a third of a simulated cycle.
 *
 * The layer index and the value come from different bits of the draw (the low 7 bits pick the
 * layer, the high 25 bits are the value), avoiding the correlation between the two that the
 * original shared-bits version has (Doornik 2005).
 */

const LAYERS = 128;
/** Right edge of the base layer, and the area of every layer, for 128 layers. */
const R = 3.442619855899;
const AREA = 9.91256303526217e-3;
/** Values are signed 25-bit integers. */
const SCALE = 2 ** 24;

const kn = new Float64Array(LAYERS);
const wn = new Float64Array(LAYERS);
const fn = new Float64Array(LAYERS);

(function buildTables() {
  let dn = R;
  let tn = dn;
  const q = AREA / Math.exp(-0.5 * dn * dn);
  kn[0] = (dn / q) * SCALE;
  kn[1] = 0;
  wn[0] = q / SCALE;
  wn[LAYERS - 1] = dn / SCALE;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(AREA / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = (dn / tn) * SCALE;
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / SCALE;
  }
})();

/**
 * One N(0, 1) sample from `int32` (uniform signed 32-bit integers) and `unit` (uniform in
 * [0, 1), used only on the rare slow path: about 1.3% of samples).
 */
export function zigguratNormal(int32: () => number, unit: () => number): number {
  for (;;) {
    const u = int32();
    const layer = u & (LAYERS - 1);
    const hz = u >> 7;
    const x = hz * wn[layer];
    if (Math.abs(hz) < kn[layer]) return x;
    if (layer === 0) {
      // The tail beyond R, by Marsaglia's exponential rejection.
      let tx: number;
      let ty: number;
      do {
        tx = -Math.log(1 - unit()) / R;
        ty = -Math.log(1 - unit());
      } while (ty + ty < tx * tx);
      return hz > 0 ? R + tx : -R - tx;
    }
    // The wedge between two layers: accept under the density, else draw again.
    if (fn[layer] + unit() * (fn[layer - 1] - fn[layer]) < Math.exp(-0.5 * x * x)) return x;
  }
}
