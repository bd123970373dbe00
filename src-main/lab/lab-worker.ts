import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../runtime/thread-priority';
import { NodePool } from '../../src-shared/lab/node-pool';
import type { PoolCommand, PoolMessage } from '../../src-shared/lab/pool-protocol';
import { errorMessage } from '../../src-shared/error-message';
import { NodeJsLauncher, type NodePoolSetup } from './node-launcher';

/*
 * A lab worker: one NodePool of Node.js nodes on its own thread, answering the controller's
 * commands in the order they arrive. Nodes' warnings and new addresses go to the controller.
 */

const POOL_NICE = 10;
const port = parentPort;
if (!port) throw new Error('lab-worker runs as a worker thread');
// The controller's thread (where the monitor lives) comes first when the cores are all busy.
lowerThreadPriority(POOL_NICE);
const post = (m: PoolMessage) => port.postMessage(m);
const setup = workerData as NodePoolSetup;
const pool = new NodePool(setup.init, new NodeJsLauncher(setup), post);

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
