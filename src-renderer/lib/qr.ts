import { create } from 'qrcode';

/*
 * A QR code as data for an SVG: qrcode encodes the text (versions, masks, error correction), and
 * the dark modules become one path, drawn by React as plain SVG elements. No markup string is
 * parsed and nothing inline is styled, so the monitor's strict CSP holds.
 */

/** The modules of light margin a reader needs around the symbol (the standard's quiet zone). */
export const QUIET_ZONE = 4;

export interface QrShape {
  /** Width and height in modules, quiet zone included: the SVG's viewBox. */
  readonly size: number;
  /** The dark modules as one SVG path, a rectangle per run of dark modules in a row. */
  readonly path: string;
}

/** The QR code of `text` (error correction M: a URL stays short, and a phone reads it off a screen). */
export function qrShape(text: string): QrShape {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const parts: string[] = [];
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n;) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      let run = 1;
      while (col + run < n && modules.get(row, col + run)) run++;
      parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h${run}v1h-${run}z`);
      col += run;
    }
  }
  return { size: n + 2 * QUIET_ZONE, path: parts.join('') };
}
