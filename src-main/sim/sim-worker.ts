import { parentPort, workerData } from 'node:worker_threads';
import { BlockStepper, type RunSpec, type SimBuffers } from '../../src-shared/sim/simulator';

/** One thread of a threaded simulation: steps its own block range of every cycle. */
export interface SimWorkerData {
  readonly buffers: SimBuffers;
  readonly spec: RunSpec;
  readonly thread: number;
  readonly from: number;
  readonly to: number;
}

export type SimWorkerCommand =
  { readonly op: 'step'; readonly cycle: number } | { readonly op: 'claims' };

const data = workerData as SimWorkerData;
const stepper = new BlockStepper(data.buffers, data.spec, data.thread);

parentPort?.on('message', (cmd: SimWorkerCommand) => {
  if (cmd.op === 'step') stepper.step(cmd.cycle, data.from, data.to);
  else stepper.updateClaims(data.from, data.to);
  parentPort?.postMessage(cmd.op);
});
