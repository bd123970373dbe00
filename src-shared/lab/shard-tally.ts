import type { NodeSample } from '../api/lab-api';
import { shardRanges } from '../drift/shard-rule';

/*
 * What a lab of K > 1 reports about shards (docs/shards.md, "In the lab"), from its samples:
 * holders per shard, the fewest holders any node's neighbourhood has (the node and the peers
 * it has a drift session with, the node's own definition), each shard's spread over its
 * holders, and events: a shard that no live node holds any more is lost; a shard whose every
 * neighbourhood is short is repaired when each has min(r, its size) holders again, with the
 * cycles that took. Bounded: K entries per table.
 */

/** Per tick, per shard. */
export interface ShardTick {
  /** Live nodes holding each shard. */
  readonly holders: readonly number[];
  /** The fewest holders of each shard in any live node's neighbourhood. */
  readonly holdersMin: readonly number[];
  /** Each shard's spread (the root of the summed per-component variances) over its holders. */
  readonly spread: readonly number[];
  /** Shards short of their target in some neighbourhood. */
  readonly short: readonly number[];
}

export type ShardNote =
  | { readonly type: 'shard-lost'; readonly shard: number; readonly cycle: number }
  | {
      readonly type: 'shard-repaired';
      readonly shard: number;
      readonly cycle: number;
      /** Cycles from the tick it was first seen short to the tick it was whole again. */
      readonly cycles: number;
    };

export class ShardTally {
  private readonly K: number;
  private readonly ranges: ReturnType<typeof shardRanges>;
  private readonly everHeld: Uint8Array;
  private readonly lost: Uint8Array;
  /** The cycle each shard was first seen short in; -1: it is not. */
  private readonly shortSince: Float64Array;

  constructor(
    d: number,
    K: number,
    private readonly r: number,
  ) {
    this.K = K;
    this.ranges = shardRanges(d, K);
    this.everHeld = new Uint8Array(K);
    this.lost = new Uint8Array(K);
    this.shortSince = new Float64Array(K).fill(-1);
  }

  observe(samples: readonly NodeSample[]): { tick: ShardTick; notes: ShardNote[] } {
    const live = samples.filter((s) => s.condition !== 'dead' && s.holds !== undefined);
    const holdsOf = new Map(live.map((s) => [s.slot, new Set(s.holds)]));
    const cycle = Math.max(0, ...live.map((s) => s.cycle));
    const holders: number[] = [];
    const holdersMin: number[] = [];
    const spread: number[] = [];
    const short: number[] = [];
    const notes: ShardNote[] = [];
    for (let k = 0; k < this.K; k++) {
      const having = live.filter((s) => holdsOf.get(s.slot)!.has(k));
      holders.push(having.length);
      let min = Infinity;
      let isShort = false;
      for (const s of live) {
        const members = [s.slot, ...s.peers.filter((p) => holdsOf.has(p))];
        const h = members.filter((m) => holdsOf.get(m)!.has(k)).length;
        min = Math.min(min, h);
        if (h < Math.min(this.r, members.length)) isShort = true;
      }
      holdersMin.push(Number.isFinite(min) ? min : 0);
      spread.push(shardSpread(having, this.ranges[k]!));
      if (isShort) short.push(k);
      if (having.length > 0) this.everHeld[k] = 1;
      if (having.length === 0 && this.everHeld[k] === 1 && this.lost[k] === 0) {
        this.lost[k] = 1;
        notes.push({ type: 'shard-lost', shard: k, cycle });
      }
      if (isShort && this.lost[k] === 0 && this.shortSince[k] < 0) this.shortSince[k] = cycle;
      if (!isShort && this.shortSince[k] >= 0) {
        notes.push({ type: 'shard-repaired', shard: k, cycle, cycles: cycle - this.shortSince[k] });
        this.shortSince[k] = -1;
      }
    }
    return { tick: { holders, holdersMin, spread, short }, notes };
  }
}

/** The lab's spread (sqrt of the summed per-component population variances) over a shard's holders. */
function shardSpread(
  having: readonly NodeSample[],
  range: { first: number; width: number },
): number {
  const n = having.length;
  if (n === 0) return 0;
  let total = 0;
  for (let c = range.first; c < range.first + range.width; c++) {
    let mean = 0;
    for (const s of having) mean += s.S[c] ?? 0;
    mean /= n;
    for (const s of having) total += ((s.S[c] ?? 0) - mean) ** 2 / n;
  }
  return Math.sqrt(total);
}
