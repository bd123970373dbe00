import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { launchChromium, noBrowserReason } from '../helpers/browser';
import { bundleForBrowser } from './bundle';

/*
 * One node per browser, even without Web Locks: a phone opening the join page over plain HTTP
 * is not in a secure context, so its tabs settle who holds a node over a BroadcastChannel
 * (src-renderer/browser-node/tab-lock.ts). The pages are served by Playwright's router on a
 * made-up http origin (an insecure context); nothing leaves the browser.
 */

const skip = noBrowserReason();
const ORIGIN = 'http://lvs-lock.test';

describe.skipIf(skip !== null)(
  `a node in tabs without Web Locks${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('is opened by one tab at a time, also when two ask at once, and is free once released', async () => {
      const bundle = await bundleForBrowser('tests/browser/tab-lock-entry.ts', 'LvsLock');
      const browser = await launchChromium();
      try {
        const context = await browser.newContext();
        await context.route(`${ORIGIN}/**`, (route) =>
          route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>lock</title>' }),
        );
        const tab = async (): Promise<Page> => {
          const page = await context.newPage();
          await page.goto(`${ORIGIN}/`);
          await page.addScriptTag({ content: bundle });
          return page;
        };
        const call = (page: Page, what: string) => page.evaluate(`LvsLock.${what}`);
        const [a, b, c] = [await tab(), await tab(), await tab()];
        // The condition under test: this origin has no Web Locks.
        expect(await call(a, 'hasWebLocks()')).toBe(false);

        expect(await call(a, "open('n1')")).toBe('opened');
        expect(await call(b, "open('n1')")).toBe('in use');
        // Another node is another lock.
        expect(await call(b, "open('n2')")).toBe('opened');
        await call(a, 'close()');
        expect(await call(c, "open('n1')")).toBe('opened');
        // A tab that closes without releasing (a crash, a closed tab) frees its node with it.
        await c.close();
        expect(await call(a, "open('n1')")).toBe('opened');
        await call(a, 'close()');

        // Two tabs asking at the same moment: exactly one gets it, ten times over.
        for (let i = 0; i < 10; i++) {
          const name = `race-${i}`;
          const got = await Promise.all([a, b].map((p) => call(p, `open('${name}')`)));
          expect(got.sort()).toEqual(['in use', 'opened']);
          await Promise.all([a, b].map((p) => call(p, 'close()')));
        }
      } finally {
        await browser.close();
      }
    }, 60_000);
  },
);
