import type { Worker } from 'node:worker_threads';
import type { CycleResult, PeerReport } from '../../../src-shared/drift/node-drift';
import type { DriftParams } from '../../../src-shared/drift/params';
import { startWorker } from '../../runtime/worker-entry';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';

type Pending = { resolve: (r: EngineReply & { ok: true }) => void; reject: (e: Error) => void };

// Distributes Omit over the command union, so each variant keeps its own fields.
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * The main thread's handle on a node's drift engine worker: each call is one command and one
 * reply. A worker that dies fails every pending and later call with the reason.
 */
export class DriftEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
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

  async step(
    peers: readonly PeerReport[],
    load: number,
  ): Promise<{ snapshot: EngineSnapshot; cycle: CycleResult }> {
    const reply = await this.send({ op: 'step', peers, load });
    if (!reply.cycle) throw new Error('the drift engine answered a step without a cycle');
    return { snapshot: reply.snapshot, cycle: reply.cycle };
  }

  async setParams(params: DriftParams): Promise<EngineSnapshot> {
    return (await this.send({ op: 'set-params', params })).snapshot;
  }

  async penalise(peer: string, drop?: number): Promise<EngineSnapshot> {
    return (
      await this.send(
        drop === undefined ? { op: 'penalise', peer } : { op: 'penalise', peer, drop },
      )
    ).snapshot;
  }

  async snapshot(): Promise<EngineSnapshot> {
    return (await this.send({ op: 'snapshot' })).snapshot;
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
    this.fail(new Error('the drift engine was stopped'));
  }

  private send(cmd: WithoutId<EngineCommand>): Promise<EngineReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...cmd, id });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
