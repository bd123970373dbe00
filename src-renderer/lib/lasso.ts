/** Whether (x, y) lies inside the polygon [x0, y0, x1, y1, ...] (even-odd rule). */
export function insidePolygon(x: number, y: number, poly: readonly number[]): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i];
    const yi = poly[2 * i + 1];
    const xj = poly[2 * j];
    const yj = poly[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The indices of the points (xs[i], ys[i]) inside the polygon, for the nodes `include` keeps. */
export function pointsInPolygon(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  poly: readonly number[],
  include: (i: number) => boolean = () => true,
): number[] {
  if (poly.length < 6) return [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let k = 0; k < poly.length; k += 2) {
    minX = Math.min(minX, poly[k]);
    maxX = Math.max(maxX, poly[k]);
    minY = Math.min(minY, poly[k + 1]);
    maxY = Math.max(maxY, poly[k + 1]);
  }
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x < minX || x > maxX || y < minY || y > maxY || !include(i)) continue;
    if (insidePolygon(x, y, poly)) out.push(i);
  }
  return out;
}
