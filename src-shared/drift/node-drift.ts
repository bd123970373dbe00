import type { Rng } from '../random';
import { driftCoefficient, entropyVariance } from './coefficient';
import {
  compileParams,
  createScratch,
  EDGE_FIELDS,
  EDGE_LAST_LEN_SQ,
  EDGE_TO_LESS,
  EDGE_TO_MORE,
  EDGE_TRUST,
  stepNode,
  type DriftArrays,
  type KernelParams,
} from './kernel';
import { NEEDS_PEER_DEGREES, NODE_WEIGHTINGS, type DriftParams } from './params';
import { emptyCounts, makeEvent, type VaultEvent } from './rules';
import { TRUST_PRIOR } from './vaultguard';

/** What a node heard from one peer session this cycle. */
export interface PeerReport {
  /** The peer's ephemeral session id. */
  readonly id: string;
  /** S from the peer's newest fresh SDM. */
  readonly state: ArrayLike<number>;
  /** The drift coefficient DC the peer claims. */
  readonly weight: number;
  /** Entropy from the peer's newest EP this cycle, if any. */
  readonly entropy?: ArrayLike<number>;
  /**
   * false: a peer of the node that does not hold the shard this drift steps (K > 1). It is not
   * heard, but it counts among the node's peers, as in the simulator (docs/shards.md, "Drift").
   */
  readonly holds?: boolean;
}

export interface CycleResult {
  readonly S: readonly number[];
  readonly D: readonly number[];
  /** Entropy as applied: what the node sends in its EP. */
  readonly F: readonly number[];
  /** The weight to claim in this cycle's SDM. */
  readonly dc: number;
  readonly recovery: boolean;
  /** Share of the reporting peers whose diff was accepted. */
  readonly accepted: number;
  readonly events: readonly VaultEvent[];
}

/** What the node remembers of a peer session between cycles. */
interface PeerMemory {
  trust: number;
  toLess: number;
  toMore: number;
  lastLenSq: number;
  lastSeen: number;
}

export interface NodeDriftOptions {
  readonly params: DriftParams;
  readonly state: ArrayLike<number>;
  readonly rng: Rng;
  readonly earned?: number;
  readonly tcSelf?: number;
  /** Cycles already run (a node resuming from its store goes on counting from there). */
  readonly cycle?: number;
  /** Peers considered in one cycle; the rest of a larger report is ignored. */
  readonly maxPeers?: number;
  /** Peer sessions remembered; the longest-unseen are forgotten first. */
  readonly peerMemory?: number;
}

/** Share of the gap to the prior that an absent peer's trust closes per cycle. */
const ABSENT_TRUST_DECAY = 0.02;

/**
 * The drift state of one node: its S, D, earned VU, tcSelf, mode and the trust it gives each
 * peer session. Each `cycle` packs the peers' reports into flat buffers (own state at index 0)
 * and runs the shared kernel, so the node obeys exactly the rule the simulator is tested on.
 */
export class NodeDrift {
  private params: DriftParams;
  private kernel: KernelParams;
  private readonly d: number;
  private readonly rng: Rng;
  private readonly maxPeers: number;
  private readonly peerMemory: number;
  private readonly peers = new Map<string, PeerMemory>();
  private S: Float64Array;
  private D: Float64Array;
  private earnedVu: number;
  private tcSelfShare: number;
  private inRecovery = false;
  private cycles = 0;
  private dcClaim = 0;
  readonly counts = emptyCounts();

  constructor(opts: NodeDriftOptions) {
    refuseMetropolis(opts.params);
    this.params = opts.params;
    this.kernel = compileParams(opts.params);
    this.d = opts.params.dimensions;
    if (opts.state.length !== this.d)
      throw new RangeError(`state has ${opts.state.length} components, dimensions is ${this.d}`);
    this.S = Float64Array.from(opts.state, (x) => (Number.isFinite(x) && x > 0 ? x : 0));
    this.D = new Float64Array(this.d);
    this.rng = opts.rng;
    this.earnedVu = opts.earned ?? 0;
    this.tcSelfShare = opts.tcSelf ?? 1;
    this.cycles = opts.cycle ?? 0;
    this.maxPeers = opts.maxPeers ?? 64;
    this.peerMemory = opts.peerMemory ?? 256;
  }

  get state(): readonly number[] {
    return [...this.S];
  }
  get drift(): readonly number[] {
    return [...this.D];
  }
  get earned(): number {
    return this.earnedVu;
  }
  get tcSelf(): number {
    return this.tcSelfShare;
  }
  get recovery(): boolean {
    return this.inRecovery;
  }
  get cycle(): number {
    return this.cycles;
  }
  get dc(): number {
    return this.dcClaim;
  }
  get currentParams(): DriftParams {
    return this.params;
  }

  /** New parameters take effect from the next cycle; the dimension cannot change. */
  setParams(params: DriftParams): void {
    if (params.dimensions !== this.d)
      throw new RangeError(`dimensions cannot change on a running node (${this.d})`);
    refuseMetropolis(params);
    this.params = params;
    this.kernel = compileParams(params);
  }

  /** The trust this node gives a peer session (the prior if unknown). */
  trustOf(id: string): number {
    return this.peers.get(id)?.trust ?? TRUST_PRIOR;
  }

  trustTable(): Record<string, number> {
    return Object.fromEntries([...this.peers].map(([id, m]) => [id, m.trust]));
  }

  /** Lowers a peer's trust for something the kernel never sees (a malformed frame). */
  penalise(id: string, drop = this.params.tcDrop): void {
    const m = this.remember(id);
    m.trust *= 1 - drop;
  }

  step(peers: readonly PeerReport[], load = 0): CycleResult {
    const d = this.d;
    const reports = uniqueById(peers).slice(0, this.maxPeers);
    const k = reports.length;
    const a = this.pack(reports);
    for (let c = 0; c < d; c++) a.entropy[c] = this.rng.normal();

    const events: VaultEvent[] = [];
    const counts = emptyCounts();
    const sink = (
      rule: Parameters<typeof makeEvent>[0],
      _node: number,
      peer: number,
      value: number,
      limit: number,
    ) => {
      events.push(makeEvent(rule, value, limit, peer >= 1 ? reports[peer - 1].id : undefined));
    };
    const accepted = stepNode({ ...a, counts }, this.kernel, createScratch(d, k), 0, load, sink);

    this.cycles++;
    for (let q = 0; q < k; q++) {
      const m = this.remember(reports[q].id);
      const x = q * EDGE_FIELDS;
      m.trust = a.edges[x + EDGE_TRUST];
      m.toLess = a.edges[x + EDGE_TO_LESS];
      m.toMore = a.edges[x + EDGE_TO_MORE];
      m.lastLenSq = a.edges[x + EDGE_LAST_LEN_SQ];
      m.lastSeen = this.cycles;
    }
    this.decayAbsent();
    for (let r = 0; r < counts.length; r++) this.counts[r] += counts[r];

    this.S = a.next.slice(0, d);
    this.D = a.drift.slice(0, d);
    this.earnedVu = a.earned[0];
    this.tcSelfShare = a.tcSelf[0];
    this.inRecovery = a.recovery[0] === 1;
    const heard = reports.filter((r) => r.holds !== false && isVector(r.entropy, d));
    const variance = entropyVariance(heard.length, d, (q, c) => heard[q].entropy![c]);
    this.dcClaim = driftCoefficient(this.earnedVu, this.tcSelfShare, variance, this.params.wMax);

    return {
      S: [...this.S],
      D: [...this.D],
      F: [...a.entropy.subarray(0, d)],
      dc: this.dcClaim,
      recovery: this.inRecovery,
      accepted: k > 0 ? accepted / k : 0,
      events,
    };
  }

  /** Own state at index 0, peer q at index q + 1; the graph is the single row 0 -> 1..k. */
  private pack(reports: readonly PeerReport[]): Omit<DriftArrays, 'counts'> {
    const d = this.d;
    const k = reports.length;
    const state = new Float64Array((k + 1) * d);
    state.set(this.S, 0);
    const claims = new Float64Array(k + 1);
    const edges = new Float32Array(k * EDGE_FIELDS);
    for (let q = 0; q < k; q++) {
      const r = reports[q];
      // A report of the wrong shape becomes NaN, which the kernel excludes as non-finite.
      const ok = r.state.length === d;
      for (let c = 0; c < d; c++) state[(q + 1) * d + c] = ok ? Number(r.state[c]) : NaN;
      claims[q + 1] = Number(r.weight);
      const m = this.peers.get(r.id);
      const x = q * EDGE_FIELDS;
      edges[x + EDGE_TRUST] = m?.trust ?? TRUST_PRIOR;
      edges[x + EDGE_TO_LESS] = m?.toLess ?? 0;
      edges[x + EDGE_TO_MORE] = m?.toMore ?? 0;
      edges[x + EDGE_LAST_LEN_SQ] = m?.lastLenSq ?? 0;
    }
    const neighbors = Int32Array.from({ length: k }, (_, q) => q + 1);
    // Every peer holds what this drift steps unless one says otherwise (K > 1 only): null keeps
    // the K = 1 cycle exactly as it was.
    const holders = reports.some((r) => r.holds === false)
      ? Uint8Array.from({ length: k + 1 }, (_, q) =>
          q === 0 || reports[q - 1].holds !== false ? 1 : 0,
        )
      : null;
    return {
      d,
      // The whole state (or one shard's, with K > 1), held by the node and the peers that report it.
      stride: d,
      first: 0,
      holders,
      offsets: Int32Array.of(0, k),
      neighbors,
      state,
      next: new Float64Array(d),
      // The last cycle's D, which the drain test reads (zeros before the first step).
      drift: Float64Array.from(this.D),
      entropy: new Float64Array(d),
      claims,
      edges,
      fresh: null,
      earned: Float64Array.of(this.earnedVu),
      tcSelf: Float64Array.of(this.tcSelfShare),
      recovery: Uint8Array.of(this.inRecovery ? 1 : 0),
    };
  }

  private remember(id: string): PeerMemory {
    let m = this.peers.get(id);
    if (!m) {
      m = { trust: TRUST_PRIOR, toLess: 0, toMore: 0, lastLenSq: 0, lastSeen: this.cycles };
      this.peers.set(id, m);
    }
    return m;
  }

  /** Absent peers drift back toward the prior; the table stays within `peerMemory`. */
  private decayAbsent(): void {
    for (const m of this.peers.values()) {
      if (m.lastSeen < this.cycles) m.trust += (TRUST_PRIOR - m.trust) * ABSENT_TRUST_DECAY;
    }
    if (this.peers.size <= this.peerMemory) return;
    const oldest = [...this.peers].sort((x, y) => x[1].lastSeen - y[1].lastSeen);
    for (const [id] of oldest.slice(0, this.peers.size - this.peerMemory)) this.peers.delete(id);
  }
}

/** Metropolis weights need every peer's degree, which a node does not know: simulator only. */
function refuseMetropolis(params: DriftParams): void {
  if (NEEDS_PEER_DEGREES[params.weighting])
    throw new RangeError(
      `${params.weighting} weighting is for the simulator; a node weighs its peers by ${NODE_WEIGHTINGS.join(' or ')} weights`,
    );
}

function uniqueById(peers: readonly PeerReport[]): PeerReport[] {
  const seen = new Set<string>();
  return peers.filter((p) => !seen.has(p.id) && seen.add(p.id));
}

function isVector(v: ArrayLike<number> | undefined, d: number): v is ArrayLike<number> {
  if (!v || v.length !== d) return false;
  for (let c = 0; c < d; c++) if (!Number.isFinite(v[c])) return false;
  return true;
}
