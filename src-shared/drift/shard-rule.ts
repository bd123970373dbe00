/*
 * The shard rule (docs/shards.md): how the d components split into K shards, which shards a
 * node takes by rendezvous (highest-random-weight) hashing of (shard, session id), and who
 * adopts a shard that a neighbourhood holds too few copies of. Pure functions of numbers, so
 * that the simulator and the node apply the same rule.
 */

/** A shard: components [first, first + width) of the state. */
export interface ShardRange {
  readonly first: number;
  readonly width: number;
}

/**
 * K contiguous ranges covering d components, as even as integers allow: shard k is
 * [floor(k d / K), floor((k + 1) d / K)). K = 1 is the whole state; K <= d (checked with the
 * parameters) leaves no shard empty.
 */
export function shardRanges(d: number, K: number): readonly ShardRange[] {
  if (!(Number.isInteger(K) && K >= 1 && K <= d))
    throw new RangeError(`shards must be an integer in 1..${d} (got ${K})`);
  return Array.from({ length: K }, (_, k) => {
    const first = Math.floor((k * d) / K);
    return { first, width: Math.floor(((k + 1) * d) / K) - first };
  });
}

/** A 32-bit avalanche mix (the "lowbias32" constants): every input bit moves every output bit. */
function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The rendezvous weight of (shard, session): a uint32 that looks uniform and independent for
 * every pair. Both the shards a node takes and the order in which nodes adopt a shard are read
 * from it, so any node that knows a peer's session id computes the same answer.
 */
export function rendezvousWeight(shard: number, session: number): number {
  return mix32((session >>> 0) ^ mix32(shard + 0x9e3779b9));
}

/**
 * How many shards a node takes when it joins: enough that, if every node of its neighbourhood
 * (itself and its `peers`) took as many, each shard would have r holders there on average,
 * ceil(K r / (peers + 1)), and at most K. K = 1 gives 1: every node holds the whole state.
 * `maxShards` is the node's own cap (a phone may hold fewer than a desktop; default K, no cap):
 * it never takes more, and its neighbours' repair makes up the difference.
 */
export function capacity(K: number, r: number, peers: number, maxShards = K): number {
  return Math.min(maxShards, K, Math.ceil((K * r) / (peers + 1)));
}

/** A maxShards outside 1..K: the setting names it, with the range it must lie in. */
export class MaxShardsError extends RangeError {
  override readonly name = 'MaxShardsError';
  constructor(
    readonly value: number,
    readonly K: number,
  ) {
    super(
      K === 1
        ? `must be 1 with shards 1: the whole state is one shard (got ${value})`
        : `must be an integer in 1..${K}, as there are ${K} shards (got ${value})`,
    );
  }
}

/**
 * Checks a node's cap against K: an integer in 1..K. With K = 1 only 1 is allowed, since a
 * node that holds anything holds the whole state (a cap of 0 would be a node that keeps nothing).
 */
export function checkMaxShards(value: number, K: number): number {
  if (!(Number.isInteger(value) && value >= 1 && value <= K)) throw new MaxShardsError(value, K);
  return value;
}

/**
 * Whether a node that holds `held` shards is full: it adopts nothing more, and a short
 * neighbourhood passes over it to its next-ranked member, or a full node ranked first would
 * keep a deficit open for good.
 */
export function isFull(held: number, maxShards: number): boolean {
  return held >= maxShards;
}

/**
 * Which of the shards a node could adopt in one round it does adopt, given `room` (its cap less
 * what it holds): its own wanted shards (those it took when it joined) first, then those its
 * neighbourhood asked of it, each in ascending order; the result in ascending order, so a node
 * with room for all adopts exactly what it would without a cap. A shard left out is asked again
 * next round, of the next-ranked member once this one is full.
 */
export function withinRoom(
  wanted: readonly number[],
  asked: readonly number[],
  room: number,
): number[] {
  const ascending = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
  return ascending([...ascending(wanted), ...ascending(asked)].slice(0, Math.max(0, room)));
}

/** The `count` shards of highest weight for a session, best first: the shards a joiner takes. */
export function chosenShards(session: number, K: number, count: number): number[] {
  const order = Array.from({ length: K }, (_, k) => k);
  order.sort((a, b) => rendezvousWeight(b, session) - rendezvousWeight(a, session) || a - b);
  return order.slice(0, count);
}

/**
 * Ranks candidates for shard k by rendezvous weight, highest first (a tie, 2^-32 likely, goes
 * to the smaller index): the order in which a neighbourhood short of holders asks them to adopt.
 */
export function adoptionOrder(
  shard: number,
  candidates: readonly number[],
  sessionOf: (candidate: number) => number,
): number[] {
  return [...candidates].sort(
    (a, b) =>
      rendezvousWeight(shard, sessionOf(b)) - rendezvousWeight(shard, sessionOf(a)) || a - b,
  );
}

/**
 * The median of values (the midpoint of the middle two for an even count): per coordinate, the
 * state an adopter starts a shard from, which one lying holder among three cannot move far.
 */
export function medianOf(values: Float64Array | number[]): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
