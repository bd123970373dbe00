import type { NodeLog } from '../../src-shared/node/node-core';

/** One line the page shows, newest last. */
export interface LogLine {
  readonly at: number;
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

/** Lines kept for the page at most: a node running for days must not grow without bound. */
export const PAGE_LOG_LINES = 200;

/**
 * The browser node's log: the console (debug included, for whoever opens the developer tools)
 * and a bounded ring of info, warn and error lines for the page.
 */
export class PageLog implements NodeLog {
  private readonly ring: LogLine[] = [];

  info(msg: string): void {
    this.keep('info', msg);
    console.info(msg);
  }

  warn(msg: string): void {
    this.keep('warn', msg);
    console.warn(msg);
  }

  error(msg: string): void {
    this.keep('error', msg);
    console.error(msg);
  }

  debug(msg: string): void {
    console.debug(msg);
  }

  lines(): readonly LogLine[] {
    return this.ring;
  }

  private keep(level: LogLine['level'], text: string): void {
    this.ring.push({ at: Date.now(), level, text });
    if (this.ring.length > PAGE_LOG_LINES) this.ring.splice(0, this.ring.length - PAGE_LOG_LINES);
  }
}
