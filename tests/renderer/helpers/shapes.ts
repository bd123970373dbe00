import type { Call } from './fake-ctx';

/**
 * The node marks a recorded canvas drew, read back from its path calls: each subpath (from one
 * moveTo to the next, or to the fill or stroke that ends the path) is a disc (one full-turn
 * arc), a window (four quarter-turn corner arcs around a centre), or something else. Tests then
 * say "a window at the browser node's centre" rather than repeat the drawing's numbers.
 */
export interface Shape {
  readonly kind: 'disc' | 'window' | 'other';
  /** The centre, and the radius (a disc) or half the side (a window). */
  readonly x: number;
  readonly y: number;
  readonly size: number;
  readonly op: 'fill' | 'stroke';
  readonly style: unknown;
  readonly dash: number[];
}

const TURN = 2 * Math.PI;
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

export function shapesDrawn(calls: readonly Call[]): Shape[] {
  const out: Shape[] = [];
  let path: Call[][] = [];
  let sub: Call[] = [];
  const endSub = () => {
    if (sub.length > 0) path.push(sub);
    sub = [];
  };
  for (const c of calls) {
    if (c.name === 'beginPath') {
      path = [];
      sub = [];
    } else if (c.name === 'moveTo') {
      endSub();
      sub.push(c);
    } else if (c.name === 'arc' || c.name === 'lineTo' || c.name === 'closePath') sub.push(c);
    else if (c.name === 'fill' || c.name === 'stroke') {
      endSub();
      const op = c.name;
      const style = op === 'fill' ? c.fillStyle : c.strokeStyle;
      for (const s of path) out.push({ ...read(s), op, style, dash: c.dash });
    }
  }
  return out;
}

function read(sub: readonly Call[]): Pick<Shape, 'kind' | 'x' | 'y' | 'size'> {
  const arcs = sub.filter((c) => c.name === 'arc').map((c) => c.args as number[]);
  if (arcs.length === 1 && close(arcs[0][4] - arcs[0][3], TURN)) {
    const [x, y, r] = arcs[0];
    return { kind: 'disc', x, y, size: r };
  }
  if (arcs.length === 4 && arcs.every((a) => close(a[4] - a[3], Math.PI / 2))) {
    const x = arcs.reduce((s, a) => s + a[0], 0) / 4;
    const y = arcs.reduce((s, a) => s + a[1], 0) / 4;
    // A square: every corner as far from the centre across as down, in four different corners.
    const square = arcs.every((a) => close(Math.abs(a[0] - x), Math.abs(a[1] - y)));
    const corners = new Set(arcs.map((a) => `${Math.sign(a[0] - x)},${Math.sign(a[1] - y)}`));
    if (square && corners.size === 4)
      return { kind: 'window', x, y, size: Math.abs(arcs[0][0] - x) + arcs[0][2] };
  }
  const first = sub[0]?.args as number[] | undefined;
  return { kind: 'other', x: first?.[0] ?? Number.NaN, y: first?.[1] ?? Number.NaN, size: 0 };
}

/** The shapes centred at (x, y). */
export function shapesAt(shapes: readonly Shape[], x: number, y: number): Shape[] {
  return shapes.filter((s) => s.kind !== 'other' && close(s.x, x) && close(s.y, y));
}
