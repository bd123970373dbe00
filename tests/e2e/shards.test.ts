// The monitor's shard view end to end (docs/monitor.md, "Shards"): Debian's Chromium shows a real
// lab of six nodes with K = 4 shards and r = 1; every holder of one shard is killed, and the view
// must show that shard's row in red, its loss in the event log, and a marker on the holders
// chart. Screenshots: test-artifacts/e2e/shards-lost.png, shards-holders-chart.png. Then a lab
// with shards and capped nodes started from the monitor's own start form.
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabSnapshot } from '../../src-shared/api/lab-api';
import type { MonitorHost } from '../../src-main/monitor/monitor-host';
import type { WebMonitor } from '../../src-main/monitor/web-server';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openMonitorPage, type MonitorPage } from '../helpers/monitor-page';

const skip = noBrowserReason();
const K = 4;

describe.skipIf(skip !== null)(
  `the shard view in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let m: MonitorPage;
    let page: Page;
    let web: WebMonitor;
    let host: MonitorHost;
    let errors: string[] = [];

    beforeAll(async () => {
      m = await openMonitorPage({
        name: 'shards',
        viewport: { width: 1400, height: 900 },
        colorScheme: 'light',
        consoleErrors: true,
        marker: 'Which node holds which shard',
      });
      ({ page, web, host, errors } = m);
    }, 120_000);

    afterAll(() => m?.close());

    const snapshotNow = async () =>
      (await host.handle({ target: 'lab', request: { op: 'snapshot' } })) as LabSnapshot;

    it('shows a shard whose every holder died as lost, in red', async () => {
      await page.goto(web.url);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
        .toBe('open');
      // As tests/lab/shards.test.ts: r = 1 on a complete graph of six, so each node takes one
      // shard and no survivor rebuilds a shard from a holder that has just died.
      await host.handle({
        target: 'app',
        request: {
          op: 'start-lab',
          setup: {
            nodes: 6,
            topology: 'complete',
            seed: 11,
            cycleMs: 100,
            params: { dimensions: 4, shards: K, replication: 1 },
          },
        },
      });
      let formed: LabSnapshot | null = null;
      await expect
        .poll(
          async () => {
            const s = await snapshotNow();
            const ok = s.shards && s.samples.every((x) => (x.holds?.length ?? 0) >= 1);
            if (ok) formed = s;
            return Boolean(ok);
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe(true);
      const holdersOf = (k: number) =>
        formed!.samples.filter((x) => x.holds?.includes(k)).map((x) => x.slot);
      const target = [0, 1, 2, 3].find((k) => holdersOf(k).length > 0 && holdersOf(k).length < 6)!;
      const victims = holdersOf(target);
      await expect.poll(() => page.getByTestId('shard-view').isVisible()).toBe(true);
      expect(await page.getByTestId(`shard-row-${target}`).getAttribute('data-lost')).toBe('false');

      await host.handle({ target: 'lab', request: { op: 'kill', nodes: victims } });

      const row = page.getByTestId(`shard-row-${target}`);
      await expect
        .poll(() => row.getAttribute('data-lost'), { timeout: 20_000, interval: 200 })
        .toBe('true');
      // Red: the theme's danger colour on the label, its pale ground behind the row.
      const fills = await row.evaluate((g) => {
        // The node project's types have no DOM: the little of it this reads, spelled out.
        type El = { querySelector(selector: string): El };
        const { getComputedStyle: style } = globalThis as unknown as {
          getComputedStyle(el: El): { fill: string };
        };
        const row = g as unknown as El;
        return {
          label: style(row.querySelector('.shard-label')).fill,
          ground: style(row.querySelector('.shard-row-bg')).fill,
        };
      });
      expect(fills).toEqual({ label: 'rgb(195, 22, 47)', ground: 'rgb(253, 232, 235)' });
      // No other shard is lost: each still has a live holder.
      for (let k = 0; k < K; k++)
        if (k !== target)
          expect(await page.getByTestId(`shard-row-${k}`).getAttribute('data-lost')).toBe('false');
      expect(await page.getByTestId('shard-status').textContent()).toContain(
        `lost: shard ${target}`,
      );
      const logged = page.getByTestId('lab-events').locator('li.event-shard-lost');
      await expect.poll(() => logged.count()).toBe(1);
      expect(await logged.textContent()).toContain(
        `shard ${target} lost: no node holds it any more`,
      );
      await expect.poll(() => page.getByTestId('shard-lost-marker').count()).toBe(1);

      await page.getByTestId('shard-view').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'shards-lost.png') });
      await page.getByTestId('shard-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, 'shards-holders-chart.png') });
      expect(errors).toEqual([]);
      await host.handle({ target: 'app', request: { op: 'stop-lab' } });
    }, 90_000);

    it('starts a lab with shards and capped nodes from the start form', async () => {
      // The form after the lab above stopped: d = 4, K = 2, half the nodes capped at 1 shard.
      // Seed 6 caps slots 1 and 4 of six (the lab's seeded draw, src-shared/lab/capped-slots.ts;
      // tests/lab/shard-capacity.test.ts has the same seed's first eight).
      const form = page.getByTestId('start-lab-form');
      await expect.poll(() => form.isVisible()).toBe(true);
      const typed = {
        nodes: '6',
        topology: 'complete',
        seed: '6',
        cycleMs: '100',
        dimensions: '4',
        shards: '2',
        capped: '0.5:1',
      };
      for (const [name, value] of Object.entries(typed))
        await form.locator(`input[name="${name}"]`).fill(value);
      await page.getByTestId('start-lab-button').click();
      await expect
        .poll(
          async () => {
            const s = await snapshotNow().catch(() => null);
            return s && s.status.params.shards === 2 && s.status.params.dimensions === 4
              ? s.status.capped
              : null;
          },
          { timeout: 30_000, interval: 200 },
        )
        .toEqual({ share: 0.5, shards: 1, slots: [1, 4] });
      // The shard view marks the two capped nodes under their columns.
      await expect.poll(() => page.locator('[data-testid^="shard-cap-"]').count()).toBe(2);
      expect(errors).toEqual([]);
      await host.handle({ target: 'app', request: { op: 'stop-lab' } });
    }, 60_000);
  },
);
