import type { LiarBehaviour } from '../api/lab-api';
import { shardRanges, type ShardRange } from '../drift/shard-rule';
import { toldState, type TellingLiar } from '../lab/lies';
import { sendHonestly, onlySdm, type CycleOutbox } from '../node/node-core';
import type { DriftProtocol } from '../protocol';
import type { EntropyPacket, StateDiffMessage } from '../protocol/messages';
import type { Rng } from '../random';

/**
 * How a lab node's cycle goes out: honestly, or as the liar the lab made it (its attacks). The
 * node runs its cycle as usual; this chooses what each peer is told from the honest SDMs and the
 * peer's own newest ones. With K > 1 the lie is told per shard: each held shard's SDM carries the
 * lie on that shard's components only (docs/shards.md, "In the lab"). (A garbage liar sends
 * undecodable frames instead: its shaper replaces them, see LinkShaper.corrupt.) One per lab
 * slot, kept across the node's restarts, so a revived liar goes on lying.
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

  send(protocol: DriftProtocol, ep: EntropyPacket, sdms: readonly StateDiffMessage[]): void {
    const b = this.liar;
    // A garbage liar's frames are replaced on their way out, by its shaper (node-pool.ts).
    if (!b || b.kind === 'garbage') {
      sendHonestly(protocol, ep, sdms);
      return;
    }
    const K = protocol.shards;
    // The EP carries every one of the d components, held or not, so it gives d.
    const ranges = K > 1 ? shardRanges(ep.entropy.length, K) : undefined;
    for (const s of protocol.sessions()) {
      if (s.hello === undefined) continue; // not open yet: nothing is sent, nothing drawn
      if (!ranges) {
        const sdm = onlySdm(sdms);
        protocol.sendCycleTo(s.peerId, ep, this.told(b, sdm, s.sdm?.message.state));
        continue;
      }
      const told = sdms.map((sdm) => {
        const theirs = protocol.newestShardSdm(s.peerId, sdm.shard);
        return this.told(onShard(b, ranges[sdm.shard]!), sdm, theirs?.state);
      });
      protocol.sendShardsTo(s.peerId, ep, told);
    }
  }

  private told(
    b: TellingLiar,
    sdm: StateDiffMessage,
    theirs: readonly number[] | undefined,
  ): StateDiffMessage {
    return {
      ...sdm,
      state: toldState(b, sdm.state, theirs, this.rng),
      weight: b.weight ?? sdm.weight,
    };
  }
}

/**
 * The behaviour as seen on one shard: a constant liar's state and a pull liar's target are whole
 * d-vectors, so each shard's SDM tells their slice of that shard's components.
 */
export function onShard(b: TellingLiar, range: ShardRange): TellingLiar {
  const cut = (v: readonly number[]) => v.slice(range.first, range.first + range.width);
  switch (b.kind) {
    case 'constant':
      return { ...b, state: cut(b.state) };
    case 'pull':
      return { ...b, target: cut(b.target) };
    case 'drain':
    case 'noise':
      return b;
  }
}
