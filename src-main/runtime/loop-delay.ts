import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The event loop's delay, in milliseconds. Node's histogram records the time between two runs
 * of its sampling timer, so an idle loop shows the resolution itself (measured on Node 20:
 * p50 10.2 ms at resolution 10); this subtracts it, leaving how late the loop was.
 */
export class LoopDelay {
  private readonly h: IntervalHistogram;

  constructor(private readonly resolutionMs: number) {
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  enable(): void {
    this.h.enable();
  }

  disable(): void {
    this.h.disable();
  }

  reset(): void {
    this.h.reset();
  }

  percentileMs(p: number): number {
    return this.late(this.h.percentile(p));
  }

  maxMs(): number {
    return this.late(this.h.max);
  }

  private late(ns: number): number {
    return this.h.count === 0 ? 0 : Math.max(0, ns / 1e6 - this.resolutionMs);
  }
}
