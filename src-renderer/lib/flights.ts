/*
 * The slow-motion view's frames in flight. A lab tick says which nodes sent drift frames since
 * the tick before (their framesOut grew) and which links are live; in a cycle a node sends its
 * frame to every peer it has a session with, so each such sender puts one frame on each of its
 * live links, travelling from it to the peer. When in the cycle each node sends is not reported
 * (every node keeps its own timer), so departures are spread over the first half of the
 * animation by slot: the picture is true about who sends to whom, illustrative about when.
 */

/** How long one cycle's frames take on screen, in ms (a cycle of 200 ms is shown 10x slower). */
export const SLOW_CYCLE_MS = 2000;

/** The share of the animation a frame spends travelling; departures fill the rest. */
export const TRAVEL = 0.5;

/**
 * The frames a tick shows: [from, to] pairs, flat, one per live link end whose node sent frames
 * since the previous tick. `before` and `after` are framesOut by slot; a node whose count fell
 * restarted (counts are per run), so it counts as having sent if it has sent anything since.
 */
export function framesSent(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  links: ArrayLike<number>,
): Int32Array {
  const sent = (i: number) => {
    const b = before[i] ?? 0;
    const a = after[i] ?? 0;
    return a > b || (a < b && a > 0);
  };
  const out: number[] = [];
  for (let k = 0; k + 1 < links.length; k += 2) {
    const a = links[k];
    const b = links[k + 1];
    if (sent(a)) out.push(a, b);
    if (sent(b)) out.push(b, a);
  }
  return Int32Array.from(out);
}

/** When a node's frames leave, as a share of the animation in [0, 1 - TRAVEL): a fixed spread
 * by slot (the golden ratio's fractions), so neighbours in slot order do not leave together. */
export function departure(slot: number): number {
  const golden = 0.6180339887498949;
  return ((slot * golden) % 1) * (1 - TRAVEL);
}

/** How far along its link a frame leaving at `depart` is at time `u` of the animation (0..1),
 * or null when it has not left yet or has arrived. */
export function progress(u: number, depart: number): number | null {
  const p = (u - depart) / TRAVEL;
  return p >= 0 && p <= 1 ? p : null;
}
