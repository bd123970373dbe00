import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/worker-entry';
import type {
  PoolAnswer,
  PoolMessage,
  PoolNotice,
  PoolRequest,
} from '../../src-shared/lab/pool-protocol';
import type { NodePoolSetup } from './node-launcher';

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/** Worker threads for a lab by default: one per core (the controller's thread stays light). */
export function defaultPoolCount(): number {
  return Math.max(1, cpus().length);
}

/** The controller's handle on a pool of its nodes: a worker thread's, or a browser tab's. */
export interface LabPool {
  request<R extends PoolRequest>(req: R): Promise<PoolAnswer<R>>;
  /** Stops the pool's nodes gracefully, then the pool. */
  stop(): Promise<void>;
}

/**
 * The controller's handle on one lab worker: each request gets one reply. A worker that dies
 * fails every pending and later request with the reason.
 */
export class PoolClient implements LabPool {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  private constructor(
    readonly index: number,
    private readonly worker: Worker,
    onNotice: (notice: PoolNotice) => void,
  ) {
    worker.on('message', (m: PoolMessage) => {
      if (m.type !== 'reply') {
        onNotice(m);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) =>
      this.fail(new Error(`lab worker ${index} stopped (exit code ${code})`)),
    );
  }

  static start(index: number, setup: NodePoolSetup, onNotice: (notice: PoolNotice) => void) {
    return new PoolClient(
      index,
      startWorker('lab-worker', import.meta.url, { workerData: setup }),
      onNotice,
    );
  }

  request<R extends PoolRequest>(req: R): Promise<PoolAnswer<R>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id });
    });
  }

  /** Stops the pool's nodes gracefully, then the thread. */
  async stop(): Promise<void> {
    if (!this.failure) await this.request({ op: 'stop' }).catch(() => undefined);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fail(new Error(`lab worker ${this.index} was stopped`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
