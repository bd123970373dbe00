import { createHash } from 'node:crypto';
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import {
  randomStates,
  Simulation,
  STREAM_TOPOLOGY,
  type CycleMetrics,
} from '../../src-shared/sim/simulator';
import { buildTopology, parseTopology } from '../../src-shared/sim/topology';

/*
 * Runs whose hashes tests/fixtures/k1-baseline.json holds. The fixture was written by
 * `npx tsx tests/helpers/k1-baseline.ts` at commit 912f530, the last commit before shards
 * existed, so the test that reads it compares today's code with the code before shards, not
 * with itself. Each run's hash covers the final state buffer and every cycle's metrics.
 */

export interface BaselineRun {
  readonly name: string;
  readonly nodes: number;
  readonly topology: string;
  readonly params: Record<string, unknown>;
  readonly cycles: number;
  readonly seed: number;
}

export const BASELINE_RUNS: readonly BaselineRun[] = [
  {
    name: 'd2-claimed-random8',
    nodes: 5000,
    topology: 'random:8',
    params: { alpha: 0.08, beta: 0.15, weighting: 'claimed' },
    cycles: 40,
    seed: 5,
  },
  {
    name: 'd3-median-ws',
    nodes: 3000,
    topology: 'ws:10:0.1',
    params: { dimensions: 3, aggregator: 'median', weighting: 'uniform' },
    cycles: 30,
    seed: 7,
  },
  {
    name: 'd5-metropolis-er',
    nodes: 2000,
    topology: 'er:12',
    params: { dimensions: 5, weighting: 'metropolis', alpha: 0.02 },
    cycles: 30,
    seed: 11,
  },
];

/** SHA-256 of the run's final states and of its metrics, cycle 0 to the last. */
export function baselineHash(run: BaselineRun, extra: Record<string, unknown> = {}): string {
  const params = resolveParams({ ...run.params, ...extra });
  const graph = buildTopology(
    parseTopology(run.topology, 8),
    run.nodes,
    seededRng(run.seed, STREAM_TOPOLOGY),
  );
  const initial = randomStates(run.nodes, params.dimensions, run.seed, 100, 10);
  const sim = new Simulation({ graph, params, seed: run.seed, initial });
  const hash = createHash('sha256');
  // The measures that existed before shards, by name: fields added since do not enter the hash.
  const legacy = (m: CycleMetrics) =>
    JSON.stringify([m.cycle, m.spread, m.std, m.maxDistance, m.mean, m.wander, m.interventions]);
  hash.update(legacy(sim.measure(true)));
  for (let t = 0; t < run.cycles; t++) hash.update(legacy(sim.step(true)));
  const s = sim.state;
  hash.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  return hash.digest('hex');
}

if (process.argv[1]?.endsWith('k1-baseline.ts')) {
  const out = Object.fromEntries(BASELINE_RUNS.map((r) => [r.name, baselineHash(r)]));
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}
