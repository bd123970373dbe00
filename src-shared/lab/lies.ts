import type { LiarBehaviour } from '../api/lab-api';
import type { Rng } from '../random';
import { towardTarget } from '../sim/liars';

/*
 * What a lab's liar tells a peer, as a pure function of its behaviour, its honest state and the
 * peer's own newest state. The same pull the simulator's liars use (towardTarget), so a lab and
 * a simulation of one attack differ only in the network.
 */

export type TellingLiar = Exclude<LiarBehaviour, { kind: 'garbage' }>;

/** The state told to a peer whose newest state is `theirs` (undefined: not heard yet). */
export function toldState(
  b: TellingLiar,
  honest: readonly number[],
  theirs: readonly number[] | undefined,
  rng: Rng,
): number[] {
  const d = honest.length;
  switch (b.kind) {
    case 'constant':
      return [...b.state];
    case 'pull':
    case 'drain': {
      const target = b.kind === 'pull' ? b.target : new Array<number>(d).fill(0);
      const out = new Array<number>(d);
      towardTarget(out, 0, theirs ?? honest, 0, target, b.reach, d);
      // A pull toward a target >= 0 from a state >= 0 stays >= 0; the max guards rounding.
      return out.map((x) => Math.max(0, x));
    }
    case 'noise':
      return honest.map((x) => Math.max(0, x + b.sigma * rng.normal()));
  }
}

/** Frame bodies of random bytes (8..64 of them): they fail to decode or fail the checks. */
export function garbageBody(rng: Rng): Uint8Array {
  const body = new Uint8Array(8 + rng.int(57));
  for (let i = 0; i < body.length; i++) body[i] = rng.int(256);
  return body;
}
