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
 */
export function capacity(K: number, r: number, peers: number): number {
  return Math.min(K, Math.ceil((K * r) / (peers + 1)));
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
