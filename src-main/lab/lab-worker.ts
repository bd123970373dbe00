import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../runtime/thread-priority';
import { NodePool } from './node-pool';
import type { PoolCommand, PoolInit, PoolMessage } from './pool-protocol';
import { errorMessage } from '../../src-shared/error-message';

/*
 * A lab worker: one NodePool on its own thread, answering the controller's commands in the
 * order they arrive. Nodes' warnings go to the controller as events.
 */

const POOL_NICE = 10;
const port = parentPort;
if (!port) throw new Error('lab-worker runs as a worker thread');
// The controller's thread (where the monitor lives) comes first when the cores are all busy.
lowerThreadPriority(POOL_NICE);
const post = (m: PoolMessage) => port.postMessage(m);
const pool = new NodePool(workerData as PoolInit, (slot, what) =>
  post({ type: 'node', slot, what }),
);

port.on('message', (cmd: PoolCommand) => {
  pool.handle(cmd).then(
    (value) => post({ type: 'reply', id: cmd.id, ok: true, value }),
    (err: unknown) =>
      post({
        type: 'reply',
        id: cmd.id,
        ok: false,
        error: errorMessage(err),
      }),
  );
});
