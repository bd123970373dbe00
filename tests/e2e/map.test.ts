// The swarm map tells the truth at a glance, end to end: Debian's Chromium (driven by
// Playwright) shows a real 20-node lab. What is checked is what the map's canvas holds, pixel by
// pixel, against what each scenario means; screenshots go to test-artifacts/e2e/.
import { join } from 'node:path';
import { color } from 'd3';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorHost } from '../../src-main/monitor/monitor-host';
import type { WebMonitor } from '../../src-main/monitor/web-server';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openMonitorPage, type MonitorPage } from '../helpers/monitor-page';

const skip = noBrowserReason();

const NODES = 20;
const EPSILON = 0.5;

/** Where the canvas holds exactly one colour: how many pixels, their centre and RMS radius. */
interface Blot {
  readonly count: number;
  readonly cx: number;
  readonly cy: number;
  readonly rms: number;
}

const rgb = (css: string): [number, number, number] => {
  const c = color(css)!.rgb();
  return [Math.round(c.r), Math.round(c.g), Math.round(c.b)];
};

/** The map canvas's pixels of each colour (exact matches, fully opaque). */
async function blots(page: Page, colors: readonly string[]): Promise<Blot[]> {
  return page.evaluate((targets) => {
    // The node project's types have no DOM: the little of a canvas this reads, spelled out.
    type Canvas = {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const { document } = globalThis as unknown as {
      document: { querySelector(selector: string): unknown };
    };
    const canvas = document.querySelector('[data-testid="swarm-map"]') as Canvas;
    const { width } = canvas;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const sums = targets.map(() => ({ n: 0, x: 0, y: 0, xx: 0, yy: 0 }));
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] !== 255) continue;
      const k = targets.findIndex(
        ([r, g, b]) => data[p] === r && data[p + 1] === g && data[p + 2] === b,
      );
      if (k < 0) continue;
      const x = (p / 4) % width;
      const y = Math.floor(p / 4 / width);
      const s = sums[k];
      s.n++;
      s.x += x;
      s.y += y;
      s.xx += x * x;
      s.yy += y * y;
    }
    return sums.map((s) => {
      if (s.n === 0) return { count: 0, cx: NaN, cy: NaN, rms: NaN };
      const cx = s.x / s.n;
      const cy = s.y / s.n;
      return {
        count: s.n,
        cx,
        cy,
        rms: Math.sqrt(Math.max(0, s.xx / s.n - cx * cx + s.yy / s.n - cy * cy)),
      };
    });
  }, colors.map(rgb));
}

/** The colours the legend shows (inline styles: what the canvas is drawn with), in order. */
async function legendColors(page: Page, selector: string): Promise<string[]> {
  const styles = await page.locator(`[data-testid="map-legend"] ${selector}`).all();
  const out: string[] = [];
  for (const s of styles) {
    const style = (await s.getAttribute('style')) ?? '';
    out.push(/(?:background|border-color):\s*([^;]+)/.exec(style)?.[1] ?? '');
  }
  return out;
}

/** How far apart two blots are, in units of their summed RMS radii (> 1: they do not overlap). */
const apart = (a: Blot, b: Blot) => Math.hypot(a.cx - b.cx, a.cy - b.cy) / (a.rms + b.rms);

describe.skipIf(skip !== null)(
  `the swarm map in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let m: MonitorPage;
    let page: Page;
    let web: WebMonitor;
    let host: MonitorHost;
    let errors: string[] = [];

    beforeAll(async () => {
      m = await openMonitorPage({
        name: 'map',
        viewport: { width: 1400, height: 900 },
        colorScheme: 'light',
        consoleErrors: true,
      });
      ({ page, web, host, errors } = m);
    }, 120_000);

    afterAll(() => m?.close());

    const shot = async (name: string) => {
      await page.getByTestId('map-status').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    };
    const spread = async () => Number(await page.getByTestId('spread-value').textContent());
    const groups = async () => Number(await page.getByTestId('map-groups').textContent());

    it('draws a converged lab near, partitions as groups apart, and marks the bridge', async () => {
      await page.goto(web.url);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
        .toBe('open');
      // No entropy force (alpha 0): honest drift alone pulls the swarm into agreement, far under
      // epsilon, as in the reported case (spread 7e-8 VU, drawn dark red).
      await host.handle({
        target: 'app',
        request: {
          op: 'start-lab',
          setup: {
            nodes: NODES,
            topology: 'random:6',
            seed: 3,
            cycleMs: 100,
            params: { alpha: 0 },
            epsilon: EPSILON,
          },
        },
      });

      // The spread is the RMS distance, so no node is farther than spread × √20; under
      // epsilon / √20 every node is closer than epsilon and must be drawn in the near colour.
      await expect.poll(groups, { timeout: 60_000 }).toBe(1);
      await expect
        .poll(spread, { timeout: 60_000, interval: 250 })
        .toBeLessThan(EPSILON / Math.sqrt(NODES));
      expect(await page.getByTestId('distance-scale').textContent()).toContain('near < 0.5 (ε)');
      // The legend's colours, nearest first: only the first may be on the map.
      const scale = await legendColors(page, '[data-testid="distance-scale"] .swatch');
      expect(scale).toHaveLength(9);
      await expect
        .poll(async () => (await blots(page, scale)).map((b) => b.count > 0), {
          timeout: 10_000,
        })
        .toEqual(scale.map((_, k) => k === 0));
      await shot('map-1-converged');

      // Halves: slots 0..9 against 10..19. Two groups, each in its own colour, drawn apart.
      await page.getByTestId('preset-partition-halves').click();
      await expect.poll(groups, { timeout: 15_000 }).toBe(2);
      expect(await page.getByTestId('map-status').textContent()).toMatch(/^2 groups/);
      const legend = async () => legendColors(page, '.legend-item > .swatch');
      await expect.poll(async () => (await legend()).length).toBeGreaterThanOrEqual(2);
      const [one, two] = await legend();
      // Group colours are two distinct colours, and no distance colour stays on the map.
      expect(one).not.toBe(two);
      await expect
        .poll(
          async () => {
            const [a, b, near] = await blots(page, [one, two, scale[0]]);
            return a.count > 0 && b.count > 0 && near.count === 0 && apart(a, b) > 1.5;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
      expect(await page.getByTestId('map-bridges').count()).toBe(0);
      await shot('map-2-halves');

      await page.getByTestId('heal').click();
      await expect.poll(groups, { timeout: 15_000 }).toBe(1);

      // Bridge: the same halves, but slot 10 (the second half's first) keeps every link: its
      // links alone would make one group; the partition has two, and slot 10 is in both.
      await page.getByTestId('preset-bridge').click();
      await expect.poll(groups, { timeout: 15_000 }).toBe(2);
      await expect
        .poll(() => page.getByTestId('map-bridges').textContent(), { timeout: 5_000 })
        .toBe('10');
      await expect
        .poll(
          async () => {
            const [ring] = await legendColors(page, '.swatch-ring-bridge');
            const [a, b, r] = await blots(page, [one, two, ring ?? '']);
            return a.count > 0 && b.count > 0 && r.count > 0 && apart(a, b) > 1;
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(true);
      await shot('map-3-bridge');

      // Zoom and pan: the wheel zooms out about the pointer to half size (d3-zoom's wheel step:
      // 2^(-500 × 0.002)), so the gap between the groups' centres halves; a drag of 120 px
      // moves both by 120 px; Fit brings back the whole swarm as before.
      const box = (await page.getByTestId('swarm-map').boundingBox())!;
      const pair = async () => blots(page, [one, two]);
      const gap = (bs: Blot[]) => Math.hypot(bs[0].cx - bs[1].cx, bs[0].cy - bs[1].cy);
      const before = await pair();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, 500);
      await expect
        .poll(async () => gap(await pair()) / gap(before), { timeout: 10_000 })
        .toBeLessThan(0.6);
      const zoomed = await pair();
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      await expect
        .poll(async () => (await pair())[0].cx - zoomed[0].cx, { timeout: 10_000 })
        .toBeGreaterThan(100);
      await shot('map-4-zoomed-out-and-panned');
      await page.getByTestId('map-fit').click();
      await expect
        .poll(async () => gap(await pair()) / gap(before), { timeout: 10_000 })
        .toBeGreaterThan(0.9);

      // Slow motion: every live node sends each cycle, so frames must be seen on the links.
      await page.getByTestId('map-slow-motion').check();
      await expect
        .poll(
          async () => Number(await page.getByTestId('swarm-map').getAttribute('data-flights')) || 0,
          { timeout: 10_000, interval: 100 },
        )
        .toBeGreaterThan(0);
      await shot('map-5-slow-motion');
      expect(errors).toEqual([]);
    }, 240_000);
  },
);
