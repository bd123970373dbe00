import { NodeDrift } from '../drift/node-drift';
import { secureRng, seededRng } from '../random';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';
import { errorMessage } from '../error-message';

/*
 * What both engines run: a NodeDrift built from its init, answering engine commands. The worker
 * engine runs it in a thread of its own (a personal node); the inline engine runs it on the
 * caller's thread (a lab worker hosting hundreds of nodes, where a thread per node would cost
 * more than the arithmetic it saves).
 */

export function driftFrom(init: EngineInit): NodeDrift {
  return new NodeDrift({
    params: init.params,
    state: init.state,
    rng: init.seed === undefined ? secureRng() : seededRng(init.seed),
    earned: init.earned,
    tcSelf: init.tcSelf,
    cycle: init.cycle ?? 0,
  });
}

export function snapshotOf(drift: NodeDrift): EngineSnapshot {
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

/** Runs one command; a command that throws becomes a failed reply. */
export function answerCommand(drift: NodeDrift, cmd: EngineCommand): EngineReply {
  try {
    switch (cmd.op) {
      case 'step': {
        const cycle = drift.step(cmd.peers, cmd.load);
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift), cycle };
      }
      case 'set-params':
        drift.setParams(cmd.params);
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift) };
      case 'penalise':
        drift.penalise(cmd.peer, cmd.drop);
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift) };
      case 'snapshot':
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift) };
    }
  } catch (err) {
    return { id: cmd.id, ok: false, error: errorMessage(err) };
  }
}
