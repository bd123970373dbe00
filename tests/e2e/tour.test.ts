// The guided tour end to end: Debian's Chromium (driven by Playwright) opens the web monitor and
// runs the tour to its end on real labs. The host is given shortened copies of the shipped
// scenarios (10 nodes, every time scaled by 0.3) through its scenario source, so the tour takes
// about a minute here; the shipped tour runs the files as they are. Screenshots go to
// test-artifacts/e2e/tour-*.png.
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioInfo } from '../../src-shared/api/monitor-api';
import { applyOverrides, type Scenario } from '../../src-shared/lab/scenario';
import { resolveTour, TOUR } from '../../src-shared/lab/tour';
import { listScenarios, loadScenario } from '../../src-main/lab/scenario-file';
import type { ScenarioSource } from '../../src-main/monitor/monitor-host';
import type { WebMonitor } from '../../src-main/monitor/web-server';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openMonitorPage, type MonitorPage } from '../helpers/monitor-page';

const skip = noBrowserReason();

const SCALE = 0.3;
const NODES = 10;

/** A shipped scenario on a small lab and a shorter clock: the same commands, in the same order. */
function shortened(s: Scenario): Scenario {
  const scaled = {
    ...s,
    timeline: s.timeline.map((e) => ({ ...e, at: e.at * SCALE })),
    durationS: s.durationS * SCALE,
  };
  return applyOverrides(scaled, { nodes: NODES, topology: 'random:4' });
}

const SHORT: ScenarioSource = {
  list: listScenarios,
  load: async (name) => shortened(await loadScenario(name)),
};

describe.skipIf(skip !== null)(
  `the guided tour in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let m: MonitorPage;
    let page: Page;
    let web: WebMonitor;
    let errors: string[] = [];

    beforeAll(async () => {
      m = await openMonitorPage({
        name: 'tour',
        viewport: { width: 1400, height: 900 },
        consoleErrors: true,
        scenarios: SHORT,
        marker: 'tour-caption',
      });
      ({ page, web, errors } = m);
    }, 120_000);

    afterAll(() => m?.close());

    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `tour-${name}.png`) });

    it('runs every step with its captions in order, waits for Continue between steps, and ends', async () => {
      // What the page should say, from the same data, placed on the scenarios the host runs.
      const infos = await Promise.all(
        (await SHORT.list()).map(async (name) => scenarioInfo(name, await SHORT.load(name))),
      );
      const resolved = resolveTour(TOUR, infos);
      if (!resolved.ok) throw new Error(resolved.problems.join('\n'));
      const steps = resolved.value;
      const expected = [
        TOUR.intro,
        ...steps.flatMap((s) => s.captions.map((c) => c.text)),
        TOUR.finale,
      ];

      await page.goto(web.url);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
        .toBe('open');

      // A lab of the user's own is running: the tour must ask before replacing it.
      const form = page.getByTestId('start-lab-form');
      await form.locator('input[name="nodes"]').fill('4');
      await form.locator('input[name="topology"]').fill('ring:2');
      await page.getByTestId('start-lab-button').click();
      await expect
        .poll(() => page.getByTestId('lab-line').textContent(), { timeout: 60_000 })
        .toMatch(/^lab: 4\/4 up/);

      // Every caption the page shows, in the order it shows them (a poll could miss a short one).
      await page.evaluate(() => {
        // The node project's types have no DOM: the little of it this uses, spelled out.
        type Text = { textContent: string | null };
        const page = globalThis as unknown as {
          captions: string[];
          document: { body: unknown; querySelector(selector: string): Text | null };
          MutationObserver: new (cb: () => void) => { observe(node: unknown, o: object): void };
        };
        const seen: string[] = [];
        page.captions = seen;
        const note = () => {
          const text = page.document.querySelector('[data-testid="tour-caption"]')?.textContent;
          if (text && text !== seen.at(-1)) seen.push(text);
        };
        new page.MutationObserver(note).observe(page.document.body, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      const captions = () =>
        page.evaluate(() => (globalThis as unknown as { captions: string[] }).captions.slice());
      const caption = page.getByTestId('tour-caption');
      const proceed = page.getByTestId('tour-continue');

      await page.getByTestId('tour-open').click();
      await expect.poll(() => caption.textContent()).toBe(TOUR.intro);
      expect(await proceed.textContent()).toBe(`Continue: ${steps[0]!.title}`);
      await shot('0-intro');

      // Continue would replace the user's lab: asked first, and nothing starts until yes.
      await proceed.click();
      await expect.poll(() => page.getByTestId('replace-lab-confirm').count()).toBe(1);
      expect(await page.getByTestId('tour-waiting').count()).toBe(0);
      await page.getByTestId('replace-lab-yes').click();

      for (const [i, step] of steps.entries()) {
        const heading = page.getByTestId('tour-heading');
        await expect
          .poll(() => heading.textContent(), { timeout: 60_000 })
          .toBe(
            `Step ${i + 1} of ${steps.length} · ${step.title} · scenario ${step.scenario.name}`,
          );
        // No Continue until the step's end.
        await expect
          .poll(() => caption.textContent(), { timeout: 60_000 })
          .toBe(step.captions[0]!.text);
        expect(await proceed.count()).toBe(0);
        await shot(`${i + 1}-${step.scenario.name}-start`);
        // The step's end: its last caption, and Continue for the presenter.
        await expect
          .poll(() => proceed.count(), { timeout: (step.scenario.durationS + 30) * 1000 })
          .toBe(1);
        expect(await caption.textContent()).toBe(step.captions.at(-1)!.text);
        await shot(`${i + 1}-${step.scenario.name}-end`);
        // The presenter takes a moment: the step stays where it is until Continue.
        await page.waitForTimeout(1000);
        expect(await caption.textContent()).toBe(step.captions.at(-1)!.text);
        await proceed.click();
      }

      await expect.poll(() => caption.textContent()).toBe(TOUR.finale);
      expect(TOUR.finale).toMatch(/^The tour is over/);
      expect(await page.getByTestId('tour-heading').textContent()).toBe('Guided tour · the end');
      expect(await proceed.count()).toBe(0);
      await shot('5-over');

      expect(await captions()).toEqual(expected);

      // Leaving closes the panel and leaves the last lab running: the liars' lab (10 honest
      // nodes and 3 Sybils), switched to trimmed.
      await page.getByTestId('tour-leave').click();
      expect(await page.getByTestId('tour').count()).toBe(0);
      expect(await page.getByTestId('lab-line').textContent()).toMatch(
        /^lab: 13\/13 up · random:4 · seed 3 · .* · trimmed/,
      );
      expect(errors).toEqual([]);
    }, 300_000);
  },
);
