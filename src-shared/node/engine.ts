import type { CycleResult, PeerReport } from '../drift/node-drift';
import type { DriftParams } from '../drift/params';
import { answerCommand, driftFrom, type AnyDrift } from './engine-core';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';

/*
 * A node's drift engine as the node core sees it: one command, one reply. The inline engine runs
 * NodeDrift on the caller's thread; a host may run it elsewhere through an `EnginePort` (the
 * Node.js node: a worker thread, src-main/node/engine/drift-engine.ts; a browser node: a Web
 * Worker, src-renderer/browser-node/engine-worker.ts) by sending the same commands.
 */

// Distributes Omit over the command union, so each variant keeps its own fields.
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A node's drift engine: each call is one command and one reply. */
export interface Engine {
  step(
    peers: readonly PeerReport[],
    load: number,
  ): Promise<{ snapshot: EngineSnapshot; cycle: CycleResult }>;
  setParams(params: DriftParams): Promise<EngineSnapshot>;
  penalise(peer: string, drop?: number): Promise<EngineSnapshot>;
  snapshot(): Promise<EngineSnapshot>;
  /** K > 1: start holding shard `shard` from `state` (its width of components). */
  adopt(shard: number, state: readonly number[]): Promise<EngineSnapshot>;
  stop(): Promise<void>;
}

/** Sends one command through `send` and unpacks the reply, for both engines. */
export abstract class CommandEngine implements Engine {
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

  async adopt(shard: number, state: readonly number[]): Promise<EngineSnapshot> {
    return (await this.command({ op: 'adopt', shard, state })).snapshot;
  }

  abstract stop(): Promise<void>;

  protected abstract send(cmd: EngineCommand): Promise<EngineReply & { ok: true }>;

  private command(cmd: WithoutId<EngineCommand>): Promise<EngineReply & { ok: true }> {
    return this.send({ ...cmd, id: this.nextId++ } as EngineCommand);
  }
}

/** The drift step on the caller's thread (labs): no thread, no copying. */
export class InlineEngine extends CommandEngine {
  private drift: AnyDrift | null;

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
 * A channel to an engine running on another thread: commands out, replies in. The platform says
 * how (a worker thread's port, a Web Worker's postMessage) and when the thread died.
 */
export interface EnginePort {
  post(cmd: EngineCommand): void;
  /** Called once, before the first command. */
  listen(onReply: (reply: EngineReply) => void, onFailure: (err: Error) => void): void;
  terminate(): Promise<void>;
}

type Pending = { resolve: (r: EngineReply & { ok: true }) => void; reject: (e: Error) => void };

/**
 * An engine on another thread, through its port. A thread that dies fails every pending and
 * later call with the reason.
 */
export class PortEngine extends CommandEngine {
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;

  protected constructor(private readonly port: EnginePort) {
    super();
    port.listen(
      (reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) p.resolve(reply);
        else p.reject(new Error(reply.error));
      },
      (err) => this.fail(err),
    );
  }

  /** Waits for the thread's first answer: it comes once NodeDrift is built, or fails its init. */
  static async start(port: EnginePort): Promise<PortEngine> {
    const engine = new PortEngine(port);
    try {
      await engine.snapshot();
    } catch (err) {
      await port.terminate();
      throw err;
    }
    return engine;
  }

  async stop(): Promise<void> {
    this.fail(new Error('the drift engine was stopped'));
    await this.port.terminate();
  }

  protected send(cmd: EngineCommand): Promise<EngineReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(cmd.id, { resolve, reject });
      this.port.post(cmd);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
