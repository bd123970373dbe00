import { EDGE_FIELDS, EDGE_TRUST } from '../drift/kernel';
import type { DriftParams } from '../drift/params';
import {
  adoptionOrder,
  capacity,
  checkMaxShards,
  chosenShards,
  isFull,
  MaxShardsError,
  medianOf,
  shardRanges,
  withinRoom,
  type ShardRange,
} from '../drift/shard-rule';
import { TRUST_PRIOR } from '../drift/vaultguard';
import type { Rng } from '../random';
import type { SimBuffers } from './simulator';

/*
 * Who holds which shard in a simulated swarm, churn, and self-repair (docs/shards.md). It runs
 * on the coordinating thread between two cycles and writes what the stepping threads read (the
 * holders, the states of newcomers and adopters), so a run stays bit-identical on any number
 * of threads.
 *
 * The neighbourhood of node i is i and its graph peers. "Holders of shard k at i" counts the
 * members of that neighbourhood that hold k; a node wants min(r, its neighbourhood's size) of
 * them. A slot of the graph is a place in the network: a node that leaves is replaced in its
 * slot by a newcomer with a new session id, so a new set of shards by the same rule.
 */

/**
 * Nodes of small capacity (docs/shards.md, "Capacity"): each node, at formation and each
 * newcomer under churn, is capped with probability `share` (drawn from the run's seed) and then
 * holds at most `shards` shards; the others hold up to K.
 */
export interface CappedNodes {
  readonly share: number;
  readonly shards: number;
}

/**
 * Capped nodes that cannot be: a cap needs K > 1 (with one shard every node holds the whole
 * state), and `shards` must be a node's maxShards, 1..K. One check for the simulator, the lab
 * and scenario files, each of which names its own settings in its message.
 */
export class CappedNodesError extends RangeError {
  override readonly name = 'CappedNodesError';
  constructor(
    /** Which value is at fault: K (1), or the cap (outside 1..K). */
    readonly fault: 'shards-one' | 'cap',
    readonly shards: number,
    readonly K: number,
  ) {
    super(
      fault === 'shards-one'
        ? 'needs shards above 1: with one shard every node holds the whole state'
        : new MaxShardsError(shards, K).message,
    );
  }
}

/** The capped nodes as given when they fit K; a CappedNodesError otherwise. */
export function checkCappedNodes(capped: CappedNodes, K: number): CappedNodes {
  if (K === 1) throw new CappedNodesError('shards-one', capped.shards, K);
  try {
    checkMaxShards(capped.shards, K);
  } catch (err) {
    if (err instanceof MaxShardsError) throw new CappedNodesError('cap', capped.shards, K);
    throw err;
  }
  return capped;
}

/** What the shard book measured in one cycle (after its churn and its repair round). */
export interface ShardCycleMetrics {
  /** Nodes that left this cycle (as many joined). */
  readonly left: number;
  /** Per shard: the fewest holders any neighbourhood has at the end of the cycle. */
  readonly holdersMin: readonly number[];
  /** Per shard: the median over neighbourhoods of the holders at the end of the cycle. */
  readonly holdersMedian: readonly number[];
  /** The fewest holders of any shard in any neighbourhood after the churn, before repair. */
  readonly lowPoint: number;
  /** Neighbourhood-shard pairs that had holders at the end of the last cycle and none now. */
  readonly gapsOpened: number;
  /** Neighbourhood-shard pairs without a holder at the end of the cycle. */
  readonly gaps: number;
  /** Neighbourhood-shard pairs still short of their target at the end of the cycle. */
  readonly deficits: number;
  /** Shards adopted this cycle (a newcomer's own, or to fill a deficit). */
  readonly adopted: number;
  /** Deficits closed this cycle, and the most cycles one of them took (null: none closed). */
  readonly repaired: number;
  readonly repairCyclesMax: number | null;
  /** Shards that lost their last holder in the whole swarm this cycle: each is an event. */
  readonly lost: readonly number[];
  /** Per shard: its holders in the whole swarm. */
  readonly holders: readonly number[];
  /** Shards a node holds, on average: what the redundancy costs. */
  readonly shardsPerNode: number;
  /** histogram[h]: neighbourhood-shard pairs with exactly h holders at the end of the cycle. */
  readonly histogram: readonly number[];
}

export class ShardBook {
  readonly ranges: readonly ShardRange[];
  /** The session id of the node in each slot. */
  readonly sessions: Uint32Array;
  private readonly K: number;
  private readonly r: number;
  private readonly n: number;
  /** wants[k * n + i]: node i means to hold k once it hears a holder (a newcomer's own shards). */
  private readonly wants: Uint8Array;
  private readonly asked: Uint8Array;
  /** seen[k * n + i]: holders of k in i's neighbourhood, as last counted. */
  private seen: Int32Array;
  private previous: Int32Array;
  /** The cycle in which each neighbourhood-shard pair fell short of its target; -1: it is not. */
  private readonly since: Int32Array;
  /** The cycle each shard was lost in; -1: it was not. */
  readonly lostAt: Int32Array;
  /** Slots in the order of the last churn's draw (a partial shuffle picks the leavers). */
  private readonly order: Int32Array;
  private readonly maxDegree: number;
  private readonly values: Float64Array;
  /** Each slot's maxShards; null: no node is capped (every run without --capped). */
  private readonly caps: Int32Array | null;
  private last: ShardCycleMetrics | null = null;

  constructor(
    private readonly b: SimBuffers,
    params: DriftParams,
    private readonly churn: number,
    private readonly rng: Rng,
    private readonly capped: CappedNodes | null = null,
  ) {
    const { n, offsets } = b;
    this.K = params.shards;
    this.r = params.replication;
    this.n = n;
    this.ranges = shardRanges(b.d, this.K);
    this.sessions = new Uint32Array(n);
    this.wants = new Uint8Array(this.K * n);
    this.asked = new Uint8Array(this.K * n);
    this.seen = new Int32Array(this.K * n);
    this.previous = new Int32Array(this.K * n);
    this.since = new Int32Array(this.K * n).fill(-1);
    this.lostAt = new Int32Array(this.K).fill(-1);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    let maxDegree = 0;
    for (let i = 0; i < n; i++) maxDegree = Math.max(maxDegree, offsets[i + 1] - offsets[i]);
    this.maxDegree = maxDegree;
    this.values = new Float64Array(maxDegree);
    this.caps = capped === null ? null : new Int32Array(n).fill(this.K);
  }

  /** The most shards the node in slot i holds (K unless it is capped). */
  maxShardsOf(i: number): number {
    return this.caps === null ? this.K : this.caps[i]!;
  }

  /** The shards the node in slot i holds now. */
  heldBy(i: number): number {
    let h = 0;
    for (let k = 0; k < this.K; k++) h += this.b.holds[k * this.n + i];
    return h;
  }

  /**
   * The swarm forms: every node joins at once with its own shards, starting them from its
   * initial state, and repair rounds run until one adopts nothing (a node that hears no holder
   * of a shard it is asked for waits for a later round). The state of a range a node does not
   * hold is NaN: nothing reads it, and a bug that did would show.
   */
  form(state: Float64Array): void {
    for (let i = 0; i < this.n; i++) this.newSession(i);
    const { holds } = this.b;
    for (let x = 0; x < holds.length; x++) holds[x] = this.wants[x];
    this.wants.fill(0);
    this.blankUnheld(state);
    while (this.repairRound(state) > 0);
    this.last = this.account(0, 0, state, false);
  }

  /**
   * Before cycle `cycle` is stepped: churn, then one repair round. `state` is the buffer the
   * cycle will read, where newcomers' and adopters' states are written.
   */
  beforeCycle(cycle: number, state: Float64Array): void {
    const left = Math.round(this.churn * this.n);
    const n = this.n;
    for (let q = 0; q < left; q++) {
      const pick = q + this.rng.int(n - q);
      const slot = this.order[pick];
      this.order[pick] = this.order[q];
      this.order[q] = slot;
      this.replace(slot, state);
    }
    this.last = this.account(cycle, left, state, true);
  }

  /** The measures of the last formation or cycle. */
  metrics(): ShardCycleMetrics {
    if (this.last === null) throw new Error('the shard book measures once the swarm has formed');
    return this.last;
  }

  /** After churn: counts, losses, the repair round (when `repair`), and the cycle's measures. */
  private account(
    cycle: number,
    left: number,
    state: Float64Array,
    repair: boolean,
  ): ShardCycleMetrics {
    const { n, K } = this;
    [this.previous, this.seen] = [this.seen, this.previous];
    const afterChurn = this.countHolders(this.seen);
    let lowPoint = Infinity;
    let gapsOpened = 0;
    for (let x = 0; x < afterChurn.length; x++) {
      const h = afterChurn[x];
      if (h < lowPoint) lowPoint = h;
      if (repair && h === 0 && this.previous[x] > 0) gapsOpened++;
      const i = x % n;
      if (h < this.target(i) && this.since[x] < 0) this.since[x] = cycle;
    }
    const lost = this.findLost(cycle);
    const adopted = repair ? this.repairRound(state) : 0;
    const end = this.countHolders(this.seen);
    let repaired = 0;
    let repairCyclesMax: number | null = null;
    let deficits = 0;
    let gaps = 0;
    const histogram = new Array<number>(this.maxDegree + 2).fill(0);
    const perShard = Array.from({ length: K }, () => new Array<number>(this.maxDegree + 2).fill(0));
    for (let x = 0; x < end.length; x++) {
      const h = end[x];
      histogram[h]++;
      perShard[Math.floor(x / n)]![h]++;
      if (h === 0) gaps++;
      if (this.since[x] >= 0) {
        if (h >= this.target(x % n)) {
          repaired++;
          repairCyclesMax = Math.max(repairCyclesMax ?? 0, cycle - this.since[x]);
          this.since[x] = -1;
        } else {
          deficits++;
        }
      }
    }
    const holders = this.globalHolders();
    return {
      left,
      holdersMin: perShard.map((hist) => hist.findIndex((c) => c > 0)),
      holdersMedian: perShard.map((hist) => histogramMedian(hist, n)),
      lowPoint,
      gapsOpened,
      gaps,
      deficits,
      adopted,
      repaired,
      repairCyclesMax,
      lost,
      holders,
      shardsPerNode: holders.reduce((s, h) => s + h, 0) / n,
      histogram,
    };
  }

  /** Holders of each shard in every neighbourhood, into `out` (k * n + i). */
  private countHolders(out: Int32Array): Int32Array {
    const { n, K } = this;
    const { holds, offsets, neighbors } = this.b;
    for (let k = 0; k < K; k++) {
      const row = k * n;
      for (let i = 0; i < n; i++) {
        let h = holds[row + i];
        for (let e = offsets[i]; e < offsets[i + 1]; e++) h += holds[row + neighbors[e]];
        out[row + i] = h;
      }
    }
    return out;
  }

  /** A neighbourhood wants r holders of each shard, or all its members if it has fewer. */
  private target(i: number): number {
    return Math.min(this.r, this.b.offsets[i + 1] - this.b.offsets[i] + 1);
  }

  private globalHolders(): number[] {
    const { n, K } = this;
    const holds = this.b.holds;
    return Array.from({ length: K }, (_, k) => {
      let h = 0;
      for (let i = k * n; i < (k + 1) * n; i++) h += holds[i];
      return h;
    });
  }

  /** Shards whose last holder left in this cycle: lost for good, since no one can copy them. */
  private findLost(cycle: number): number[] {
    const lost: number[] = [];
    this.globalHolders().forEach((h, k) => {
      if (h === 0 && this.lostAt[k] < 0) {
        this.lostAt[k] = cycle;
        lost.push(k);
      }
    });
    return lost;
  }

  /**
   * One round of self-repair over the holders as they stand (`seen`, counted after the churn):
   * every neighbourhood short of its target asks its best-ranked non-holders (by rendezvous
   * weight of the shard and their session) that can hear a holder, as many as it is short;
   * then every node asked for a shard, or wanting one of its own, that hears a holder adopts it,
   * starting from the per-coordinate median of the holders it hears. Decisions read the
   * holders before the round, so the order of nodes does not matter. Returns the adoptions.
   */
  private repairRound(state: Float64Array): number {
    const { n, K } = this;
    const { holds, offsets, neighbors, d } = this.b;
    const seen = this.countHolders(this.seen);
    const asked = this.asked;
    asked.fill(0);
    const hears = (x: number) => seen[x] - holds[x] > 0;
    // With caps: what each node held before the round; a full node is not asked.
    const held =
      this.caps === null ? null : Int32Array.from({ length: n }, (_, j) => this.heldBy(j));
    const open = (j: number) => held === null || !isFull(held[j]!, this.maxShardsOf(j));
    for (let k = 0; k < K; k++) {
      const row = k * n;
      for (let i = 0; i < n; i++) {
        const short = this.target(i) - seen[row + i];
        if (short <= 0) continue;
        const candidates: number[] = [];
        for (const j of neighbourhood(offsets, neighbors, i))
          if (holds[row + j] === 0 && hears(row + j) && open(j)) candidates.push(j);
        const ranked = adoptionOrder(k, candidates, (j) => this.sessions[j]);
        for (const j of ranked.slice(0, short)) asked[row + j] = 1;
      }
    }
    let adopters: number[] = [];
    for (let x = 0; x < K * n; x++)
      if (holds[x] === 0 && (asked[x] === 1 || this.wants[x] === 1) && hears(x)) adopters.push(x);
    if (held !== null) adopters = this.withinCaps(adopters, held);
    // Medians first, from holders only: no adopter of this round is read as a holder.
    for (const x of adopters) {
      const k = Math.floor(x / n);
      const j = x % n;
      const { first, width } = this.ranges[k]!;
      for (let c = first; c < first + width; c++) {
        let count = 0;
        for (let e = offsets[j]; e < offsets[j + 1]; e++)
          if (holds[k * n + neighbors[e]] === 1) this.values[count++] = state[neighbors[e] * d + c];
        state[j * d + c] = medianOf(this.values.subarray(0, count));
        // Whatever D the node last applied to this range, it was not a step from this state.
        this.b.drift[j * d + c] = 0;
      }
    }
    for (const x of adopters) {
      holds[x] = 1;
      this.wants[x] = 0;
    }
    return adopters.length;
  }

  /**
   * The adopters of a round that fit their nodes' caps: per node, withinRoom (the node's rule)
   * over its wanted and asked shards, with its cap less what it held before the round as room.
   */
  private withinCaps(adopters: readonly number[], held: Int32Array): number[] {
    const n = this.n;
    const byNode = new Map<number, { wanted: number[]; asked: number[] }>();
    for (const x of adopters) {
      const j = x % n;
      const entry = byNode.get(j) ?? { wanted: [], asked: [] };
      (this.wants[x] === 1 ? entry.wanted : entry.asked).push(Math.floor(x / n));
      byNode.set(j, entry);
    }
    const out: number[] = [];
    for (const [j, { wanted, asked }] of byNode)
      for (const k of withinRoom(wanted, asked, this.maxShardsOf(j) - held[j]!))
        out.push(k * n + j);
    return out;
  }

  /** A node leaves slot i and a newcomer takes it: a new session, no shard held yet. */
  private replace(i: number, state: Float64Array): void {
    const { n, K } = this;
    const b = this.b;
    this.newSession(i);
    for (let k = 0; k < K; k++) {
      const x = k * n + i;
      b.holds[x] = 0;
      b.earned[x] = 0;
      b.tcSelf[x] = 1;
      b.recovery[x] = 0;
      b.claims[x] = 0;
    }
    state.fill(NaN, i * b.d, (i + 1) * b.d);
    // A new session has taken no step yet: the drain test reads D as the node's last step.
    b.drift.fill(0, i * b.d, (i + 1) * b.d);
    // The newcomer trusts its peers from the prior, and they it: trust was the old session's.
    const m = b.neighbors.length;
    for (let e = b.offsets[i]; e < b.offsets[i + 1]; e++) {
      const back = reverseEdge(b, b.neighbors[e], i);
      for (let k = 0; k < K; k++) {
        resetEdge(b.edges, k * m + e);
        if (back >= 0) resetEdge(b.edges, k * m + back);
      }
    }
  }

  /**
   * A new session id for slot i, whether it is capped (only in runs with capped nodes, so other
   * runs draw exactly what they drew before), and the shards it takes by the rule.
   */
  private newSession(i: number): void {
    const { n, K, r } = this;
    const session = Math.floor(this.rng.float() * 2 ** 32);
    this.sessions[i] = session;
    if (this.caps !== null && this.capped !== null)
      this.caps[i] = this.rng.float() < this.capped.share ? this.capped.shards : K;
    const peers = this.b.offsets[i + 1] - this.b.offsets[i];
    for (let k = 0; k < K; k++) this.wants[k * n + i] = 0;
    const count = capacity(K, r, peers, this.maxShardsOf(i));
    for (const k of chosenShards(session, K, count)) this.wants[k * n + i] = 1;
  }

  /** NaN in every range a node does not hold. */
  private blankUnheld(state: Float64Array): void {
    const { n } = this;
    const d = this.b.d;
    this.ranges.forEach(({ first, width }, k) => {
      for (let i = 0; i < n; i++)
        if (this.b.holds[k * n + i] === 0) state.fill(NaN, i * d + first, i * d + first + width);
    });
  }
}

/** Node i and its peers. */
function* neighbourhood(offsets: Int32Array, neighbors: Int32Array, i: number) {
  yield i;
  for (let e = offsets[i]; e < offsets[i + 1]; e++) yield neighbors[e];
}

/** The edge of row j that points to i (rows are sorted), or -1. */
function reverseEdge(b: SimBuffers, j: number, i: number): number {
  let lo = b.offsets[j];
  let hi = b.offsets[j + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = b.neighbors[mid];
    if (v === i) return mid;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function resetEdge(edges: Float32Array, e: number): void {
  edges.fill(0, e * EDGE_FIELDS, (e + 1) * EDGE_FIELDS);
  edges[e * EDGE_FIELDS + EDGE_TRUST] = TRUST_PRIOR;
}

/** The median of `count` values given as a histogram of small integers (the lower middle). */
function histogramMedian(hist: readonly number[], count: number): number {
  let cum = 0;
  for (let h = 0; h < hist.length; h++) {
    cum += hist[h]!;
    if (2 * cum >= count) return h;
  }
  return hist.length - 1;
}
