import { crc32, deflateSync } from 'node:zlib';

/*
 * The tray and window icon, drawn here until resources/ has real icons (resources/README.md):
 * a filled disc with a ring, as an RGBA PNG. Pure: the same bytes for the same size.
 */

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A size x size RGBA PNG of the icon (colour: LVS green; `mono`: black, for macOS templates). */
export function iconPng(size: number, mono = false): Buffer {
  const n = Math.max(8, Math.min(512, Math.round(size)));
  const [r, g, b] = mono ? [0, 0, 0] : [0x2f, 0x9e, 0x6b];
  const rows = Buffer.alloc(n * (1 + 4 * n));
  const c = (n - 1) / 2;
  const outer = n / 2 - 0.5;
  const ringIn = outer * 0.72;
  const core = outer * 0.5;
  for (let y = 0; y < n; y++) {
    const row = y * (1 + 4 * n);
    rows[row] = 0; // filter: none
    for (let x = 0; x < n; x++) {
      const d = Math.hypot(x - c, y - c);
      // coverage with a one-pixel soft edge, so small sizes do not look jagged
      const edge = (from: number, to: number) =>
        Math.max(0, Math.min(1, to - d + 0.5)) * Math.max(0, Math.min(1, d - from + 0.5));
      const alpha = Math.max(edge(ringIn, outer), edge(-1, core));
      const at = row + 1 + 4 * x;
      rows[at] = r;
      rows[at + 1] = g;
      rows[at + 2] = b;
      rows[at + 3] = Math.round(255 * alpha);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
