/*
 * Which dials a lab pool or a node's peer manager may start: at most a number in flight, never two to one pair (libp2p
 * joins a second dial to a peer onto the first, so it would hold two slots and, when the dial
 * failed, back off twice), and after a failure not again until an ever longer wait has passed,
 * as a node's connection manager would rather than handshake with a refusing peer every round.
 */
export class DialBook {
  private readonly inFlight = new Set<string>();
  private readonly failed = new Map<string, { failures: number; nextAt: number }>();

  /**
   * @param maxInFlight dials under way at most
   * @param baseMs the unit of waiting: after n failures in a row a pair waits baseMs * 2^n
   * @param maxWaitMs the longest wait
   */
  constructor(
    private readonly maxInFlight: number,
    private readonly baseMs: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Whether any dial may start now (the pool's limit is not reached). */
  get open(): boolean {
    return this.inFlight.size < this.maxInFlight;
  }

  /** Whether the pair `key` may be dialled at `now`: none under way, no wait pending. */
  mayDial(key: string, now: number): boolean {
    if (!this.open || this.inFlight.has(key)) return false;
    const wait = this.failed.get(key);
    return !wait || wait.nextAt <= now;
  }

  started(key: string): void {
    this.inFlight.add(key);
  }

  succeeded(key: string): void {
    this.inFlight.delete(key);
    this.failed.delete(key);
  }

  /**
   * A failed dial: the pair waits base * 2^failures (at most maxWaitMs) from `now`. A caller with
   * a stronger hint than a failed dial (a peer that keeps closing what it accepted) passes its
   * own base and ceiling.
   */
  failedAt(key: string, now: number, baseMs = this.baseMs, maxWaitMs = this.maxWaitMs): void {
    this.inFlight.delete(key);
    const failures = (this.failed.get(key)?.failures ?? 0) + 1;
    const wait = Math.min(maxWaitMs, baseMs * 2 ** failures);
    this.failed.set(key, { failures, nextAt: now + wait });
  }
  /** A dial that worked, its failures kept until the connection has proved itself (`forget`). */
  connected(key: string): void {
    this.inFlight.delete(key);
  }
  /** Forgets the failures of one pair. */
  forget(key: string): void {
    this.failed.delete(key);
  }

  /** When the wait after the last failure of `key` ends (ms), if there is one. */
  waitUntil(key: string): number | undefined {
    return this.failed.get(key)?.nextAt;
  }

  /** Forgets every wait (a heal, new peers): dials under way stay counted. */
  forgetFailures(): void {
    this.failed.clear();
  }
}
