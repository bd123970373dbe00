import { scaleLinear } from 'd3';
import { fitTicks } from '../lib/axis-ticks';
import type { Ctx2D } from './canvas';
import { markPath } from './marks';
import type { Palette } from './palette';

/*
 * The drift plane: two components of every node's state as dots, each with a short trail of
 * its last positions, its last drift vector D as an arrow, and the network mean marked. A
 * browser node's dot is a small window (draw/marks), as on the swarm map.
 */

export interface PlaneScene {
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly n: number;
  /** Components per state, and the two shown. */
  readonly d: number;
  readonly cx: number;
  readonly cy: number;
  /** n*d states (NaN: none) and drifts of the tick shown. */
  readonly S: ArrayLike<number>;
  readonly D: ArrayLike<number>;
  /** States of the ticks before it, oldest first (each n*d; nodes beyond one's length absent). */
  readonly trails: readonly ArrayLike<number>[];
  /** Dot colour per node (index into fills; -1: uncounted colour), and 1 for a dead node. */
  readonly fill: ArrayLike<number>;
  readonly fills: readonly string[];
  readonly dead: ArrayLike<number>;
  readonly liar: ArrayLike<number>;
  /** 1: a browser node, drawn as a window; 0: a Node.js node, a dot. */
  readonly browser: ArrayLike<number>;
  readonly selected: ReadonlySet<number>;
  readonly mean: readonly number[] | null;
  readonly palette: Palette;
}

export interface PlaneLayout {
  /** Data → CSS pixels. */
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
  /** What the arrows are multiplied by to be seen. */
  readonly arrowScale: number;
}

const PAD = { left: 46, right: 12, top: 10, bottom: 34 };
/** Room for the rotated S[cy] title at the left edge, and the text's line height (11 px font). */
const TITLE_W = 18;
const LINE_H = 13;

function extent(s: PlaneScene): [number, number, number, number] | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const take = (arr: ArrayLike<number>, i: number) => {
    const x = arr[i * s.d + s.cx];
    const y = arr[i * s.d + s.cy];
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  };
  for (let i = 0; i < s.n; i++) take(s.S, i);
  for (const t of s.trails) for (let i = 0; i < s.n && (i + 1) * s.d <= t.length; i++) take(t, i);
  if (x0 === Infinity) return null;
  return [x0, x1, y0, y1];
}

/** Arrow multiplier: a 1-2-5 step that makes the median drift about 14 px long. */
function arrowScaleFor(s: PlaneScene, x: (v: number) => number, y: (v: number) => number) {
  const lengths: number[] = [];
  const ox = x(0);
  const oy = y(0);
  for (let i = 0; i < s.n; i++) {
    const dx = s.D[i * s.d + s.cx];
    const dy = s.D[i * s.d + s.cy];
    if (!Number.isFinite(dx) || !Number.isFinite(dy)) continue;
    lengths.push(Math.hypot(x(dx) - ox, y(dy) - oy));
  }
  if (lengths.length === 0) return 1;
  lengths.sort((a, b) => a - b);
  const median = lengths[lengths.length >> 1];
  if (!(median > 0) || median >= 8) return 1;
  const want = 14 / median;
  const e = 10 ** Math.floor(Math.log10(want));
  const step = [1, 2, 5, 10].find((m) => m * e >= want) ?? 10;
  return step * e;
}

export function drawPlane(ctx: Ctx2D, s: PlaneScene): PlaneLayout | null {
  const p = s.palette;
  ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
  ctx.clearRect(0, 0, s.width, s.height);
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  ctx.font = '11px system-ui, sans-serif';
  const ext = extent(s);
  if (!ext) {
    ctx.fillStyle = p.muted;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('no states yet', s.width / 2, s.height / 2);
    return null;
  }
  let [x0, x1, y0, y1] = ext;
  const m = s.mean;
  if (m && Number.isFinite(m[s.cx]) && Number.isFinite(m[s.cy])) {
    x0 = Math.min(x0, m[s.cx]);
    x1 = Math.max(x1, m[s.cx]);
    y0 = Math.min(y0, m[s.cy]);
    y1 = Math.max(y1, m[s.cy]);
  }
  // A floor on the span: states that agree to 1e-9 of their size are one point to look at, and
  // finer ticks than that would need more digits than a label can show.
  const padX = Math.max((x1 - x0) * 0.08, Math.abs(x0) * 1e-9) || 1;
  const padY = Math.max((y1 - y0) * 0.08, Math.abs(y0) * 1e-9) || 1;
  const bottom = Math.max(PAD.top + 1, s.height - PAD.bottom);
  const ys = scaleLinear()
    .domain([y0 - padY, y1 + padY])
    .range([bottom, PAD.top])
    .nice();
  // Vertical labels are one line high each; they stay above the x labels' row (bottom + 4).
  const yt = fitTicks(ys, () => LINE_H, { most: 5, gap: 2, lo: 0, hi: bottom + 3 });
  // The advance width, and a pixel each side for glyphs that reach past it (a final 9's curve).
  const width = (t: string) => ctx.measureText(t).width + 2;
  // The left margin holds the widest y label, so none is clipped at the canvas's edge.
  const left = Math.max(
    PAD.left,
    Math.ceil(Math.max(...yt.map((t) => width(t.label)))) + TITLE_W + 6,
  );
  const right = Math.max(left + 1, s.width - PAD.right);
  const xs = scaleLinear()
    .domain([x0 - padX, x1 + padX])
    .range([left, right])
    .nice();
  const xt = fitTicks(xs, width, { most: 6, gap: 10, lo: TITLE_W, hi: s.width });
  const x = (v: number) => xs(v);
  const y = (v: number) => ys(v);

  // Grid and axes.
  ctx.strokeStyle = p.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of xt) {
    ctx.moveTo(x(t.value), PAD.top);
    ctx.lineTo(x(t.value), bottom);
  }
  for (const t of yt) {
    ctx.moveTo(left, y(t.value));
    ctx.lineTo(right, y(t.value));
  }
  ctx.stroke();
  ctx.fillStyle = p.muted;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xt) ctx.fillText(t.label, t.at, bottom + 4);
  ctx.fillText(`S[${s.cx}] (VU)`, (left + right) / 2, s.height - LINE_H);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yt) ctx.fillText(t.label, left - 4, t.at);
  ctx.save();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.setTransform(0, -s.dpr, s.dpr, 0, 0, s.dpr * ((PAD.top + bottom) / 2));
  ctx.fillText(`S[${s.cy}] (VU)`, 0, 2);
  ctx.restore();

  // Trails: one path, faint.
  if (s.trails.length > 0) {
    ctx.strokeStyle = p.muted;
    ctx.globalAlpha = 0.35;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i < s.n; i++) {
      let pen = false;
      const step = (arr: ArrayLike<number>) => {
        const k = i * s.d;
        if (k + s.d > arr.length) return;
        const vx = arr[k + s.cx];
        const vy = arr[k + s.cy];
        if (!Number.isFinite(vx) || !Number.isFinite(vy)) {
          pen = false;
          return;
        }
        if (pen) ctx.lineTo(x(vx), y(vy));
        else ctx.moveTo(x(vx), y(vy));
        pen = true;
      };
      for (const t of s.trails) step(t);
      step(s.S);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  // Drift arrows, scaled to be seen.
  const k = arrowScaleFor(s, x, y);
  ctx.strokeStyle = p.accent;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let i = 0; i < s.n; i++) {
    const sx = s.S[i * s.d + s.cx];
    const sy = s.S[i * s.d + s.cy];
    const dx = s.D[i * s.d + s.cx];
    const dy = s.D[i * s.d + s.cy];
    if (![sx, sy, dx, dy].every(Number.isFinite) || (dx === 0 && dy === 0)) continue;
    const ax = x(sx);
    const ay = y(sy);
    const bx = x(sx + k * dx);
    const by = y(sy + k * dy);
    const len = Math.hypot(bx - ax, by - ay);
    if (len < 1) continue;
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    const ux = (bx - ax) / len;
    const uy = (by - ay) / len;
    const head = Math.min(5, len / 2);
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - head * (ux - 0.5 * uy), by - head * (uy + 0.5 * ux));
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - head * (ux + 0.5 * uy), by - head * (uy - 0.5 * ux));
  }
  ctx.stroke();

  // Dots by colour.
  const byFill = new Map<number, number[]>();
  for (let i = 0; i < s.n; i++) {
    const vx = s.S[i * s.d + s.cx];
    const vy = s.S[i * s.d + s.cy];
    if (!Number.isFinite(vx) || !Number.isFinite(vy)) continue;
    const f = s.dead[i] ? -2 : s.fill[i] >= 0 && s.fill[i] < s.fills.length ? s.fill[i] : -1;
    let list = byFill.get(f);
    if (!list) byFill.set(f, (list = []));
    list.push(i);
  }
  for (const [f, list] of byFill) {
    ctx.fillStyle = f === -2 ? p.dead : f === -1 ? p.uncounted : s.fills[f];
    ctx.beginPath();
    for (const i of list) {
      markPath(ctx, x(s.S[i * s.d + s.cx]), y(s.S[i * s.d + s.cy]), 3, s.browser[i] === 1);
    }
    ctx.fill();
  }
  // Liars and the selection: rings.
  for (const [color, has] of [
    [p.liar, (i: number) => s.liar[i] !== 0],
    [p.selection, (i: number) => s.selected.has(i)],
  ] as const) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < s.n; i++) {
      if (!has(i)) continue;
      const vx = s.S[i * s.d + s.cx];
      const vy = s.S[i * s.d + s.cy];
      if (!Number.isFinite(vx) || !Number.isFinite(vy)) continue;
      markPath(ctx, x(vx), y(vy), 5.5, s.browser[i] === 1);
      any = true;
    }
    if (any) ctx.stroke();
  }

  // The mean: a cross in a circle.
  if (m && Number.isFinite(m[s.cx]) && Number.isFinite(m[s.cy])) {
    const mx = x(m[s.cx]);
    const my = y(m[s.cy]);
    ctx.strokeStyle = p.text;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(mx - 8, my);
    ctx.lineTo(mx + 8, my);
    ctx.moveTo(mx, my - 8);
    ctx.lineTo(mx, my + 8);
    ctx.moveTo(mx + 6, my);
    ctx.arc(mx, my, 6, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.fillStyle = p.muted;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  ctx.fillText(`⊕ mean   arrows: D ×${k}`, s.width - PAD.right, PAD.top);
  return { x, y, arrowScale: k };
}
