import { seededRng, type Rng } from '../random';
import type { CappedNodes } from '../sim/shard-book';

/*
 * Which of a lab's slots are capped (docs/shards.md, "In the lab"): slot s is capped when the
 * s-th draw of the lab's own stream for caps is below the share. Every slot takes its draw in
 * the order slots are made (the first nodes, then nodes and Sybils added later), so whether a
 * slot is capped depends on the seed, the share and the slot alone: a recording or a test can
 * tell from its header which slots were, and a lab run again with the same seed caps the same
 * slots. A Sybil takes its draw and is never capped: it is a liar, not a node of the swarm.
 */

/** The lab's stream for caps, beside its other seeded streams (simulator's and lab.ts's). */
export const STREAM_CAPS = 7;

/** Draws, slot after slot, each one's cap: its maxShards, or null for a node that is not capped. */
export class CapDraw {
  private readonly rng: Rng;

  constructor(
    seed: number,
    private readonly capped: CappedNodes,
  ) {
    this.rng = seededRng(seed, STREAM_CAPS);
  }

  /** The next slot's cap. */
  next(): number | null {
    return this.rng.float() < this.capped.share ? this.capped.shards : null;
  }
}

/** The capped slots among the first `slots` of a lab with this seed (ascending). */
export function cappedSlots(seed: number, capped: CappedNodes, slots: number): number[] {
  const draw = new CapDraw(seed, capped);
  const out: number[] = [];
  for (let s = 0; s < slots; s++) if (draw.next() !== null) out.push(s);
  return out;
}
