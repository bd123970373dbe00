import type { Worker } from 'node:worker_threads';
import {
  InlineEngine,
  PortEngine,
  type Engine,
  type EnginePort,
} from '../../../src-shared/node/engine';
import type { EngineInit, EngineReply } from '../../../src-shared/node/engine-protocol';
import { startWorker } from '../../runtime/worker-entry';

/** Where a node's drift step runs: its own worker thread, or the node's thread. */
export type EngineKind = 'worker' | 'inline';

export function startEngine(kind: EngineKind, init: EngineInit): Promise<Engine> {
  return kind === 'worker' ? DriftEngine.start(init) : Promise.resolve(new InlineEngine(init));
}

/** A worker thread as an engine port: its exit, expected or not, ends the engine. */
function workerPort(worker: Worker): EnginePort {
  let stopping = false;
  return {
    post: (cmd) => worker.postMessage(cmd),
    listen(onReply, onFailure) {
      worker.on('message', (reply: EngineReply) => onReply(reply));
      worker.on('error', (err) => onFailure(err));
      worker.on('exit', (code) => {
        if (!stopping) onFailure(new Error(`the drift engine stopped (exit code ${code})`));
      });
    },
    async terminate() {
      stopping = true;
      await worker.terminate();
    },
  };
}

/** The drift engine in a worker thread of its own (src-main/node/engine/engine-worker.ts). */
export const DriftEngine = {
  start(init: EngineInit): Promise<PortEngine> {
    return PortEngine.start(
      workerPort(startWorker('engine-worker', import.meta.url, { workerData: init })),
    );
  },
};
