import type { Ctx2D } from './canvas';
import { departure, progress } from '../lib/flights';

/** Frames in flight over the swarm map (slow motion): plain data in, canvas calls out. */
export interface FlightScene {
  /** Node centres in CSS pixels, by slot. */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly shown: ArrayLike<number>;
  /** [from, to] pairs, flat. */
  readonly pairs: ArrayLike<number>;
  /** Time in the animation, 0..1. */
  readonly u: number;
  /** The sender's colour: a frame carries its sender's state. */
  readonly colorOf: (slot: number) => string;
  readonly outline: string;
  readonly radius: number;
}

/** Draws each frame that is on its way as a dot on its link; returns how many were drawn. */
export function drawFlights(ctx: Ctx2D, s: FlightScene): number {
  let drawn = 0;
  ctx.lineWidth = 1;
  ctx.strokeStyle = s.outline;
  for (let k = 0; k + 1 < s.pairs.length; k += 2) {
    const a = s.pairs[k];
    const b = s.pairs[k + 1];
    if (!s.shown[a] || !s.shown[b]) continue;
    const p = progress(s.u, departure(a));
    if (p === null) continue;
    const x = s.x[a] + (s.x[b] - s.x[a]) * p;
    const y = s.y[a] + (s.y[b] - s.y[a]) * p;
    ctx.fillStyle = s.colorOf(a);
    ctx.beginPath();
    ctx.moveTo(x + s.radius, y);
    ctx.arc(x, y, s.radius, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
    drawn++;
  }
  return drawn;
}
