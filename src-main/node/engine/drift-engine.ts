import type { Worker } from 'node:worker_threads';
import type { CycleResult, NodeDrift, PeerReport } from '../../../src-shared/drift/node-drift';
import type { DriftParams } from '../../../src-shared/drift/params';
import { startWorker } from '../../runtime/worker-entry';
import { answerCommand, driftFrom } from './engine-core';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';

type Pending = { resolve: (r: EngineReply & { ok: true }) => void; reject: (e: Error) => void };

// Distributes Omit over the command union, so each variant keeps its own fields.
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Where a node's drift step runs: its own worker thread, or the node's thread. */
export type EngineKind = 'worker' | 'inline';

/** A node's drift engine: each call is one command and one reply. */
export interface Engine {
  step(
    peers: readonly PeerReport[],
    load: number,
  ): Promise<{ snapshot: EngineSnapshot; cycle: CycleResult }>;
  setParams(params: DriftParams): Promise<EngineSnapshot>;
  penalise(peer: string, drop?: number): Promise<EngineSnapshot>;
  snapshot(): Promise<EngineSnapshot>;
  stop(): Promise<void>;
}

export function startEngine(kind: EngineKind, init: EngineInit): Promise<Engine> {
  return kind === 'worker' ? DriftEngine.start(init) : Promise.resolve(new InlineEngine(init));
}

/** Sends one command through `send` and unpacks the reply, for both engines. */
abstract class CommandEngine implements Engine {
  private nextId = 1;

  async step(
    peers: readonly PeerReport[],
    load: number,
  ): Promise<{ snapshot: EngineSnapshot; cycle: CycleResult }> {
    const reply = await this.command({ op: 'step', peers, load });
    if (!reply.cycle) throw new Error('the drift engine answered a step without a cycle');
    return { snapshot: reply.snapshot, cycle: reply.cycle };
  }

  async setParams(params: DriftParams): Promise<EngineSnapshot> {
    return (await this.command({ op: 'set-params', params })).snapshot;
  }

  async penalise(peer: string, drop?: number): Promise<EngineSnapshot> {
    return (
      await this.command(
        drop === undefined ? { op: 'penalise', peer } : { op: 'penalise', peer, drop },
      )
    ).snapshot;
  }

  async snapshot(): Promise<EngineSnapshot> {
    return (await this.command({ op: 'snapshot' })).snapshot;
  }

  abstract stop(): Promise<void>;

  protected abstract send(cmd: EngineCommand): Promise<EngineReply & { ok: true }>;

  private command(cmd: WithoutId<EngineCommand>): Promise<EngineReply & { ok: true }> {
    return this.send({ ...cmd, id: this.nextId++ } as EngineCommand);
  }
}

/** The drift step on the caller's thread (labs): no thread, no copying. */
export class InlineEngine extends CommandEngine {
  private drift: NodeDrift | null;

  constructor(init: EngineInit) {
    super();
    this.drift = driftFrom(init);
  }

  protected send(cmd: EngineCommand): Promise<EngineReply & { ok: true }> {
    if (!this.drift) return Promise.reject(new Error('the drift engine was stopped'));
    const reply = answerCommand(this.drift, cmd);
    return reply.ok ? Promise.resolve(reply) : Promise.reject(new Error(reply.error));
  }

  stop(): Promise<void> {
    this.drift = null;
    return Promise.resolve();
  }
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
