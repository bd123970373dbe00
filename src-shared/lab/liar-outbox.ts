import type { LiarBehaviour } from '../api/lab-api';
import { toldState } from '../lab/lies';
import type { CycleOutbox } from '../node/node-core';
import type { DriftProtocol } from '../protocol';
import type { EntropyPacket, StateDiffMessage } from '../protocol/messages';
import type { Rng } from '../random';

/**
 * How a lab node's cycle goes out: honestly, or as the liar the lab made it (its attacks). The
 * node runs its cycle as usual; this chooses what each peer is told from the honest SDM and the
 * peer's own newest one. (A garbage liar sends undecodable frames instead: its shaper replaces
 * them, see LinkShaper.corrupt.) One per lab slot, kept across the node's restarts, so a revived
 * liar goes on lying.
 */
export class LiarOutbox implements CycleOutbox {
  private liar: LiarBehaviour | null = null;

  constructor(private readonly rng: Rng) {}

  get behaviour(): LiarBehaviour | null {
    return this.liar;
  }

  /** Lies from the next cycle on; null tells the truth again. */
  set(liar: LiarBehaviour | null): void {
    this.liar = liar;
  }

  send(protocol: DriftProtocol, ep: EntropyPacket, sdm: StateDiffMessage): void {
    const b = this.liar;
    // A garbage liar's frames are replaced on their way out, by its shaper (node-pool.ts).
    if (!b || b.kind === 'garbage') {
      protocol.broadcastCycle(ep, sdm);
      return;
    }
    for (const s of protocol.sessions()) {
      if (s.hello === undefined) continue; // not open yet: nothing is sent, nothing drawn
      const told = {
        ...sdm,
        state: toldState(b, sdm.state, s.sdm?.message.state, this.rng),
        weight: b.weight ?? sdm.weight,
      };
      protocol.sendCycleTo(s.peerId, ep, told);
    }
  }
}
