import { describe, expect, it } from 'vitest';
import { noBrowserReason, storedRecord } from '../helpers/browser';
import { until } from '../helpers/desktop-pair';
import { pageSwarm } from '../helpers/page-swarm';

/*
 * A browser node's record in IndexedDB (docs/network.md): 100 states of history where a desktop
 * node keeps 1,000, since the whole record is rewritten at each write; and a write at most every
 * 5 s, where a desktop node writes every 2 s. A page at 10 cycles a second runs well past 100
 * cycles; its record then holds exactly the last 100, one a cycle, the newest that of its stored
 * state; and read every 200 ms for 11 s, it changes at most 3 times.
 */

const skip = noBrowserReason();
const KEPT = 100;

interface Stored {
  state: { cycle: number };
  history: { cycle: number }[];
  events: unknown[];
}

describe.skipIf(skip !== null)(
  `a browser node's stored history${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const swarm = pageSwarm('browser-store', 'Leave the swarm', [
      '--cycle-ms',
      '100',
      '--genesis',
      '40',
    ]);

    it(`keeps the last ${KEPT} states, one a cycle, and writes at most every 5 s`, async () => {
      const page = await (await swarm.browser.newContext()).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(swarm.joinUrl);
      // Read only once the page runs, so its store made the database (storedRecord).
      await until('the page running', 60_000, async () =>
        (await page.evaluate(
          `document.querySelector('[data-testid="node-phase"]')?.getAttribute('data-phase')`,
        )) === 'running'
          ? true
          : undefined,
      );
      const read = async () => (await storedRecord(page)) as Stored | undefined;
      // Half as many cycles again as it keeps: the first 50 have been dropped by then.
      const doc = await until(`a stored record past cycle ${1.5 * KEPT}`, 90_000, async () => {
        const d = await read();
        return d && d.state.cycle >= 1.5 * KEPT ? d : undefined;
      });
      const cycles = doc.history.map((h) => h.cycle);
      expect(cycles).toHaveLength(KEPT);
      expect(cycles.at(-1)).toBe(doc.state.cycle);
      expect(cycles[0]).toBe(doc.state.cycle - (KEPT - 1));
      expect(cycles.every((c, i) => i === 0 || c === cycles[i - 1]! + 1)).toBe(true);
      expect(doc.events.length).toBeLessThanOrEqual(KEPT);

      // Writes at least 5 s apart: in 11 s at most 3 (at 2 s apart it would be 5 or 6), so at
      // most 4 stored cycles are seen, the one there when the reads began included.
      const seen = new Set<number>();
      const t0 = Date.now();
      while (Date.now() - t0 < 11_000) {
        const d = await read();
        if (d) seen.add(d.state.cycle);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(seen.size).toBeGreaterThanOrEqual(2);
      expect(seen.size).toBeLessThanOrEqual(4);
      expect(errors).toEqual([]);
    }, 150_000);
  },
);
