import { resolveParams, type DriftParams } from '../../src-shared/drift/params';
import type { Graph } from '../../src-shared/sim/graph';
import { Simulation } from '../../src-shared/sim/simulator';

/**
 * Limits so wide that no clamp, anomaly bound, loss limit or recovery switch can act: the
 * linear model that the theory describes.
 */
export const UNBOUND = {
  maxDiff: 1e9,
  anomalyLimit: 1e9,
  maxDrift: 1e9,
  forceLimit: 1e9,
  lossLimit: 0.99,
} as const;

export function linearParams(overrides: Record<string, unknown>): DriftParams {
  return resolveParams({ ...UNBOUND, ...overrides });
}

/** A single-threaded simulation from given initial states (n x d, node-major). */
export function simulate(
  graph: Graph,
  params: DriftParams,
  initial: Float64Array,
  seed = 1,
): Simulation {
  return new Simulation({ graph, params, seed, initial });
}

/** Mean of coordinate c over nodes [0, n). */
export function coordinateMean(state: Float64Array, n: number, d: number, c: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += state[i * d + c];
  return s / n;
}
