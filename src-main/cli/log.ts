import { pino, type DestinationStream, type Logger } from 'pino';
import type { NodeLog } from '../node/lvs-node';

/*
 * The logger of long-running commands (`lvs node`): pino, always. With --json-logs its records
 * go to stdout as JSON lines (one object per line, ISO time, pid and hostname); without it the
 * same records are rendered as compact lines for a terminal: `12:00:03 listening on ...`, the
 * level named only when it is not info.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The NodeLog `lvs node` gives its node, with pino underneath; `flush()` before exiting. */
export interface CliLog extends NodeLog {
  readonly pino: Logger;
  flush(): void;
}

/** pino's numeric levels, as written into each record. */
const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function clock(time: unknown): string {
  const d = new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now());
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * One human line for one pino record (JSON text): time, level (unless info) and the message.
 * Messages are whole sentences; the structured fields beside them are for --json-logs.
 */
export function humanLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = LEVEL_NAMES[Number(rec.level)] ?? 'info';
  const parts = [clock(rec.time)];
  if (level !== 'info') parts.push(`${level}:`);
  parts.push(String(rec.msg ?? ''));
  return parts.join(' ');
}

/** A pino destination that renders each record as a human line. */
function humanDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(`${humanLine(line)}\n`);
    },
  };
}

export function createLog(opts: {
  readonly level: LogLevel;
  readonly json: boolean;
  /** Where lines go (stdout by default). */
  readonly out?: NodeJS.WritableStream;
}): CliLog {
  const out = opts.out ?? process.stdout;
  const dest: DestinationStream = opts.json
    ? opts.out
      ? { write: (s: string) => void out.write(s) }
      : pino.destination({ dest: 1, sync: true })
    : humanDestination(out);
  const logger = pino(
    {
      level: opts.level,
      timestamp: opts.json ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
      ...(opts.json ? {} : { base: null }),
    },
    dest,
  );
  const at =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (msg: string, fields?: Record<string, unknown>) =>
      fields ? logger[level](fields, msg) : logger[level](msg);
  return {
    pino: logger,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    flush: () => {
      if ('flushSync' in dest && typeof dest.flushSync === 'function') dest.flushSync();
    },
  };
}
