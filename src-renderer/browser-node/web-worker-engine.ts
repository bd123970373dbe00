import { PortEngine, type EnginePort } from '../../src-shared/node/engine';
import type { EngineInit, EngineReply } from '../../src-shared/node/engine-protocol';

/** A Web Worker as an engine port: the init goes first, then the commands. */
function webWorkerPort(worker: Worker, init: EngineInit): EnginePort {
  return {
    post: (cmd) => worker.postMessage(cmd),
    listen(onReply, onFailure) {
      worker.onmessage = (e: MessageEvent<EngineReply>) => onReply(e.data);
      worker.onerror = (e) => onFailure(new Error(`the drift engine failed: ${e.message}`));
      worker.postMessage({ init });
    },
    terminate() {
      worker.terminate();
      return Promise.resolve();
    },
  };
}

/** Starts a browser node's drift engine in a Web Worker of its own (./engine-worker.ts). */
export function startWebWorkerEngine(init: EngineInit): Promise<PortEngine> {
  const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), {
    type: 'module',
    name: 'lvs-drift-engine',
  });
  return PortEngine.start(webWorkerPort(worker, init));
}
