/*
 * Whether a lab keeps up with the cycle it was asked for. Every node of a lab shares this
 * machine's cores; when they cannot carry the nodes at the asked cycle, each cycle simply runs
 * late (the scheduler never skips one), so the lab still converges, only slower, and nothing
 * would say so. The pace compares the cycles the median counted node ran over the last few
 * seconds with the cycles asked for in that time, and says what to change when it falls behind.
 */

/** Behind once fewer than this share of the asked cycles ran in the window ... */
export const BEHIND_BELOW = 0.8;
/** ... and keeping up again only from this share: a lab near the line does not flicker. */
export const CAUGHT_UP_FROM = 0.9;
/** The window the pace is measured over: at least this long ... */
export const PACE_WINDOW_MS = 5_000;
/** ... and at least this many asked cycles (a 10 s cycle needs a longer look). */
export const PACE_WINDOW_CYCLES = 5;

export interface LabPace {
  /** Cycles per second asked for: 1000 / cycleMs times the lab's speed factor. */
  readonly askedPerS: number;
  /** Cycles per second the median counted node ran over the window. */
  readonly achievedPerS: number;
  readonly behind: boolean;
  /** Nodes up (liars too: they cost the same as honest ones), for the advice. */
  readonly nodes: number;
}

/**
 * What would keep up on this machine, estimated from what it achieved: the nodes' work is about
 * proportional to node-cycles per second, so either fewer nodes at this cycle or a cycle longer
 * by the same factor. An estimate, rounded to the safe side.
 */
export function paceAdvice(p: LabPace): { nodes: number; cycleMs: number } {
  const share = p.askedPerS > 0 ? Math.max(0, p.achievedPerS / p.askedPerS) : 1;
  const asked = 1000 / p.askedPerS;
  return {
    nodes: Math.max(2, Math.floor(p.nodes * share)),
    cycleMs: share > 0 ? Math.ceil(asked / share / 10) * 10 : Infinity,
  };
}

const rate = (x: number) => x.toFixed(x < 10 ? 2 : 1);

/** The pace as one sentence: what is wrong and what to do (the CLI's line, the monitor's banner). */
export function describePace(p: LabPace): string {
  const share = p.askedPerS > 0 ? p.achievedPerS / p.askedPerS : 1;
  const ran = `${rate(p.achievedPerS)} of ${rate(p.askedPerS)} cycles/s asked (${Math.round(share * 100)}%)`;
  if (!p.behind) return `keeping up again: ${ran}`;
  const a = paceAdvice(p);
  const cycle = Number.isFinite(a.cycleMs) ? `a cycle of about ${a.cycleMs} ms` : 'a longer cycle';
  return `behind: ${ran}; this machine cannot carry ${p.nodes} nodes at ${Math.round(1000 / p.askedPerS)} ms cycles. Try about ${a.nodes} nodes, or ${cycle}`;
}

/**
 * The pace over a sliding window of ticks. The median cycle is what advances; anything that
 * moves it by itself (a pause, a single step, a new speed, nodes joining or leaving the count)
 * makes the cycles before it useless as a measure, so the caller resets the tracker then.
 */
/** The share of counted nodes that may come and go without restarting the pace's window. */
export const PACE_COUNT_JITTER = 0.1;

/**
 * Whether the pace's window starts again because the set of counted nodes changed: a median over
 * another set is another measure (revived nodes resume behind the rest). But on a machine too
 * busy for its lab a node or two may drop in and out of the count as their samples come late,
 * and restarting on each would keep the pace from being judged just when it matters most: a
 * change of at most one node, or of PACE_COUNT_JITTER of them, keeps the window.
 */
export function countChanged(measuredOver: number, counted: number): boolean {
  return Math.abs(counted - measuredOver) > Math.max(1, PACE_COUNT_JITTER * measuredOver);
}

export class PaceTracker {
  private samples: Array<{ t: number; cycle: number }> = [];
  private behind = false;
  private last: LabPace | null = null;

  /** Forget the window (the behind/keeping-up state stays until measured again). */
  reset(): void {
    this.samples = [];
    this.last = null;
  }

  /** The newest pace, or null while the window is not long enough yet (or after a reset). */
  get pace(): LabPace | null {
    return this.last;
  }

  /**
   * One tick: `t` in ms, the median counted node's cycle. Returns the pace, and whether it
   * crossed into or out of "behind" at this tick (for an event).
   */
  observe(
    t: number,
    cycle: number,
    asked: { perS: number; nodes: number },
  ): { pace: LabPace | null; changed: boolean } {
    this.samples.push({ t, cycle });
    const windowMs = Math.max(PACE_WINDOW_MS, (PACE_WINDOW_CYCLES * 1000) / asked.perS);
    // Keep one sample at or before the window's start, so the window spans all of windowMs.
    while (this.samples.length > 2 && t - this.samples[1]!.t >= windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const span = t - first.t;
    if (span < windowMs) return { pace: null, changed: false };
    const achievedPerS = (Math.max(0, cycle - first.cycle) * 1000) / span;
    const share = achievedPerS / asked.perS;
    const was = this.behind;
    if (!was && share < BEHIND_BELOW) this.behind = true;
    else if (was && share >= CAUGHT_UP_FROM) this.behind = false;
    this.last = {
      askedPerS: asked.perS,
      achievedPerS,
      behind: this.behind,
      nodes: asked.nodes,
    };
    return { pace: this.last, changed: was !== this.behind };
  }
}
