import type { LabSnapshot, LabStatus, NodeSample } from '@shared/api/lab-api';
import type { ShardTick } from '@shared/lab/shard-tally';
import { shardRanges } from '@shared/drift/shard-rule';

/*
 * What the monitor's shard view reads from a lab snapshot (docs/monitor.md, "Shards"), checked
 * here once: a recording made before shards has no `shards` and no `holds`, and a damaged one may
 * hold anything, so every field that is not what the API says is dropped rather than drawn.
 */

/** The most shards the view draws a row for (K <= d, and d is bounded by the params' own limit). */
export const MAX_SHARDS = 256;

/** The lab's K: 1 (no shard view) unless its params name a whole number above 1. */
export function shardCountOf(status: LabStatus | null | undefined): number {
  const k = (status?.params as { shards?: unknown } | undefined)?.shards;
  return typeof k === 'number' && Number.isInteger(k) && k > 1 ? Math.min(k, MAX_SHARDS) : 1;
}

const counts = (v: unknown, K: number): readonly number[] | null =>
  Array.isArray(v) &&
  v.length === K &&
  v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)
    ? (v as number[])
    : null;

/** The snapshot's shard table when it is whole for K shards; null otherwise (older recordings). */
export function shardTickOf(snapshot: LabSnapshot, K: number): ShardTick | null {
  const s = (snapshot as { shards?: unknown }).shards;
  if (K <= 1 || typeof s !== 'object' || s === null) return null;
  const t = s as Record<string, unknown>;
  const holders = counts(t['holders'], K);
  const holdersMin = counts(t['holdersMin'], K);
  const spread = counts(t['spread'], K);
  if (!holders || !holdersMin || !spread) return null;
  const short = Array.isArray(t['short'])
    ? (t['short'] as unknown[]).filter(
        (k): k is number => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < K,
      )
    : [];
  return { holders, holdersMin, spread, short };
}

/**
 * Which node holds which shard, packed as n*K bytes (1: holds); null when no sample says (K = 1,
 * or a recording made before `holds`). Shard numbers outside 0..K-1 are ignored.
 */
export function holdsOf(samples: readonly NodeSample[], n: number, K: number): Uint8Array | null {
  if (K <= 1) return null;
  let any = false;
  const out = new Uint8Array(n * K);
  for (const s of samples) {
    const holds = (s as { holds?: unknown }).holds;
    if (!Array.isArray(holds) || s.slot < 0 || s.slot >= n) continue;
    any = true;
    for (const k of holds)
      if (typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < K) out[s.slot * K + k] = 1;
  }
  return any ? out : null;
}

/**
 * Each node's cap on the shards it holds (the sample's maxShards: a capped node, docs/shards.md
 * "In the lab"), 0 for a node without one; null when no node is capped (K = 1, a lab without
 * capped nodes, or a recording made before caps). A cap that is not a whole number in 1..K is
 * dropped.
 */
export function capsOf(samples: readonly NodeSample[], n: number, K: number): Uint16Array | null {
  if (K <= 1) return null;
  let any = false;
  const out = new Uint16Array(n);
  for (const s of samples) {
    const cap = (s as { maxShards?: unknown }).maxShards;
    if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > K) continue;
    if (s.slot < 0 || s.slot >= n) continue;
    out[s.slot] = cap;
    any = true;
  }
  return any ? out : null;
}

/**
 * Holders per shard among the live nodes: the lab's own count when the snapshot has it, else
 * counted from the nodes' holds (`live`: 1 for a node that is up); null when neither is known.
 */
export function holdersPerShard(
  tick: ShardTick | null,
  holds: Uint8Array | null,
  live: ArrayLike<number>,
  K: number,
): readonly number[] | null {
  if (tick) return tick.holders;
  if (!holds) return null;
  const out = new Array<number>(K).fill(0);
  for (let i = 0; i * K < holds.length; i++)
    if (live[i]) for (let k = 0; k < K; k++) out[k]! += holds[i * K + k]!;
  return out;
}

/**
 * A sharded node's own vector with "no value" (NaN, shown as —) over the shards it does not
 * hold: it reports 0 there, a placeholder nobody agreed on. Unchanged with K = 1, or when the
 * sample does not say what it holds (an older recording).
 */
export function heldComponents(
  values: readonly number[],
  holds: readonly number[] | undefined,
  K: number,
): number[] {
  if (K <= 1 || !Array.isArray(holds) || K > values.length) return [...values];
  const ranges = shardRanges(values.length, K);
  const out = values.map(() => Number.NaN);
  for (const k of holds) {
    const range = Number.isInteger(k) ? ranges[k] : undefined;
    if (!range) continue;
    for (let c = range.first; c < range.first + range.width; c++) out[c] = values[c]!;
  }
  return out;
}
