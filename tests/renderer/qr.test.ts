// The join page's QR code as the My node panel draws it: qrcode's symbol, the quiet zone around
// it, the dark modules as one path of row runs.
import { describe, expect, it } from 'vitest';
import { QUIET_ZONE, qrShape } from '../../src-renderer/lib/qr';

/** The dark cells a path of `M<x> <y>h<run>v1h-<run>z` runs covers. */
function darkCells(path: string): Set<string> {
  const cells = new Set<string>();
  for (const m of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, run, back] = [m[1], m[2], m[3], m[4]].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    expect(back).toBe(run);
    for (let i = 0; i < run; i++) cells.add(`${x + i},${y}`);
  }
  return cells;
}

describe('qrShape', () => {
  it('draws the symbol inside its quiet zone, finder patterns in three corners', () => {
    const { size, path } = qrShape('http://192.168.1.5:43117/');
    // A short URL at level M fits version 2 (25 modules).
    expect(size).toBe(25 + 2 * QUIET_ZONE);
    expect(path).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/);
    const dark = darkCells(path);
    const n = size - 2 * QUIET_ZONE;
    const at = (x: number, y: number) => dark.has(`${x + QUIET_ZONE},${y + QUIET_ZONE}`);
    // Nothing in the quiet zone.
    for (const cell of dark) {
      const [x, y] = cell.split(',').map(Number) as [number, number];
      expect(
        x >= QUIET_ZONE && x < size - QUIET_ZONE && y >= QUIET_ZONE && y < size - QUIET_ZONE,
      ).toBe(true);
    }
    // Each finder: a dark 7x7 ring, a light ring, a dark 3x3 core; none in the fourth corner.
    const ring = (fx: number, fy: number) =>
      Array.from({ length: 7 }, (_, i) => [
        at(fx + i, fy),
        at(fx + i, fy + 6),
        at(fx, fy + i),
        at(fx + 6, fy + i),
      ]).every((sides) => sides.every(Boolean));
    for (const [fx, fy] of [
      [0, 0],
      [n - 7, 0],
      [0, n - 7],
    ] as const) {
      expect(ring(fx, fy)).toBe(true);
      expect(at(fx + 1, fy + 1)).toBe(false);
      expect(at(fx + 3, fy + 3)).toBe(true);
    }
    expect(ring(n - 7, n - 7)).toBe(false);
  });

  it('gives another symbol for another URL, and grows with the text', () => {
    expect(qrShape('http://10.0.0.7:8080/').path).not.toBe(qrShape('http://10.0.0.8:8080/').path);
    expect(qrShape(`http://[2001:db8::${'1:'.repeat(5)}5]:43117/`).size).toBeGreaterThan(
      qrShape('http://10.0.0.7:8080/').size,
    );
  });
});
