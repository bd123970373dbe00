import {
  adoptionOrder,
  capacity,
  chosenShards,
  isFull,
  medianOf,
  withinRoom,
  type ShardRange,
} from '../drift/shard-rule';

/*
 * The shard rule as one node applies it (docs/shards.md, "In the node"): which shards it takes
 * when it forms or joins, which it adopts when its neighbourhood (itself and its peers with an
 * open drift session) is short of holders, and when it reports a shard lost. Pure functions of
 * what the node hears, so tests drive them without sockets.
 */

/**
 * A node's 32-bit session number for the rendezvous weights: FNV-1a of its session id (the
 * libp2p peer id string, new at every start). Every node that knows a peer's id computes it.
 */
export function sessionNumber(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The shards a node takes when it forms or joins with `peers` peers, best first: at most its
 * own cap, `maxShards` (default K).
 */
export function ownShards(
  self: string,
  K: number,
  r: number,
  peers: number,
  maxShards = K,
): number[] {
  return chosenShards(sessionNumber(self), K, capacity(K, r, peers, maxShards));
}

/** What a node hears of one shard's holders this cycle (fresh SDMs). */
export interface HeardHolder {
  readonly id: string;
  readonly state: readonly number[];
}

export interface RepairView {
  readonly self: string;
  readonly r: number;
  /** Every peer with an open drift session (holders or not). */
  readonly peers: readonly string[];
  /** Shards this node holds. */
  readonly held: ReadonlySet<number>;
  /** Shards it took when it joined and does not hold yet (it waits to hear a holder). */
  readonly wants: ReadonlySet<number>;
  /** Per shard: the peers heard holding it. */
  readonly holders: ReadonlyMap<number, readonly HeardHolder[]>;
  /** The most shards this node holds (its `maxShards`; absent: K, no cap of its own). */
  readonly maxShards?: number;
  /** Peers' caps from their HELLO (field 6); a peer not listed has none (K). */
  readonly peerMaxShards?: ReadonlyMap<string, number>;
}

/**
 * Which peers are full (at their cap: a short neighbourhood may no longer ask them), from the
 * shards each is heard holding (its fresh SDMs) and the caps peers sent in their HELLO.
 */
export function fullPeers(
  holders: ReadonlyMap<number, readonly HeardHolder[]>,
  peerMaxShards: ReadonlyMap<string, number> | undefined,
  K: number,
): (peer: string) => boolean {
  const counts = new Map<string, number>();
  for (const heard of holders.values())
    for (const h of heard) counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
  return (p) => isFull(counts.get(p) ?? 0, peerMaxShards?.get(p) ?? K);
}

/**
 * The shards this node adopts this cycle. A shard it does not hold, heard from h >= 1 holders:
 * it adopts if it wanted it (a joiner's own), or if its neighbourhood is short (h < min(r, peers
 * + 1)) and it ranks among the first (target - h) non-holders of the neighbourhood by rendezvous
 * weight. Every member of a full mesh sees the same holders and ranks, so exactly the deficit
 * adopts; in a sparser graph each node applies the rule to its own neighbourhood.
 * Capacity: a node at its cap adopts nothing, one with room for fewer than it could adopt takes
 * its wanted shards first (withinRoom), and peers at their cap are not ranked, so the deficit
 * falls to members that can take it.
 */
export function shardsToAdopt(v: RepairView, K: number): number[] {
  const room = (v.maxShards ?? K) - v.held.size;
  if (room <= 0) return [];
  const wanted: number[] = [];
  const asked: number[] = [];
  const target = Math.min(v.r, v.peers.length + 1);
  const full = fullPeers(v.holders, v.peerMaxShards, K);
  for (let k = 0; k < K; k++) {
    if (v.held.has(k)) continue;
    const heard = v.holders.get(k) ?? [];
    if (heard.length === 0) continue;
    if (v.wants.has(k)) {
      wanted.push(k);
      continue;
    }
    const short = target - heard.length;
    if (short <= 0) continue;
    const holding = new Set(heard.map((h) => h.id));
    const candidates = [v.self, ...v.peers.filter((p) => !holding.has(p) && !full(p))];
    const order = adoptionOrder(
      k,
      candidates.map((_, i) => i),
      (i) => sessionNumber(candidates[i]!),
    );
    if (order.slice(0, short).includes(0)) asked.push(k);
  }
  return withinRoom(wanted, asked, room);
}

/**
 * Shards never formed that this node starts from its initial state (a lab's forming node only).
 * Forming, each member takes its c < K shards by weight alone, so in a small swarm every member
 * may pass over a shard (5 nodes taking 2 of 4 each leave a given shard to nobody with
 * probability 1/32), and repair copies only from a holder: nothing would ever start it. A shard
 * this node neither holds nor has ever heard a holder of is started by the first of its
 * neighbourhood (itself and its peers) by rendezvous weight; in a full mesh every member ranks
 * alike, so exactly one does.
 */
export function unformedToStart(
  v: {
    readonly self: string;
    readonly peers: readonly string[];
    readonly held: ReadonlySet<number>;
    /** Whether this node ever held or heard a holder of shard k. */
    readonly seen: (k: number) => boolean;
    /** Shards this node may still take (its cap less what it holds; absent: no cap). */
    readonly room?: number;
    /** Peers at their cap (fullPeers), passed over as the shard's starter. */
    readonly full?: (peer: string) => boolean;
  },
  K: number,
): number[] {
  const out: number[] = [];
  const members = [v.self, ...v.peers.filter((p) => !(v.full?.(p) ?? false))];
  for (let k = 0; k < K; k++) {
    if (out.length >= (v.room ?? K)) break;
    if (v.held.has(k) || v.seen(k)) continue;
    const order = adoptionOrder(
      k,
      members.map((_, i) => i),
      (i) => sessionNumber(members[i]!),
    );
    if (order[0] === 0) out.push(k);
  }
  return out;
}

/** The per-coordinate median of the holders' states of a shard: where an adopter starts it. */
export function adoptionState(range: ShardRange, heard: readonly HeardHolder[]): number[] {
  return Array.from({ length: range.width }, (_, c) =>
    medianOf(heard.map((h) => Number(h.state[c]))),
  );
}

/**
 * Which shards the neighbourhood lost: a shard this node neither holds nor hears a holder of,
 * after it had heard one (or held it). Each loss is reported once, until a holder is heard again.
 * Bounded: K flags.
 */
export class LossWatch {
  private readonly heardOnce: Uint8Array;
  private readonly reported: Uint8Array;

  constructor(K: number) {
    this.heardOnce = new Uint8Array(K);
    this.reported = new Uint8Array(K);
  }

  /** Whether shard k was ever held or heard (a shard never seen was never formed here). */
  seen(k: number): boolean {
    return this.heardOnce[k] === 1;
  }

  /** The shards newly lost this cycle. */
  update(
    held: ReadonlySet<number>,
    holders: ReadonlyMap<number, readonly HeardHolder[]>,
  ): number[] {
    const lost: number[] = [];
    for (let k = 0; k < this.heardOnce.length; k++) {
      const present = held.has(k) || (holders.get(k)?.length ?? 0) > 0;
      if (present) {
        this.heardOnce[k] = 1;
        this.reported[k] = 0;
      } else if (this.heardOnce[k] === 1 && this.reported[k] === 0) {
        this.reported[k] = 1;
        lost.push(k);
      }
    }
    return lost;
  }
}
