import { NodeDrift } from '../drift/node-drift';
import { ShardDrift, type ShardPeerReport } from '../drift/shard-drift';
import { secureRng, seededRng } from '../random';
import type { EngineCommand, EngineInit, EngineReply, EngineSnapshot } from './engine-protocol';
import { errorMessage } from '../error-message';

/*
 * What both engines run: a NodeDrift built from its init, answering engine commands. The worker
 * engine runs it in a thread of its own (a personal node); the inline engine runs it on the
 * caller's thread (a lab worker hosting hundreds of nodes, where a thread per node would cost
 * more than the arithmetic it saves).
 */

/** A node's drift: the whole state's (K = 1), or its held shards' (K > 1). */
export type AnyDrift = NodeDrift | ShardDrift;

export function driftFrom(init: EngineInit): AnyDrift {
  if (init.params.shards > 1)
    return new ShardDrift({
      params: init.params,
      state: init.state,
      holds: init.holds ?? [],
      rng: init.seed === undefined ? secureRng() : seededRng(init.seed),
      earned: init.earned,
      tcSelf: init.tcSelf,
      cycle: init.cycle ?? 0,
    });
  return new NodeDrift({
    params: init.params,
    state: init.state,
    rng: init.seed === undefined ? secureRng() : seededRng(init.seed),
    earned: init.earned,
    tcSelf: init.tcSelf,
    cycle: init.cycle ?? 0,
  });
}

export function snapshotOf(drift: AnyDrift): EngineSnapshot {
  // K = 1 snapshots have no shard fields, exactly as before shards.
  const shards = drift instanceof ShardDrift ? { holds: drift.holds, dcs: drift.dcs } : {};
  return {
    ...shards,
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
export function answerCommand(drift: AnyDrift, cmd: EngineCommand): EngineReply {
  try {
    switch (cmd.op) {
      case 'step': {
        const cycle =
          drift instanceof ShardDrift
            ? drift.step(cmd.peers as readonly ShardPeerReport[], cmd.load)
            : drift.step(cmd.peers, cmd.load);
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift), cycle };
      }
      case 'adopt':
        if (!(drift instanceof ShardDrift))
          throw new RangeError('a node of one shard holds the whole state: nothing to adopt');
        drift.adopt(cmd.shard, cmd.state);
        return { id: cmd.id, ok: true, snapshot: snapshotOf(drift) };
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
