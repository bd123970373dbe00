import type { ScaleLinear } from 'd3';

/*
 * Ticks for an axis whose labels must not touch: d3's nice ticks, labelled with the precision
 * their step needs (d3's tickFormat), as many as fit. Around a value like 89.74994 every label is
 * eight characters long, so a plane 300 px wide holds fewer of them than the default six.
 */

export interface FittedTick {
  readonly value: number;
  readonly label: string;
  /** The label's centre along the axis (px), moved inward so that it stays inside the axis. */
  readonly at: number;
}

/**
 * The most ticks, from `most` down to 2, whose labels (each `size(label)` px along the axis,
 * centred on its tick and kept within [lo, hi]) leave `gap` px between neighbours and differ from
 * each other. With none that fit, the two ends of the domain alone.
 */
export function fitTicks(
  scale: ScaleLinear<number, number>,
  size: (label: string) => number,
  opts: { readonly most: number; readonly gap: number; readonly lo: number; readonly hi: number },
): FittedTick[] {
  for (let count = opts.most; count >= 2; count--) {
    const format = scale.tickFormat(count);
    const ticks = place(scale, scale.ticks(count), format, size, opts);
    if (ticks.length >= 2 && fits(ticks, size, opts.gap)) return ticks;
  }
  const [a, b] = scale.domain() as [number, number];
  const format = scale.tickFormat(2);
  return place(scale, [a, b], format, size, opts);
}

function place(
  scale: ScaleLinear<number, number>,
  values: readonly number[],
  format: (v: number) => string,
  size: (label: string) => number,
  opts: { readonly lo: number; readonly hi: number },
): FittedTick[] {
  return values.map((value) => {
    const label = format(value);
    const half = size(label) / 2;
    const at = Math.min(Math.max(scale(value), opts.lo + half), opts.hi - half);
    return { value, label, at };
  });
}

function fits(ticks: readonly FittedTick[], size: (label: string) => number, gap: number): boolean {
  const sorted = [...ticks].sort((p, q) => p.at - q.at);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const q = sorted[i]!;
    if (p.label === q.label) return false;
    if (q.at - size(q.label) / 2 < p.at + size(p.label) / 2 + gap) return false;
  }
  return true;
}
