import type { Ctx2D } from './canvas';

/*
 * A node's mark by what runs it: a Node.js node is a disc, a browser node (a Chromium tab) a
 * small window, a rounded square with a title bar. Colour keeps saying what it says on every
 * mark (distance or group, liar, dead, frozen), so the shape is the only thing the kind changes,
 * and it must read at a glance among a thousand discs.
 *
 * Each function adds to the current path and neither begins nor strokes it, so a whole colour
 * bucket of discs and windows still goes out in one fill.
 */

/** Half the window's side for a disc of radius r: about the disc's area, so sizes compare. */
const HALF = 0.9;
/** Corner radius, as a share of the half side: round enough to look like a window, not a tile. */
const CORNER = 0.3;
/** Where the title bar sits below the window's top edge, as a share of the half side. */
const BAR = 0.45;
/** Below this radius a title bar would cut the mark in two; the square alone still reads. */
export const TITLE_BAR_MIN_R = 3.5;

/** A disc of radius r, or for a browser node the window that stands for it. */
export function markPath(ctx: Ctx2D, x: number, y: number, r: number, browser: boolean): void {
  if (browser) windowPath(ctx, x, y, r);
  else {
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
  }
}

/** The right half of a node's mark (a bridge's second colour). */
export function rightHalfPath(ctx: Ctx2D, x: number, y: number, r: number, browser: boolean): void {
  if (!browser) {
    ctx.moveTo(x, y - r);
    ctx.arc(x, y, r, -Math.PI / 2, Math.PI / 2);
  } else {
    const h = HALF * r;
    const c = CORNER * h;
    ctx.moveTo(x, y - h);
    ctx.arc(x + h - c, y - h + c, c, -Math.PI / 2, 0);
    ctx.arc(x + h - c, y + h - c, c, 0, Math.PI / 2);
    ctx.lineTo(x, y + h);
  }
  ctx.closePath();
}

/** The line across a window mark under its top edge (stroke it in a colour that stands out). */
export function titleBarPath(ctx: Ctx2D, x: number, y: number, r: number): void {
  const h = HALF * r;
  const at = y - h + BAR * h;
  ctx.moveTo(x - h, at);
  ctx.lineTo(x + h, at);
}

function windowPath(ctx: Ctx2D, x: number, y: number, r: number): void {
  const h = HALF * r;
  const c = CORNER * h;
  // An arc starts with a straight line from the pen: four corner arcs make the four sides.
  ctx.moveTo(x - h + c, y - h);
  ctx.arc(x + h - c, y - h + c, c, -Math.PI / 2, 0);
  ctx.arc(x + h - c, y + h - c, c, 0, Math.PI / 2);
  ctx.arc(x - h + c, y + h - c, c, Math.PI / 2, Math.PI);
  ctx.arc(x - h + c, y - h + c, c, Math.PI, (3 * Math.PI) / 2);
  ctx.closePath();
}
