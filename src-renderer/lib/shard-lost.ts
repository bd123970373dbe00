import type { LabEvent } from '@shared/api/lab-api';
import type { TickFrame } from '../state/tick-frame';

/*
 * Which shards count as lost at a tick: no live node holds them, and they were held before (the
 * lab's `shard-lost` said so by then, or an earlier tick held shows holders). A shard with no
 * holders yet while the lab forms is not lost, only not formed, and is not drawn red.
 */

/** Per shard, the first t (ms) a tick held shows it held; Infinity: never. */
export function firstHeld(frames: readonly TickFrame[], K: number): Float64Array {
  const out = new Float64Array(K).fill(Infinity);
  for (const f of frames) {
    if (f.K !== K) continue;
    const held = f.shards?.holders;
    for (let k = 0; k < K; k++) {
      if (out[k] !== Infinity) continue;
      if (held ? held[k]! > 0 : heldBySomeone(f, k)) out[k] = f.t;
    }
  }
  return out;
}

function heldBySomeone(f: TickFrame, k: number): boolean {
  if (!f.holds) return false;
  for (let i = 0; i < f.n; i++) if (f.holds[i * f.K + k]) return true;
  return false;
}

/** The shards lost at time t (ms) with these holders per shard. */
export function lostShards(
  holders: readonly number[] | null,
  t: number,
  first: Float64Array,
  events: readonly LabEvent[],
): ReadonlySet<number> {
  const lost = new Set<number>();
  if (!holders) return lost;
  const reported = new Set(
    events.flatMap((e) => (e.type === 'shard-lost' && e.t <= t ? [e.shard] : [])),
  );
  holders.forEach((h, k) => {
    if (h === 0 && (reported.has(k) || (first[k] ?? Infinity) < t)) lost.add(k);
  });
  return lost;
}
