import type { Rng } from '../random';
import { NodeDrift, type CycleResult, type PeerReport } from './node-drift';
import type { DriftParams } from './params';
import { emptyCounts, type VaultEvent } from './rules';
import { shardRanges, type ShardRange } from './shard-rule';
import { TRUST_PRIOR } from './vaultguard';

/*
 * The drift state of a node that holds some of K > 1 shards (docs/shards.md, "In the node"):
 * one NodeDrift per held shard, each stepping that shard's components with the one kernel and
 * its own VaultGuard state (trust per peer, drain evidence, earned, tcSelf, recovery, claimed
 * weight), hearing only the peers that hold the shard while counting every peer in its degree,
 * as the simulator does. K = 1 never comes here: the node keeps one NodeDrift of the whole state.
 */

/** A peer's report with K > 1: its state on the whole vector, its weight per shard. */
export interface ShardPeerReport extends PeerReport {
  /**
   * Per shard (K entries): the weight claimed in the peer's fresh SDM of that shard, or NaN if
   * it sent none (it does not hold the shard, as far as this node hears). `state` has d
   * components, NaN outside the shards it sent.
   */
  readonly shardWeights: readonly number[];
}

export interface ShardDriftOptions {
  readonly params: DriftParams;
  /** The whole state (d components); only the held shards' components are read. */
  readonly state: ArrayLike<number>;
  /** The shards held from the start, each distinct and below K. */
  readonly holds: readonly number[];
  readonly rng: Rng;
  readonly earned?: number;
  readonly tcSelf?: number;
  readonly cycle?: number;
}

/** What a sharded step adds to a NodeDrift cycle: the claimed weight of every shard. */
export interface ShardCycleResult extends CycleResult {
  /** Per shard (K entries): the weight to claim in its SDM; NaN for a shard not held. */
  readonly dcs: readonly number[];
  readonly holds: readonly number[];
}

export class ShardDrift {
  private params: DriftParams;
  readonly ranges: readonly ShardRange[];
  private readonly d: number;
  private readonly rng: Rng;
  /** The held shards' drifts, by shard index (at most K entries). */
  private readonly held = new Map<number, NodeDrift>();
  private cycles: number;
  private readonly seed: { earned: number; tcSelf: number };

  constructor(opts: ShardDriftOptions) {
    this.params = opts.params;
    this.d = opts.params.dimensions;
    this.ranges = shardRanges(this.d, opts.params.shards);
    if (opts.state.length !== this.d)
      throw new RangeError(`state has ${opts.state.length} components, dimensions is ${this.d}`);
    this.rng = opts.rng;
    this.cycles = opts.cycle ?? 0;
    this.seed = { earned: opts.earned ?? 0, tcSelf: opts.tcSelf ?? 1 };
    for (const k of opts.holds) this.adopt(k, sliceOf(opts.state, this.ranges[k]!), this.seed);
  }

  /** The held shards, ascending. */
  get holds(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Starts holding shard k from `state` (its width of components: the holders' median, or the
   * node's own state when it forms), with a joiner's VaultGuard state unless told otherwise.
   * Holding a shard already held is an error: a node keeps a shard until it leaves.
   */
  adopt(
    k: number,
    state: ArrayLike<number>,
    start: { earned: number; tcSelf: number } = { earned: 0, tcSelf: 1 },
  ): void {
    const range = this.ranges[k];
    if (!range) throw new RangeError(`shard ${k} is not below ${this.ranges.length}`);
    if (this.held.has(k)) throw new RangeError(`shard ${k} is already held`);
    if (state.length !== range.width)
      throw new RangeError(`shard ${k} has ${range.width} components, not ${state.length}`);
    this.held.set(
      k,
      new NodeDrift({
        params: shardParams(this.params, range),
        state,
        rng: this.rng,
        earned: start.earned,
        tcSelf: start.tcSelf,
        cycle: this.cycles,
      }),
    );
  }

  /** The whole state: the held shards' components, 0 elsewhere (never read, never sent). */
  get state(): readonly number[] {
    return this.whole((n) => n.state);
  }
  get drift(): readonly number[] {
    return this.whole((n) => n.drift);
  }
  /** The mean over held shards (the store keeps one figure; docs/shards.md, "In the node"). */
  get earned(): number {
    return this.mean((n) => n.earned, this.seed.earned);
  }
  get tcSelf(): number {
    return this.mean((n) => n.tcSelf, this.seed.tcSelf);
  }
  get recovery(): boolean {
    return [...this.held.values()].some((n) => n.recovery);
  }
  get cycle(): number {
    return this.cycles;
  }
  /** The largest claimed weight of any held shard (each SDM carries its own shard's). */
  get dc(): number {
    return Math.max(0, ...[...this.held.values()].map((n) => n.dc));
  }
  get dcs(): number[] {
    return this.ranges.map((_, k) => this.held.get(k)?.dc ?? NaN);
  }
  get counts(): Float64Array {
    const total = emptyCounts();
    for (const n of this.held.values()) n.counts.forEach((c, r) => (total[r] += c));
    return total;
  }
  get currentParams(): DriftParams {
    return this.params;
  }

  setParams(params: DriftParams): void {
    if (params.dimensions !== this.d)
      throw new RangeError(`dimensions cannot change on a running node (${this.d})`);
    if (params.shards !== this.ranges.length)
      throw new RangeError(`shards cannot change on a running node (${this.ranges.length})`);
    for (const [k, n] of this.held) n.setParams(shardParams(params, this.ranges[k]!));
    this.params = params;
  }

  /** A peer's trust: the lowest any held shard gives it (the prior if none has weighed it). */
  trustOf(id: string): number {
    const t = [...this.held.values()].map((n) => n.trustOf(id));
    return t.length > 0 ? Math.min(...t) : TRUST_PRIOR;
  }

  trustTable(): Record<string, number> {
    const ids = new Set<string>();
    for (const n of this.held.values()) for (const id of Object.keys(n.trustTable())) ids.add(id);
    return Object.fromEntries([...ids].map((id) => [id, this.trustOf(id)]));
  }

  penalise(id: string, drop?: number): void {
    for (const n of this.held.values()) n.penalise(id, drop);
  }

  /** One cycle of every held shard, in ascending order (their entropy draws follow each other). */
  step(peers: readonly ShardPeerReport[], load = 0): ShardCycleResult {
    const d = this.d;
    const S = new Array<number>(d).fill(0);
    const D = new Array<number>(d).fill(0);
    const F = new Array<number>(d).fill(0);
    const events: VaultEvent[] = [];
    let accepted = 0;
    for (const k of this.holds) {
      const range = this.ranges[k]!;
      const reports = peers.map((p): PeerReport => {
        const w = p.shardWeights[k];
        if (w === undefined || !Number.isFinite(w))
          return { id: p.id, state: [], weight: 0, holds: false };
        return {
          id: p.id,
          state: sliceOf(p.state, range),
          weight: w,
          ...(p.entropy ? { entropy: sliceOf(p.entropy, range) } : {}),
        };
      });
      const r = this.held.get(k)!.step(reports, load);
      for (let c = 0; c < range.width; c++) {
        S[range.first + c] = r.S[c]!;
        D[range.first + c] = r.D[c]!;
        F[range.first + c] = r.F[c]!;
      }
      events.push(...r.events);
      accepted += r.accepted;
    }
    this.cycles++;
    const n = this.held.size;
    return {
      S,
      D,
      F,
      dc: this.dc,
      dcs: this.dcs,
      holds: this.holds,
      recovery: this.recovery,
      accepted: n > 0 ? accepted / n : 0,
      events,
    };
  }

  private whole(of: (n: NodeDrift) => readonly number[]): number[] {
    const out = new Array<number>(this.d).fill(0);
    for (const [k, n] of this.held) {
      const { first } = this.ranges[k]!;
      of(n).forEach((x, c) => (out[first + c] = x));
    }
    return out;
  }

  private mean(of: (n: NodeDrift) => number, none: number): number {
    const xs = [...this.held.values()].map(of);
    return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : none;
  }
}

/** A shard's drift runs the kernel on its width of components, as one whole-state K = 1 rule. */
function shardParams(params: DriftParams, range: ShardRange): DriftParams {
  return { ...params, dimensions: range.width, shards: 1 };
}

function sliceOf(v: ArrayLike<number>, range: ShardRange): number[] {
  return Array.from({ length: range.width }, (_, c) => Number(v[range.first + c]));
}
