import type { LabSnapshot, LabStatus, NodeCondition, TickMetrics } from '@shared/api/lab-api';
import { shardRanges } from '@shared/drift/shard-rule';
import type { ShardTick } from '@shared/lab/shard-tally';
import { mapGroups, type MapGroups } from '../lib/map-groups';
import { capsOf, holdsOf, shardCountOf, shardTickOf } from '../lib/shard-view';

/*
 * One lab tick as the monitor keeps it: the metrics and status as they came, and every node's
 * condition, state, drift, earned VU and live links packed into typed arrays indexed by slot.
 * The ring of ticks (replay, charts, trails) holds these, not the pushed snapshots, so that
 * 1,000 ticks of a 1,000-node lab stay near 50 MB.
 */

export const CONDITION = { absent: 0, starting: 1, up: 2, frozen: 3, dead: 4 } as const;
export type ConditionCode = (typeof CONDITION)[keyof typeof CONDITION];
const CONDITION_CODE: Record<NodeCondition, ConditionCode> = CONDITION;
export const CONDITION_NAME = ['absent', 'starting', 'up', 'frozen', 'dead'] as const;

export const LIAR_KINDS = ['constant', 'pull', 'drain', 'noise', 'garbage'] as const;

export interface TickFrame {
  /** ms since the lab started */
  readonly t: number;
  readonly metrics: TickMetrics;
  readonly status: LabStatus;
  /** Slots 0..n-1 (a slot not in the lab has condition absent). */
  readonly n: number;
  /** Components of the state. */
  readonly d: number;
  readonly cond: Uint8Array;
  /** 0 honest, else 1 + the index of its behaviour in LIAR_KINDS. */
  readonly liar: Uint8Array;
  /** 1: a browser node (a Chromium tab); 0: a Node.js node (NodeSample's kind). */
  readonly browser: Uint8Array;
  /**
   * n*d; NaN for a node without a state, and with K > 1 for every component of a shard the node
   * does not hold (it reports 0 there, a value nobody agreed on): no view places a node by it.
   */
  readonly S: Float64Array;
  readonly D: Float64Array;
  readonly earned: Float64Array;
  /** Frames each node has sent since it (re)started (the map's slow motion animates them). */
  readonly framesOut: Uint32Array;
  /** Live links (an open drift session at either end), each once as [a, b] with a < b. */
  readonly links: Int32Array;
  /** The topology's links the partition cuts, as [a, b] pairs. */
  readonly cut: Int32Array;
  /** Shards the state is split into (1: one whole state, no shard view). */
  readonly K: number;
  /** K > 1: n*K bytes, 1 where node i holds shard k (null: no sample said, an older recording). */
  readonly holds: Uint8Array | null;
  /** K > 1: each node's cap on its shards, 0 where it has none (null: no node is capped). */
  readonly caps: Uint16Array | null;
  /** K > 1: the lab's shard table for this tick (null: not in the snapshot, or not whole). */
  readonly shards: ShardTick | null;
}

const cutCache = new WeakMap<LabStatus, Int32Array>();

/** The status's cut links as a flat array (cached per status object). */
export function cutOf(status: LabStatus): Int32Array {
  let cut = cutCache.get(status);
  if (!cut) {
    cut = new Int32Array(status.cut.length * 2);
    status.cut.forEach(([a, b], i) => {
      cut![2 * i] = a;
      cut![2 * i + 1] = b;
    });
    cutCache.set(status, cut);
  }
  return cut;
}

function sameLinks(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The frame of a snapshot, or null before the lab's first tick. `previous` lends its link arrays
 * when the links did not change (they rarely do): less memory, and the map keeps its drawn links.
 */
export function frameOf(snapshot: LabSnapshot, previous: TickFrame | null): TickFrame | null {
  const { metrics, status, samples } = snapshot;
  if (!metrics) return null;
  let n = 0;
  let d = status.params.dimensions;
  for (const s of samples) {
    n = Math.max(n, s.slot + 1);
    if (s.S.length > 0) d = s.S.length;
  }
  const cond = new Uint8Array(n);
  const liar = new Uint8Array(n);
  const browser = new Uint8Array(n);
  const S = new Float64Array(n * d).fill(Number.NaN);
  const D = new Float64Array(n * d).fill(Number.NaN);
  const earned = new Float64Array(n);
  const framesOut = new Uint32Array(n);
  const pairs: number[] = [];
  const seen = new Set<number>();
  for (const s of samples) {
    const i = s.slot;
    cond[i] = CONDITION_CODE[s.condition] ?? CONDITION.absent;
    liar[i] = s.liar ? LIAR_KINDS.indexOf(s.liar) + 1 : 0;
    browser[i] = s.kind === 'browser' ? 1 : 0;
    earned[i] = s.earned;
    framesOut[i] = s.framesOut;
    for (let c = 0; c < d && c < s.S.length; c++) S[i * d + c] = s.S[c];
    for (let c = 0; c < d && c < s.D.length; c++) D[i * d + c] = s.D[c];
    for (const p of s.peers) {
      if (p === i || p < 0) continue;
      const a = Math.min(i, p);
      const b = Math.max(i, p);
      const key = a * 65536 + b;
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push(a, b);
    }
  }
  let links: Int32Array = Int32Array.from(pairs);
  if (previous && sameLinks(previous.links, links)) links = previous.links;
  let cut = cutOf(status);
  if (previous && sameLinks(previous.cut, cut)) cut = previous.cut;
  const K = shardCountOf(status);
  const holds = holdsOf(samples, n, K);
  if (holds) blankUnheld(S, D, holds, samples, d, K);
  return {
    t: metrics.t,
    metrics,
    status,
    n,
    d,
    cond,
    liar,
    browser,
    S,
    D,
    earned,
    framesOut,
    links,
    cut,
    K,
    holds,
    caps: capsOf(samples, n, K),
    shards: shardTickOf(snapshot, K),
  };
}

/**
 * NaN over the components of the shards a node does not hold. Only nodes whose sample says what
 * they hold: one that says nothing keeps what it reported.
 */
function blankUnheld(
  S: Float64Array,
  D: Float64Array,
  holds: Uint8Array,
  samples: LabSnapshot['samples'],
  d: number,
  K: number,
): void {
  if (K > d) return;
  const ranges = shardRanges(d, K);
  for (const s of samples) {
    if (!Array.isArray((s as { holds?: unknown }).holds)) continue;
    const i = s.slot;
    if (i < 0 || (i + 1) * d > S.length) continue;
    for (let k = 0; k < K; k++) {
      if (holds[i * K + k] === 1) continue;
      const { first, width } = ranges[k]!;
      S.fill(Number.NaN, i * d + first, i * d + first + width);
      D.fill(Number.NaN, i * d + first, i * d + first + width);
    }
  }
}

const groupCache = new WeakMap<TickFrame, MapGroups>();

/**
 * The frame's groups (cached): the partition's planned groups while one stands, else the
 * connected parts of the live links among the nodes that are up (see mapGroups).
 */
export function frameGroups(frame: TickFrame): MapGroups {
  let groups = groupCache.get(frame);
  if (!groups) {
    const present = new Uint8Array(frame.n);
    const up = new Uint8Array(frame.n);
    for (let i = 0; i < frame.n; i++) {
      present[i] = frame.cond[i] === CONDITION.absent ? 0 : 1;
      up[i] = frame.cond[i] === CONDITION.up ? 1 : 0;
    }
    groups = mapGroups(frame.n, present, up, frame.links, frame.status.groups);
    groupCache.set(frame, groups);
  }
  return groups;
}

/** Slots present in the frame (any condition but absent), ascending. */
export function slotsOf(frame: TickFrame): number[] {
  const out: number[] = [];
  for (let i = 0; i < frame.n; i++) if (frame.cond[i] !== CONDITION.absent) out.push(i);
  return out;
}

/** A lab run's identity: a new one resets the history. */
export function labKey(status: LabStatus): string {
  return `${status.dir}@${status.startedAt}`;
}
