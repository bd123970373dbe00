import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Graph } from '../../src-shared/sim/graph';
import {
  allocateBuffers,
  BLOCK,
  formShardBook,
  Meter,
  prepareRun,
  type CycleMetrics,
  type RunSpec,
  type SimBuffers,
} from '../../src-shared/sim/simulator';
import type { ShardBook } from '../../src-shared/sim/shard-book';
import { startWorker } from '../runtime/worker-entry';
import type { SimWorkerCommand, SimWorkerData } from './sim-worker';

/**
 * A simulation stepped by worker threads over shared memory. Threads take whole blocks from a
 * shared counter; every block draws its entropy from a stream of its own whose position lives
 * in shared memory, so whichever thread steps a block, the run is bit-identical to the
 * single-threaded reference. The calling thread only orchestrates and measures.
 */
export class ThreadedSimulation {
  private readonly meter: Meter;
  private cycles = 0;

  private constructor(
    readonly buffers: SimBuffers,
    private readonly spec: RunSpec,
    private readonly workers: readonly Worker[],
    /** Rejects once any worker fails or stops; every wait on the workers races it. */
    private readonly failed: Promise<never>,
    private readonly nextBlock: Int32Array,
    /** Shards and churn, kept by this thread between cycles (null: whole states, no churn). */
    private readonly book: ShardBook | null,
  ) {
    this.meter = new Meter(buffers, buffers.states[0], book);
  }

  static async start(
    graph: Graph,
    spec: RunSpec,
    initial: Float64Array,
    threads: number,
  ): Promise<ThreadedSimulation> {
    const d = spec.params.dimensions;
    const blocks = Math.ceil(graph.n / BLOCK);
    const count = Math.max(1, Math.min(threads, blocks));
    const buffers = allocateBuffers(graph, d, count, true, spec.params.shards);
    prepareRun(buffers, initial, spec.seed);
    const book = formShardBook(buffers, spec);
    const nextBlock = new Int32Array(new SharedArrayBuffer(4));
    const workers = splitBlocks(graph.n, count).map(([from, to], thread) => {
      const workerData: SimWorkerData = { buffers, spec, thread, nextBlock, from, to };
      return startWorker('sim-worker', import.meta.url, { workerData });
    });
    const failed = watchWorkers(workers);
    try {
      await Promise.race([Promise.all(workers.map((w) => once(w, 'online'))), failed]);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new ThreadedSimulation(buffers, spec, workers, failed, nextBlock, book);
  }

  get cycle(): number {
    return this.cycles;
  }

  get threads(): number {
    return this.workers.length;
  }

  get state(): Float64Array {
    return this.buffers.states[this.cycles % 2];
  }

  async advance(): Promise<void> {
    // Every worker is idle here: all of the last cycle's answers are in.
    Atomics.store(this.nextBlock, 0, 0);
    this.book?.beforeCycle(this.cycles + 1, this.state);
    await this.broadcast({ op: 'step', cycle: this.cycles });
    if (this.spec.params.weighting === 'claimed') await this.broadcast({ op: 'claims' });
    this.cycles++;
  }

  measure(withDistance = false): CycleMetrics {
    return this.meter.measure(this.cycles, this.state, withDistance);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async broadcast(cmd: SimWorkerCommand): Promise<void> {
    const done = this.workers.map((w) => once(w, 'message'));
    for (const w of this.workers) w.postMessage(cmd);
    await Promise.race([Promise.all(done), this.failed]);
  }
}

/**
 * A promise that rejects with the first error of any worker, or when one stops: a worker that
 * dies between two waits would otherwise crash the process (an 'error' event nobody listens to)
 * or leave the run waiting for an answer forever.
 */
function watchWorkers(workers: readonly Worker[]): Promise<never> {
  const failed = new Promise<never>((_, reject) => {
    for (const w of workers) {
      w.once('error', reject);
      w.once('exit', (code) =>
        reject(new Error(`a simulation worker stopped (exit code ${code})`)),
      );
    }
  });
  failed.catch(() => undefined); // observed by every wait; closing the run also rejects it
  return failed;
}

/** Splits n nodes into `count` ranges of whole blocks (each thread updates claims over one). */
export function splitBlocks(n: number, count: number): [number, number][] {
  const blocks = Math.ceil(n / BLOCK);
  const ranges: [number, number][] = [];
  for (let t = 0; t < count; t++) {
    const from = Math.min(n, Math.floor((blocks * t) / count) * BLOCK);
    const to = Math.min(n, Math.floor((blocks * (t + 1)) / count) * BLOCK);
    ranges.push([from, to]);
  }
  return ranges;
}

/** Threads worth using: one per core, and none beyond the blocks there are. */
export function defaultThreads(): number {
  return availableParallelism();
}
