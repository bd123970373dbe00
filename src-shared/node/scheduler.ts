import { unrefTimer } from '../timers';

/** Low-power mode multiplies the cycle period by this (docs/model.md, "VaultGuard"). */
export const LOW_POWER_FACTOR = 4;

export interface SchedulerOptions {
  readonly cycleMs: number;
  /** Each period is cycleMs * (1 +- jitter): nodes started together drift apart in phase. */
  readonly jitter?: number;
  /**
   * What the event loop's delay is, where the host can tell (Node.js: perf_hooks, in
   * src-main/runtime/loop-delay.ts); without one, lag never switches low-power mode on (a browser,
   * or a lab's nodes, which share a thread, so the lag one sees is all of theirs).
   */
  readonly lag?: LagProbe;
  /** Event-loop delay (p99 over the last few cycles) above which low-power mode switches on. */
  readonly lagLimitMs?: number;
  /** Uniform in [0, 1) for the jitter; seeded in labs and tests. */
  readonly random?: () => number;
  readonly onTick: (cycle: number) => Promise<void> | void;
  readonly onLowPower?: (on: boolean, reasons: readonly string[]) => void;
  /** A tick that threw: the scheduler keeps going. */
  readonly onError?: (err: unknown) => void;
}

/** The event loop's delay in milliseconds, sampled while enabled. */
export interface LagProbe {
  enable(): void;
  disable(): void;
  reset(): void;
  percentileMs(p: number): number;
}

/** Cycles between two looks at the event-loop delay. */
const LAG_CHECK_CYCLES = 5;

/**
 * Ticks the drift cycle every cycleMs with a little jitter, never two ticks at once, and
 * stretches the period in low-power mode: when the user asks, on battery (the shell says so),
 * or when the event loop lags.
 */
export class CycleScheduler {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private paused = false;
  private cycle = 0;
  private skew = 1;
  /** When the next tick is due (performance.now() ms): deadlines, so timer lateness never adds up. */
  private dueAt = 0;
  private missed = 0;
  private readonly reasons = new Set<string>();
  private readonly lag: LagProbe | null;
  private readonly jitter: number;
  private readonly lagLimitMs: number;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.jitter = opts.jitter ?? 0.05;
    this.lagLimitMs = opts.lagLimitMs ?? 250;
    this.random = opts.random ?? Math.random;
    this.lag = opts.lag ?? null;
  }

  get lowPower(): boolean {
    return this.reasons.size > 0;
  }

  get lowPowerReasons(): readonly string[] {
    return [...this.reasons];
  }

  /** The current period before jitter. */
  get periodMs(): number {
    return this.opts.cycleMs * (this.lowPower ? LOW_POWER_FACTOR : 1) * this.skew;
  }

  /** A skewed clock (a lab's fault): every period is `factor` times as long; 1 undoes it. */
  setSkew(factor: number): void {
    if (!(factor > 0 && Number.isFinite(factor)))
      throw new RangeError(`a clock skew factor must be a finite number > 0 (got ${factor})`);
    this.skew = factor;
  }

  /** While paused, runs one cycle now (a lab's single step); does nothing otherwise. */
  async stepOnce(): Promise<void> {
    if (!this.paused || !this.running) return;
    await this.opts.onTick(++this.cycle);
  }

  get cycles(): number {
    return this.cycle;
  }

  /** Periods skipped because a tick was due more than a whole period ago (the node fell behind). */
  get missedPeriods(): number {
    return this.missed;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lag?.enable();
    this.dueAt = performance.now() + this.periodMs * this.random();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.lag?.disable();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Switches one reason for low-power mode on or off ("requested", "on battery", ...). */
  setLowPower(reason: string, on: boolean): void {
    const was = this.lowPower;
    if (on) this.reasons.add(reason);
    else this.reasons.delete(reason);
    if (this.lowPower !== was) this.opts.onLowPower?.(this.lowPower, this.lowPowerReasons);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, this.dueAt - performance.now()));
    unrefTimer(this.timer);
  }

  private async tick(): Promise<void> {
    if (!this.paused) {
      try {
        await this.opts.onTick(++this.cycle);
      } catch (err) {
        this.opts.onError?.(err);
      }
      if (this.cycle % LAG_CHECK_CYCLES === 0) this.checkLag();
    }
    const period = this.periodMs * (1 + this.jitter * (2 * this.random() - 1));
    this.dueAt += period;
    // More than a period late (a stalled thread, a long tick): skip what was missed rather than
    // run a burst of cycles to catch up, and count it.
    const now = performance.now();
    if (now - this.dueAt > period) {
      this.missed += Math.floor((now - this.dueAt) / period);
      this.dueAt = now;
    }
    this.schedule();
  }

  /** Low power on while the loop's p99 delay is over the limit; off under half of it. */
  private checkLag(): void {
    if (!this.lag) return;
    const p99 = this.lag.percentileMs(99);
    this.lag.reset();
    const reason = 'event-loop lag';
    if (p99 > this.lagLimitMs) this.setLowPower(reason, true);
    else if (p99 < this.lagLimitMs / 2) this.setLowPower(reason, false);
  }
}
