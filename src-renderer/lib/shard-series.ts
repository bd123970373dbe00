import { CONDITION, type TickFrame } from '../state/tick-frame';
import { holdersPerShard } from './shard-view';

/**
 * Live holders of each shard at each tick held, aligned with the charts' series (one value per
 * frame, in order); NaN where a tick does not say (a frame of another K, or no shard data).
 */
export function holderSeries(frames: readonly TickFrame[], K: number): Float64Array[] {
  const out = Array.from({ length: K }, () => new Float64Array(frames.length).fill(Number.NaN));
  frames.forEach((f, i) => {
    if (f.K !== K) return;
    let holders = f.shards?.holders ?? null;
    if (!holders && f.holds) {
      const live = new Uint8Array(f.n);
      for (let s = 0; s < f.n; s++) live[s] = f.cond[s] === CONDITION.up ? 1 : 0;
      holders = holdersPerShard(null, f.holds, live, K);
    }
    if (holders) for (let k = 0; k < K; k++) out[k]![i] = holders[k]!;
  });
  return out;
}
