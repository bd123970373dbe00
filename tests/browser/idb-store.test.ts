import { describe, expect, it } from 'vitest';
import { launchChromium, noBrowserReason } from '../helpers/browser';
import { bundleForBrowser } from './bundle';
import { CORRUPT_AT, type IdbRun } from './idb-run';

/*
 * The browser node's store (src-renderer/browser-node/idb-store.ts) in a real IndexedDB:
 * tests/browser/idb-entry.ts is bundled for the browser by Vite, refusing any Node built-in, and
 * run in a page of Debian's Chromium. IndexedDB needs an origin (about:blank has none), so the
 * page is served by Playwright's router on a made-up https origin; nothing leaves the browser.
 * The scenarios are those of the desktop store's tests: fresh, reopened, a damaged main record,
 * a newer one, the bounds; then a node core that stops and a second one that resumes.
 */

const skip = noBrowserReason();
const ORIGIN = 'https://lvs-idb.test';

describe.skipIf(skip !== null)(
  `the IndexedDB store in a browser page${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('recovers, refuses and bounds as the desktop store does, and a node core resumes from it', async () => {
      const bundle = await bundleForBrowser('tests/browser/idb-entry.ts', 'LvsIdb');

      const browser = await launchChromium();
      let r: IdbRun;
      try {
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
        await page.route(`${ORIGIN}/**`, (route) =>
          route.fulfill({
            contentType: 'text/html',
            body: '<!doctype html><title>LVS IndexedDB store</title>',
          }),
        );
        await page.goto(`${ORIGIN}/`);
        await page.addScriptTag({ content: bundle });
        // Run in the page, so typed by hand: this file is checked with Node's types, not the DOM's.
        r = (await page.evaluate(() =>
          (globalThis as unknown as { LvsIdb: { run(): Promise<unknown> } }).LvsIdb.run(),
        )) as IdbRun;
      } finally {
        await browser.close();
      }

      expect(r.nodeGlobals).toEqual([]);
      const db = 'lvs-node-a';
      expect(r.database).toBe(db);

      // Fresh: nothing to say, the fresh document written at once.
      expect(r.fresh).toEqual({ recovered: 'fresh', notice: null, cycle: 0, S: [1, 2], writes: 1 });
      // close() wrote the pending change; the fresh document became the backup.
      expect(r.afterClose.main).toMatchObject({ format: 1, state: { cycle: 7, S: [3, 4] } });
      expect(r.afterClose.backup).toMatchObject({ format: 1, state: { cycle: 0, S: [1, 2] } });
      // Reopened from main as it was closed, with nothing to write.
      expect(r.reopened).toEqual({
        recovered: 'main',
        notice: null,
        cycle: 7,
        S: [3, 4],
        writes: 0,
      });

      // main damaged after the cycle-8 write: back to the backup (cycle 7), the garbage kept.
      const corruptKey = `corrupt-${CORRUPT_AT.toISOString()}`;
      expect(r.fromBackup.recovered).toBe('backup');
      expect(r.fromBackup.cycle).toBe(7);
      expect(r.fromBackup.S).toEqual([3, 4]);
      expect(r.fromBackup.writes).toBe(1);
      expect(r.fromBackup.notice).toMatch(
        new RegExp(
          `^record "main" of IndexedDB database ${db} did not parse \\(.+\\); kept it as ${corruptKey}; started from the backup saved at \\S+$`,
        ),
      );
      expect(r.afterBackup.map((d) => d.key)).toEqual(['backup', corruptKey, 'main']);
      expect(r.afterBackup.find((d) => d.key === corruptKey)?.value).toBe('not json {');
      const main = JSON.parse(r.afterBackup.find((d) => d.key === 'main')!.value as string);
      expect(main.state.cycle).toBe(7);

      // main from format 2: refused with the shared class, every record as it was.
      expect(r.refused).toEqual({
        name: 'StoreNewerFormatError',
        isNewerFormatError: true,
        isStoreError: true,
        file: `IndexedDB ${db}/main`,
        format: 2,
        message: `IndexedDB ${db}/main was written by a newer LVS Node (format 2, version 9.0.0; this version reads format 1): refusing to start so as not to lose it; update LVS Node or use another node name`,
      });
      expect(r.afterRefusal).toEqual(r.beforeRefusal);
      // main of 17 MiB: not read (it is over the 16 MiB any store may be), set aside; the backup
      // (the fresh document the first write kept) is where the node starts.
      expect(r.oversized.recovered).toBe('backup');
      expect(r.oversized.notice).toMatch(
        /^record "main" of IndexedDB database lvs-node-d is 17\.0 MB, larger than any store LVS Node writes \(at most 16\.0 MB\), so it was not read; kept it as corrupt-/,
      );
      // Two pages on one node: the second is refused while the first holds it, in one line.
      expect(r.secondOpen).toEqual({
        name: 'NodeInUseError',
        isStoreError: true,
        database: 'lvs-node-b',
        message:
          'node b is open in another tab or window of this browser (IndexedDB lvs-node-b); close it there first',
        afterClose: 'main',
      });
      expect(r.beforeRefusal.map((d) => d.key)).toEqual(['backup', corruptKey, 'main']);
      // The site's data cleared under a running node: the deletion is not held back, and the
      // node says in one line that it no longer saves.
      expect(r.cleared.outcome).toBe('deleted');
      expect(r.cleared.said[0]).toMatch(
        /^IndexedDB lvs-node-e is being deleted or upgraded elsewhere \(site data cleared\?\): this node no longer saves; reload the page to start again$/,
      );

      // Coalesced: the fresh write only, until close() wrote the five changes as one.
      expect(r.coalesced).toEqual({
        writesAfterOpen: 1,
        writesAfterUpdates: 1,
        writesAfterClose: 2,
        savedCounter: 5,
      });

      // 12 states pushed with history bounded to 5: the newest five, in memory and stored.
      const newest = [8, 9, 10, 11, 12];
      expect(r.history).toEqual({ inMemory: newest, stored: newest, reopened: newest });

      // A core ran 10 cycles and stopped; the second resumed at the stored cycle and state.
      const c = r.core;
      expect(c.errors).toEqual([]);
      expect(c.firstStopped).toBeGreaterThanOrEqual(10);
      expect(c.recovered).toBe('main');
      expect(c.storedCycle).toBe(c.firstStopped);
      expect(c.secondStart).toBe(c.storedCycle);
      expect(c.secondStartS).toEqual(c.storedS);
      expect(c.secondStopped).toBeGreaterThanOrEqual(c.storedCycle + 5);
      expect(c.finalStored).toBe(c.secondStopped);
    }, 120_000);
  },
);
