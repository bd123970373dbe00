import type { Ctx2D } from './canvas';
import { TITLE_BAR_MIN_R, markPath, rightHalfPath, titleBarPath } from './marks';
import type { Palette } from './palette';

/*
 * The swarm map's drawing: plain data in, canvas calls out. Everything of one colour goes into
 * one path (every live link in one stroke, every node of a colour bucket in one fill), so a
 * frame of 1,000 nodes and 4,000 links costs a handful of draw calls. A browser node is drawn
 * as a small window instead of a disc (draw/marks), its rings and hover mark following its shape,
 * so what the colours and rings say reads the same on both kinds.
 */

export const RING_LIAR = 1;
export const RING_FROZEN = 2;
export const RING_SELECTED = 4;
/** In two groups at once (a bridge): a ring, and the node half in its second group's colour. */
export const RING_BRIDGE = 8;

export interface SwarmScene {
  /** CSS pixels. */
  readonly width: number;
  readonly height: number;
  readonly dpr: number;
  readonly n: number;
  /** Node centres and radii in CSS pixels. */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly r: ArrayLike<number>;
  /** 0: not drawn (a slot not in the lab). */
  readonly shown: ArrayLike<number>;
  /** Index into `fills`; -1 or out of range: the uncounted colour. */
  readonly fill: ArrayLike<number>;
  readonly fills: readonly string[];
  /** A second colour per node, into `fills` (-1: none): a bridge's other group, on its right half. */
  readonly fill2?: ArrayLike<number>;
  /** 1: a browser node (a Chromium tab), drawn as a window; 0: a Node.js node, a disc. */
  readonly browser: ArrayLike<number>;
  /** 1: drawn as an outline only (a dead node). */
  readonly hollow: ArrayLike<number>;
  /** RING_* flags. */
  readonly rings: ArrayLike<number>;
  /** Live links, [a, b] pairs. */
  readonly links: ArrayLike<number>;
  /** Cut links, [a, b] pairs (dashed). */
  readonly cut: ArrayLike<number>;
  readonly hovered: number;
  /** A lasso being drawn, [x0, y0, x1, y1, ...] in CSS pixels. */
  readonly lasso: readonly number[] | null;
  readonly palette: Palette;
  /**
   * The links already drawn (by drawLinks) on a canvas of the same backing size: copied instead
   * of stroked again. Stroking 4,000 long links is most of a frame on a software canvas, and
   * they only change when the layout moves.
   */
  readonly linkLayer?: CanvasImageSource | null;
}

function strokePairs(ctx: Ctx2D, s: SwarmScene, pairs: ArrayLike<number>): number {
  let drawn = 0;
  ctx.beginPath();
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    const a = pairs[k];
    const b = pairs[k + 1];
    if (a >= s.n || b >= s.n || !s.shown[a] || !s.shown[b]) continue;
    ctx.moveTo(s.x[a], s.y[a]);
    ctx.lineTo(s.x[b], s.y[b]);
    drawn++;
  }
  if (drawn > 0) ctx.stroke();
  return drawn;
}

/** Node i's mark, grown by `gap` (a ring around it). */
function mark(ctx: Ctx2D, s: SwarmScene, i: number, gap: number): void {
  markPath(ctx, s.x[i], s.y[i], s.r[i] + gap, s.browser[i] === 1);
}

/** Clears the canvas and strokes the links: live solid, cut dashed. */
export function drawLinks(ctx: Ctx2D, s: SwarmScene): void {
  const p = s.palette;
  ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
  ctx.clearRect(0, 0, s.width, s.height);
  ctx.globalAlpha = 1;
  ctx.lineWidth = 0.7;
  ctx.strokeStyle = p.link;
  ctx.setLineDash([]);
  strokePairs(ctx, s, s.links);
  if (s.cut.length > 0) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = p.cut;
    ctx.setLineDash([4, 4]);
    strokePairs(ctx, s, s.cut);
    ctx.setLineDash([]);
  }
}

export function drawSwarm(ctx: Ctx2D, s: SwarmScene): void {
  const p = s.palette;
  if (s.linkLayer) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, s.width * s.dpr, s.height * s.dpr);
    ctx.globalAlpha = 1;
    ctx.drawImage(s.linkLayer, 0, 0);
    ctx.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
  } else drawLinks(ctx, s);

  // Filled nodes, one path per colour (a counting sort by bucket).
  const buckets = s.fills.length + 1; // the last: uncounted
  const counts = new Int32Array(buckets + 1);
  const bucketOf = (i: number) => {
    const f = s.fill[i];
    return f >= 0 && f < s.fills.length ? f : s.fills.length;
  };
  for (let i = 0; i < s.n; i++) if (s.shown[i] && !s.hollow[i]) counts[bucketOf(i) + 1]++;
  for (let b = 0; b < buckets; b++) counts[b + 1] += counts[b];
  const order = new Int32Array(counts[buckets]);
  const next = counts.slice(0, buckets);
  for (let i = 0; i < s.n; i++) if (s.shown[i] && !s.hollow[i]) order[next[bucketOf(i)]++] = i;
  for (let b = 0; b < buckets; b++) {
    if (counts[b + 1] === counts[b]) continue;
    ctx.fillStyle = b < s.fills.length ? s.fills[b] : p.uncounted;
    ctx.beginPath();
    for (let k = counts[b]; k < counts[b + 1]; k++) {
      mark(ctx, s, order[k], 0);
    }
    ctx.fill();
  }

  // Bridges coloured by group: the right half in the second group's colour.
  if (s.fill2) {
    for (let i = 0; i < s.n; i++) {
      const f = s.fill2[i];
      if (!s.shown[i] || s.hollow[i] || f < 0 || f >= s.fills.length) continue;
      ctx.fillStyle = s.fills[f];
      ctx.beginPath();
      rightHalfPath(ctx, s.x[i], s.y[i], s.r[i], s.browser[i] === 1);
      ctx.fill();
    }
  }

  // Windows' title bars: cut out of a filled window, drawn on a dead one's outline.
  titleBars(ctx, s, 0, p.background);
  titleBars(ctx, s, 1, p.dead);
  // Dead nodes: outlines.
  ringPath(ctx, s, (i) => s.hollow[i] === 1, 0, p.dead, 1.2, null);
  // Liars, frozen, selected: rings around the node.
  ringPath(ctx, s, (i) => (s.rings[i] & RING_LIAR) !== 0, 1.5, p.liar, 2, null);
  ringPath(ctx, s, (i) => (s.rings[i] & RING_FROZEN) !== 0, 1.5, p.frozen, 1.5, [2, 2]);
  ringPath(ctx, s, (i) => (s.rings[i] & RING_BRIDGE) !== 0, 2, p.bridge, 2.5, null);
  ringPath(ctx, s, (i) => (s.rings[i] & RING_SELECTED) !== 0, 3.5, p.selection, 2.5, null);

  if (s.hovered >= 0 && s.hovered < s.n && s.shown[s.hovered]) {
    ctx.strokeStyle = p.hover;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    mark(ctx, s, s.hovered, 5);
    ctx.stroke();
  }

  if (s.lasso && s.lasso.length >= 4) {
    ctx.strokeStyle = p.selection;
    ctx.fillStyle = p.selection;
    ctx.lineWidth = 1;
    ctx.setLineDash([5, 3]);
    ctx.beginPath();
    ctx.moveTo(s.lasso[0], s.lasso[1]);
    for (let k = 2; k + 1 < s.lasso.length; k += 2) ctx.lineTo(s.lasso[k], s.lasso[k + 1]);
    ctx.closePath();
    ctx.stroke();
    ctx.globalAlpha = 0.08;
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.setLineDash([]);
  }
}

function ringPath(
  ctx: Ctx2D,
  s: SwarmScene,
  has: (i: number) => boolean,
  gap: number,
  color: string,
  width: number,
  dash: number[] | null,
): void {
  let any = false;
  for (let i = 0; i < s.n; i++) {
    if (!s.shown[i] || !has(i)) continue;
    if (!any) {
      ctx.beginPath();
      any = true;
    }
    mark(ctx, s, i, gap);
  }
  if (!any) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  if (dash) ctx.setLineDash(dash);
  ctx.stroke();
  if (dash) ctx.setLineDash([]);
}

/** The title bars of the shown browser nodes drawn filled (hollow 0) or as outlines (hollow 1). */
function titleBars(ctx: Ctx2D, s: SwarmScene, hollow: number, color: string): void {
  let any = false;
  for (let i = 0; i < s.n; i++) {
    if (!s.shown[i] || s.browser[i] !== 1 || s.hollow[i] !== hollow) continue;
    if (s.r[i] < TITLE_BAR_MIN_R) continue;
    if (!any) {
      ctx.beginPath();
      any = true;
    }
    titleBarPath(ctx, s.x[i], s.y[i], s.r[i]);
  }
  if (!any) return;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.stroke();
}
