import { seededRng } from '../random';
import type { Graph } from '../sim/graph';
import { STREAM_TOPOLOGY } from '../sim/simulator';
import { randomRegular } from '../sim/topology';
import type { CheckSize } from './outcome';

/* What every simulator check of docs/claims.md shares: the seed, d, and the two run sizes. */

export const D = 2;
export const SEED = 1;
/** A stream of the seed for the checks' own draws (which nodes fail), apart from the run's. */
export const STREAM_FAILURES = 7;
/** "Agreement": the spread falls to this share of where it started (the simulator's 1e-6). */
export const AGREED = 1e-6;
/** The lab's default convergence epsilon (docs/lab.md, "Convergence"), in VU. */
export const EPSILON = 0.5;

export const pick = <T>(size: CheckSize, quick: T, full: T): T => (size === 'quick' ? quick : full);
export const fmt = (x: number, digits = 3): string =>
  Number.isFinite(x) ? x.toPrecision(digits) : '∞';

export function regular(n: number, degree: number): Graph {
  return randomRegular(n, degree, seededRng(SEED, STREAM_TOPOLOGY));
}
