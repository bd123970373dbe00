import { parentPort, workerData } from 'node:worker_threads';
import { BLOCK, BlockStepper, type RunSpec, type SimBuffers } from '../../src-shared/sim/simulator';

/**
 * One thread of a threaded simulation. Each cycle it takes blocks from a shared counter until
 * none is left, so that a thread the system slows down steps fewer of them and the other does
 * not wait; it updates the claims over a fixed range of its own.
 */
export interface SimWorkerData {
  readonly buffers: SimBuffers;
  readonly spec: RunSpec;
  readonly thread: number;
  /** [0]: the next block of the cycle to take; the coordinator resets it before each cycle. */
  readonly nextBlock: Int32Array;
  /** This thread's range for the claims update. */
  readonly from: number;
  readonly to: number;
}

export type SimWorkerCommand =
  { readonly op: 'step'; readonly cycle: number } | { readonly op: 'claims' };

const data = workerData as SimWorkerData;
const stepper = new BlockStepper(data.buffers, data.spec, data.thread);

const n = data.buffers.n;
const blocks = Math.ceil(n / BLOCK);

function stepBlocks(cycle: number): void {
  for (;;) {
    const b = Atomics.add(data.nextBlock, 0, 1);
    if (b >= blocks) return;
    stepper.step(cycle, b * BLOCK, Math.min(n, (b + 1) * BLOCK));
  }
}

parentPort?.on('message', (cmd: SimWorkerCommand) => {
  if (cmd.op === 'step') stepBlocks(cmd.cycle);
  else stepper.updateClaims(data.from, data.to);
  parentPort?.postMessage(cmd.op);
});
