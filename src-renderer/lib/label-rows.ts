/*
 * Labels along a line (the commands over a chart's time axis) placed in rows so that none covers
 * another: each goes into the first row where it clears the label before it, and one that finds
 * no row is left out (its marker's hover text still names it).
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Each span's row (0 is the first), or null when all `rows` are taken where it lies. */
export function stackRows(spans: readonly Span[], rows: number, gap = 4): (number | null)[] {
  const ends: number[] = [];
  return spans.map((s) => {
    let row = ends.findIndex((end) => end + gap <= s.start);
    if (row < 0) {
      if (ends.length >= rows) return null;
      row = ends.length;
      ends.push(s.end);
    } else ends[row] = s.end;
    return row;
  });
}

/**
 * Where a label of `width` px goes beside a marker at `x`: to its right, or to its left when it
 * would run past `right` (so a marker near the end is not cut).
 */
export function besideMarker(x: number, width: number, right: number, pad = 3): Span {
  return x + pad + width <= right
    ? { start: x + pad, end: x + pad + width }
    : { start: x - pad - width, end: x - pad };
}

/** An upper bound of a label's width: system-ui's widest common glyphs are about 0.62 em. */
export function labelWidth(text: string, fontPx: number): number {
  return Math.ceil(text.length * fontPx * 0.62);
}
