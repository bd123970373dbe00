// Debian's Chromium driven by Playwright, with the flags and path the lab uses
// (src-main/runtime/chromium.ts).
import type { Browser, Page } from 'playwright';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM, noChromiumReason } from '../../src-main/runtime/chromium';

export const CHROMIUM = DEFAULT_CHROMIUM;
export { CHROMIUM_ARGS };

/** Why browser tests cannot run here, or null when they can. */
export function noBrowserReason(): string | null {
  return noChromiumReason(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}

/**
 * The `main` record of a page's node store (IndexedDB database lvs-node-default), parsed; undefined
 * while there is none. Read only once the page runs (its store made the database); the read closes
 * its own connection, which would otherwise hold up any later version change of the page's.
 */
export async function storedRecord(page: Page): Promise<unknown> {
  const text = (await page.evaluate(`new Promise((resolve) => {
    const rq = indexedDB.open('lvs-node-default');
    rq.onerror = () => resolve(null);
    rq.onsuccess = () => {
      const db = rq.result;
      try {
        const get = db.transaction('records').objectStore('records').get('main');
        get.onerror = () => (db.close(), resolve(null));
        get.onsuccess = () => (db.close(), resolve(typeof get.result === 'string' ? get.result : null));
      } catch {
        db.close();
        resolve(null);
      }
    };
  })`)) as string | null;
  return text === null ? undefined : (JSON.parse(text) as unknown);
}
