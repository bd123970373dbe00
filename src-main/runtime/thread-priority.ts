import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's scheduling priority, so that when the lab's worker threads keep
 * every core busy the thread of the controller (and of the monitor beside it) still gets one at
 * once. Linux only, where a thread has its own nice value and /proc/thread-self names it; other
 * platforms share one value per process, which this must not lower, so they are left as they are.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false; // a container without /proc, or not permitted: run at normal priority
  }
}
