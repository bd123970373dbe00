import type { Ring } from './ring';
import { CONDITION, type TickFrame } from './tick-frame';

/*
 * A node that is down reports no state (the lab samples nothing from it), but what it held
 * when it went down is still in the ticks the monitor keeps: the panel shows that, marked as
 * the last state, rather than an empty one.
 */

export interface LastState {
  /** The tick's t (ms since the lab started): the last time the node was seen up. */
  readonly t: number;
  readonly S: Float64Array;
  readonly D: Float64Array;
  readonly earned: number;
}

/** The newest tick at or before `beforeT` where `slot` was up or frozen with a state; or null. */
export function lastLiveState(
  ring: Ring<TickFrame>,
  slot: number,
  beforeT = Infinity,
): LastState | null {
  for (let i = ring.size - 1; i >= 0; i--) {
    const f = ring.at(i)!;
    if (f.t > beforeT || slot >= f.n) continue;
    const c = f.cond[slot];
    if (c !== CONDITION.up && c !== CONDITION.frozen) continue;
    const S = f.S.slice(slot * f.d, (slot + 1) * f.d);
    // Any component will do: with K > 1 the shards the node did not hold are NaN in the frame.
    if (!S.some(Number.isFinite)) continue;
    return { t: f.t, S, D: f.D.slice(slot * f.d, (slot + 1) * f.d), earned: f.earned[slot]! };
  }
  return null;
}
