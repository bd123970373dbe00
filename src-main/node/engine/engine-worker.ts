import { parentPort, workerData } from 'node:worker_threads';
import { answerCommand, driftFrom } from '../../../src-shared/node/engine-core';
import type { EngineCommand, EngineInit } from '../../../src-shared/node/engine-protocol';

/*
 * The drift engine: one node's NodeDrift in a worker thread, so that a cycle's arithmetic
 * never competes with the libp2p host's event loop. It only answers commands.
 */

const drift = driftFrom(workerData as EngineInit);
parentPort?.on('message', (cmd: EngineCommand) =>
  parentPort?.postMessage(answerCommand(drift, cmd)),
);
