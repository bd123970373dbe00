import type { EntropyPacket, Hello, StateDiffMessage } from './messages';

/*
 * What the drift protocol keeps per peer, apart from the network: the peer's HELLO, its newest
 * SDM and EP, counters, the token bucket that limits its frame rate. Pure bookkeeping with the
 * clock passed in, so the rules are testable without sockets.
 */

/** Why a frame was bad; each counts separately. */
export type BadFrameCategory =
  | 'oversize'
  | 'framing'
  | 'undecodable'
  | 'empty'
  | 'invalid'
  | 'hello-expected'
  | 'hello-repeated'
  | 'rate';

/** Why a well-formed frame was not kept (normal on a lossy network: no penalty). */
export type DropCategory = 'older' | 'duplicate' | 'backpressure';

export interface SessionCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  badFrames: Record<BadFrameCategory, number>;
  dropped: Record<DropCategory, number>;
  /** The most bytes the frame reader ever held for this peer (never above limit + prefix). */
  maxBufferedBytes: number;
}

export function newCounters(): SessionCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    badFrames: {
      oversize: 0,
      framing: 0,
      undecodable: 0,
      empty: 0,
      invalid: 0,
      'hello-expected': 0,
      'hello-repeated': 0,
      rate: 0,
    },
    dropped: { older: 0, duplicate: 0, backpressure: 0 },
    maxBufferedBytes: 0,
  };
}

/** A token bucket: `rate` tokens per millisecond, at most `capacity`, starting full. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  setRate(rate: number, capacity: number): void {
    this.rate = rate;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + Math.max(0, now - this.last) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface Received<T> {
  readonly message: T;
  /** Local clock (ms) when it arrived. */
  readonly receivedAt: number;
}

export type Accepted = 'kept' | DropCategory;

/** The per-peer record of accepted messages. */
export class PeerRecord {
  hello: Hello | undefined;
  /** The newest SDM kept, of any shard (with K = 1, of the one shard). */
  sdm: Received<StateDiffMessage> | undefined;
  /**
   * The newest SDM kept per shard. Bounded by K (at most the largest dimension): a shard index
   * reaches here only after checkDriftMessage held it below K.
   */
  private readonly byShard = new Map<number, Received<StateDiffMessage>>();
  ep: Received<EntropyPacket> | undefined;
  readonly counters = newCounters();

  /**
   * Keeps an SDM if its cycle is newer than the newest kept for its shard; older and equal ones
   * are dropped.
   */
  offerSdm(message: StateDiffMessage, now: number): Accepted {
    const newest = this.byShard.get(message.shard)?.message.cycle;
    if (newest !== undefined && message.cycle <= newest) {
      const why = message.cycle === newest ? 'duplicate' : 'older';
      this.counters.dropped[why]++;
      return why;
    }
    this.sdm = { message, receivedAt: now };
    this.byShard.set(message.shard, this.sdm);
    return 'kept';
  }

  /** The newest SDM kept of one shard, fresh or not (a liar's lie starts from it). */
  newestOf(shard: number): StateDiffMessage | undefined {
    return this.byShard.get(shard)?.message;
  }

  /** The fresh SDM of every shard the peer sends (K > 1), as freshSdm decides freshness. */
  freshShardSdms(now: number, ownCycleMs: number, freshCycles: number): StateDiffMessage[] {
    const cycleMs = Math.max(ownCycleMs, this.hello?.cycleMs ?? 0);
    const out: StateDiffMessage[] = [];
    for (const r of this.byShard.values())
      if (now - r.receivedAt <= freshCycles * cycleMs) out.push(r.message);
    return out;
  }

  /** Keeps an EP unless its timestamp is before (older) or equal to (duplicate) the newest. */
  offerEp(message: EntropyPacket, now: number): Accepted {
    const newest = this.ep?.message.timestamp;
    if (newest !== undefined && message.timestamp <= newest) {
      const why = message.timestamp === newest ? 'duplicate' : 'older';
      this.counters.dropped[why]++;
      return why;
    }
    this.ep = { message, receivedAt: now };
    return 'kept';
  }

  /**
   * Keeps a compact cycle frame's EP and SDM together, ordered by the SDM's cycle: both when the
   * cycle is newer than the newest kept, else neither (each counted as dropped, as if it had come
   * alone). The EP carries no timestamp of the sender's; it is stamped with its arrival.
   */
  offerCycle(ep: EntropyPacket, sdm: StateDiffMessage, now: number): Accepted {
    const kept = this.offerSdm(sdm, now);
    if (kept === 'kept') this.ep = { message: ep, receivedAt: now };
    else this.counters.dropped[kept]++;
    return kept;
  }

  /**
   * The newest SDM if it is still fresh: received within `freshCycles` cycles, a cycle being the
   * longer of this node's and the peer's (from its HELLO). A peer that stops sending goes stale.
   */
  freshSdm(now: number, ownCycleMs: number, freshCycles: number): StateDiffMessage | undefined {
    if (!this.sdm) return undefined;
    const cycleMs = Math.max(ownCycleMs, this.hello?.cycleMs ?? 0);
    return now - this.sdm.receivedAt <= freshCycles * cycleMs ? this.sdm.message : undefined;
  }
}

/**
 * Times of a peer's recent bad frames, kept across reconnections (bounded), to decide when a peer
 * has sent `limit` bad frames within `windowMs`.
 */
export class PenaltyBook {
  private readonly times = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxPeers = 4096,
  ) {}

  /** Records one bad frame; true when the peer has reached the limit within the window. */
  record(peer: string, now: number): boolean {
    const recent = (this.times.get(peer) ?? []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    if (recent.length > this.limit) recent.shift();
    this.times.delete(peer);
    this.times.set(peer, recent);
    if (this.times.size > this.maxPeers) {
      const oldest = this.times.keys().next().value;
      if (oldest !== undefined) this.times.delete(oldest);
    }
    return recent.length >= this.limit;
  }

  forget(peer: string): void {
    this.times.delete(peer);
  }
}
