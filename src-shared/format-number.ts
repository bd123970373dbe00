/**
 * A number in at most `digits` significant digits; "—" when it is not finite. The monitor's
 * readouts and the lab commands' short labels (src-shared/lab/describe.ts) write numbers so.
 */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4))
    return value.toExponential(Math.max(0, digits - 1));
  return String(Number(value.toPrecision(digits)));
}
