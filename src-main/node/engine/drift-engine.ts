import type { Worker } from 'node:worker_threads';
import { CommandEngine, InlineEngine, type Engine } from '../../../src-shared/node/engine';
import type {
  EngineCommand,
  EngineInit,
  EngineReply,
} from '../../../src-shared/node/engine-protocol';
import { startWorker } from '../../runtime/worker-entry';

type Pending = { resolve: (r: EngineReply & { ok: true }) => void; reject: (e: Error) => void };

/** Where a node's drift step runs: its own worker thread, or the node's thread. */
export type EngineKind = 'worker' | 'inline';

export function startEngine(kind: EngineKind, init: EngineInit): Promise<Engine> {
  return kind === 'worker' ? DriftEngine.start(init) : Promise.resolve(new InlineEngine(init));
}

/**
 * The main thread's handle on a node's drift engine worker. A worker that dies fails every
 * pending and later call with the reason.
 */
export class DriftEngine extends CommandEngine {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    super();
    worker.on('message', (reply: EngineReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) =>
      this.fail(new Error(`the drift engine stopped (exit code ${code})`)),
    );
  }

  static async start(init: EngineInit): Promise<DriftEngine> {
    const worker = startWorker('engine-worker', import.meta.url, { workerData: init });
    const engine = new DriftEngine(worker);
    await engine.snapshot(); // the worker answers once NodeDrift is built (or fails its init)
    return engine;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fail(new Error('the drift engine was stopped'));
  }

  protected send(cmd: EngineCommand): Promise<EngineReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(cmd.id, { resolve, reject });
      this.worker.postMessage(cmd);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
