import { parentPort, workerData } from 'node:worker_threads';
import { NodeDrift } from '../../../src-shared/drift/node-drift';
import { secureRng, seededRng } from '../../../src-shared/random';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';

/*
 * The drift engine: one node's NodeDrift in a worker thread, so that a cycle's arithmetic
 * never competes with the libp2p host's event loop. It only answers commands.
 */

const init = workerData as EngineInit;
const drift = new NodeDrift({
  params: init.params,
  state: init.state,
  rng: init.seed === undefined ? secureRng() : seededRng(init.seed),
  earned: init.earned,
  tcSelf: init.tcSelf,
  cycle: init.cycle ?? 0,
});

function snapshot(): EngineSnapshot {
  return {
    cycle: drift.cycle,
    S: drift.state,
    D: drift.drift,
    earned: drift.earned,
    tcSelf: drift.tcSelf,
    dc: drift.dc,
    recovery: drift.recovery,
    trust: drift.trustTable(),
    counts: [...drift.counts],
  };
}

function handle(cmd: EngineCommand): EngineReply {
  switch (cmd.op) {
    case 'step': {
      const cycle = drift.step(cmd.peers, cmd.load);
      return { id: cmd.id, ok: true, snapshot: snapshot(), cycle };
    }
    case 'set-params':
      drift.setParams(cmd.params);
      return { id: cmd.id, ok: true, snapshot: snapshot() };
    case 'penalise':
      drift.penalise(cmd.peer, cmd.drop);
      return { id: cmd.id, ok: true, snapshot: snapshot() };
    case 'snapshot':
      return { id: cmd.id, ok: true, snapshot: snapshot() };
  }
}

parentPort?.on('message', (cmd: EngineCommand) => {
  let reply: EngineReply;
  try {
    reply = handle(cmd);
  } catch (err) {
    reply = { id: cmd.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
