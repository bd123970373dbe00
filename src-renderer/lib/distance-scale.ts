/*
 * The swarm map's distance colours on a fixed scale. The scale is anchored to the lab's
 * epsilon (the spread under which it counts as converged) and never to the farthest node: a
 * scale that stretches to the worst node paints a converged swarm (every distance 1e-7 VU) in
 * the far colour, and a picture that always looks equally spread tells nothing.
 */

/**
 * The upper bounds of the buckets below the last, in multiples of epsilon (a 1-2-5 series over
 * two decades): bucket 0 ("near") is closer than epsilon, the last is 200 epsilon or farther.
 */
export const DISTANCE_STEPS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200];

/** How many colours the scale has. */
export const DISTANCE_BUCKETS = DISTANCE_STEPS.length + 1;

/** The bucket bounds in VU for a lab's epsilon. */
export function distanceBounds(epsilon: number): number[] {
  return DISTANCE_STEPS.map((k) => k * epsilon);
}

/**
 * The bucket of a distance: 0 when under epsilon, k when at least DISTANCE_STEPS[k-1] epsilon
 * and under DISTANCE_STEPS[k] epsilon, the last from 200 epsilon on. -1 for NaN (not counted).
 */
export function distanceBucket(distance: number, epsilon: number): number {
  if (!Number.isFinite(distance) && distance !== Infinity) return -1;
  if (!(epsilon > 0)) return -1;
  let k = 0;
  while (k < DISTANCE_STEPS.length && distance >= DISTANCE_STEPS[k] * epsilon) k++;
  return k;
}
