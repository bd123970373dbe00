import { num } from '@shared/format-number';

export { num };

/** A vector as "[1.23, 4.56]", at most `max` components shown. */
export function vec(values: ArrayLike<number>, digits = 4, max = 6): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(values.length, max); i++) parts.push(num(values[i], digits));
  if (values.length > max) parts.push(`… ${values.length - max} more`);
  return `[${parts.join(', ')}]`;
}

/** Seconds with one decimal: "12.3 s". */
export function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '—';
}

/** An amount of bytes in B, kB, MB. */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  if (n >= 1e6) return `${num(n / 1e6, 3)} MB`;
  if (n >= 1e3) return `${num(n / 1e3, 3)} kB`;
  return `${num(n, 3)} B`;
}

/** Bytes per second in B/s, kB/s, MB/s. */
export function rate(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes >= 1e6) return `${num(bytes / 1e6, 3)} MB/s`;
  if (bytes >= 1e3) return `${num(bytes / 1e3, 3)} kB/s`;
  return `${num(bytes, 3)} B/s`;
}
