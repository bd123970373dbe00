import type { DriftParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import type { Graph } from '../../src-shared/sim/graph';
import {
  BLOCK,
  randomStates,
  Simulation,
  STREAM_TOPOLOGY,
  type CycleMetrics,
} from '../../src-shared/sim/simulator';
import type { CappedNodes } from '../../src-shared/sim/shard-book';
import { summarise, type SimSummary } from '../../src-shared/sim/summary';
import { buildTopology, type TopologySpec } from '../../src-shared/sim/topology';
import { ThreadedSimulation } from './threaded-simulation';

export interface SimRunOptions {
  readonly nodes: number;
  readonly topology: TopologySpec;
  readonly params: DriftParams;
  readonly seed: number;
  /** Share of the nodes that leave each cycle, replaced by as many newcomers (docs/shards.md). */
  readonly churn?: number;
  /** That share of the nodes holds at most that many shards (docs/shards.md, "Capacity"). */
  readonly capped?: CappedNodes;
  readonly cycles: number;
  /** Initial states are uniform in center +- spread per component. */
  readonly center: number;
  readonly spread: number;
  readonly threads: number;
  /** The graph of nodes/topology/seed when the caller has built it already (see buildGraph). */
  readonly graph?: Graph;
  /** Called after every cycle (and once for the initial state, cycle 0). */
  readonly onCycle?: (m: CycleMetrics) => void;
}

export interface SimRunResult {
  readonly graph: Graph;
  readonly threads: number;
  readonly metrics: readonly CycleMetrics[];
  readonly summary: SimSummary;
  /** Wall time of the cycles alone (not the graph or the set-up). */
  readonly stepMs: number;
}

/** The common face of the single-threaded and the threaded run. */
interface Run {
  readonly threads: number;
  advance(): void | Promise<void>;
  measure(withDistance: boolean): CycleMetrics;
  close(): void | Promise<void>;
}

/** Threads pay off only once every thread has a few blocks of nodes to step. */
const MIN_NODES_PER_THREAD = 2 * BLOCK;

export function buildGraph(opts: Pick<SimRunOptions, 'nodes' | 'topology' | 'seed'>): Graph {
  return buildTopology(opts.topology, opts.nodes, seededRng(opts.seed, STREAM_TOPOLOGY));
}

async function startRun(graph: Graph, opts: SimRunOptions, initial: Float64Array): Promise<Run> {
  const spec = {
    params: opts.params,
    seed: opts.seed,
    churn: opts.churn ?? 0,
    ...(opts.capped ? { capped: opts.capped } : {}),
  };
  const threads = Math.min(opts.threads, Math.floor(graph.n / MIN_NODES_PER_THREAD));
  if (threads >= 2) return ThreadedSimulation.start(graph, spec, initial, threads);
  const sim = new Simulation({ ...spec, graph, initial });
  return {
    threads: 1,
    advance: () => sim.advance(),
    measure: (withDistance) => sim.measure(withDistance),
    close: () => undefined,
  };
}

/** Builds the graph, runs every cycle and measures after each one. */
export async function runSimulation(opts: SimRunOptions): Promise<SimRunResult> {
  const graph = opts.graph ?? buildGraph(opts);
  const d = opts.params.dimensions;
  const initial = randomStates(graph.n, d, opts.seed, opts.center, opts.spread);
  const run = await startRun(graph, opts, initial);
  const metrics: CycleMetrics[] = [];
  const record = (m: CycleMetrics) => {
    metrics.push(m);
    opts.onCycle?.(m);
  };
  let stepMs = 0;
  try {
    record(run.measure(true));
    for (let t = 0; t < opts.cycles; t++) {
      const t0 = performance.now();
      await run.advance();
      stepMs += performance.now() - t0;
      record(run.measure(true));
    }
  } finally {
    await run.close();
  }
  return { graph, threads: run.threads, metrics, summary: summarise(metrics), stepMs };
}
