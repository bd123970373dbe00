import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { Machine } from '../../src-shared/lab/capacity';

/*
 * What this machine has for a lab: its cores, its memory and this process's open-file limit
 * (src-shared/lab/capacity.ts turns them into the largest lab it is sized for).
 */

export function thisMachine(): Machine {
  return { cores: availableParallelism(), memoryBytes: totalmem(), openFiles: openFileLimit() };
}

/**
 * The soft open-file limit from /proc/self/limits (Linux; Node raises it to the hard limit at
 * start), or null where there is no such file or no limit.
 */
export function openFileLimit(text?: string): number | null {
  let limits = text;
  if (limits === undefined) {
    try {
      limits = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  const n = Number(soft);
  return soft !== undefined && Number.isInteger(n) && n > 0 ? n : null;
}
