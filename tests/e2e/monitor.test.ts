// The monitor end to end: Debian's Chromium (driven by Playwright) opens the web monitor, which
// drives a real 20-node lab (real libp2p nodes over TCP on 127.0.0.1, in worker threads) through
// the real WebSocket API. Screenshots go to test-artifacts/e2e/.
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebMonitor } from '../../src-main/monitor/web-server';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openMonitorPage, type MonitorPage } from '../helpers/monitor-page';

const skip = noBrowserReason();

describe.skipIf(skip !== null)(
  `the web monitor in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let m: MonitorPage;
    let page: Page;
    let web: WebMonitor;
    let errors: string[] = [];

    beforeAll(async () => {
      m = await openMonitorPage({
        name: 'monitor',
        viewport: { width: 1400, height: 900 },
        consoleErrors: true,
      });
      ({ page, web, errors } = m);
    }, 120_000);

    afterAll(() => m?.close());

    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    const spread = async () => Number(await page.getByTestId('spread-value').textContent());
    const groups = async () => Number(await page.getByTestId('map-groups').textContent());

    it('starts a lab, shows a partition as two groups with the spread rising, and marks the reconvergence after the heal', async () => {
      await page.goto(web.url);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
        .toBe('open');
      // The token left the address bar once the page had it.
      expect(page.url()).not.toContain('token=');

      const form = page.getByTestId('start-lab-form');
      await form.locator('input[name="nodes"]').fill('20');
      await form.locator('input[name="topology"]').fill('random:6');
      await form.locator('input[name="seed"]').fill('3');
      await form.locator('input[name="cycleMs"]').fill('100');
      await page.getByTestId('start-lab-button').click();

      // One swarm on the map, settled at its noise floor (about 0.1 VU at the defaults).
      await expect.poll(groups, { timeout: 60_000 }).toBe(1);
      await expect.poll(spread, { timeout: 60_000, interval: 250 }).toBeLessThan(0.15);
      await shot('1-converged');
      const before: number[] = [];
      for (let i = 0; i < 10; i++) {
        before.push(await spread());
        await page.waitForTimeout(200);
      }
      const settled = before.sort((a, b) => a - b)[5]!;

      await page.getByTestId('preset-partition-halves').click();
      await expect.poll(groups, { timeout: 15_000 }).toBe(2);
      // Each half's mean wanders on its own (docs/model.md, "What the theory says"), so the
      // spread of the whole rises: the gap is a random walk whose variance grows by about 1% of the floor's per cycle, so it
      // passes 1.4 times the settled spread within 90 s except with odds under 1 in 1000.
      await expect.poll(spread, { timeout: 90_000, interval: 250 }).toBeGreaterThan(1.4 * settled);
      await shot('2-partitioned');

      await page.getByTestId('heal').click();
      await expect.poll(groups, { timeout: 15_000 }).toBe(1);
      // The chart first says the heal is not reconverged yet, then writes the measured time.
      const label = page.getByTestId('reconvergence').first();
      await expect
        .poll(async () => ((await label.count()) > 0 ? await label.textContent() : ''), {
          timeout: 60_000,
          interval: 250,
        })
        .toMatch(/^reconverged [\d.]+ s \(\d+ cycles?\) after the heal at [\d.]+ s$/);
      // With the epsilon it is measured against drawn on the chart.
      expect(await page.getByTestId('epsilon-line').first().textContent()).toBe('ε 0.5');
      await shot('3-healed');
      expect(errors).toEqual([]);
    }, 180_000);
  },
);
