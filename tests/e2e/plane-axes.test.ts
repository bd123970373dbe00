// The drift plane's axis labels in a real browser: Debian's Chromium (driven by Playwright, which
// never downloads a browser here) runs the monitor's own drawPlane on a canvas, and every text it
// draws is measured there, with Chromium's fonts, as the box its glyphs cover. No two boxes may
// overlap and none may leave the canvas. Screenshots go to test-artifacts/plane-axes/.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, noBrowserReason } from '../helpers/browser';

const ROOT = resolve(import.meta.dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/plane-axes');
const skip = noBrowserReason();

/** A text as drawn: its string and the box (CSS px) its glyphs cover. */
interface DrawnText {
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

interface Case {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Centre of the cloud and its half-width per axis (VU). */
  readonly centre: readonly [number, number];
  readonly half: readonly [number, number];
}

const CASES: readonly Case[] = [
  // The user's report: a converged swarm at 89.74994 whose labels ran together.
  {
    name: 'converged-89.75',
    width: 420,
    height: 300,
    centre: [89.74994, 89.74994],
    half: [1e-5, 1e-5],
  },
  // Narrow panel, long labels: five significant digits before the point, a spread of 1e-3.
  {
    name: 'narrow-12345',
    width: 240,
    height: 180,
    centre: [12345.678, 54321.5],
    half: [1e-3, 2e-3],
  },
  // A young swarm over a wide range.
  { name: 'wide', width: 320, height: 220, centre: [500, 5e5], half: [499, 4.9e5] },
];

/** The page's script: drawPlane from the sources, and a canvas whose texts are measured. */
async function bundle(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `
        import { drawPlane } from './src-renderer/draw/plane';
        import { LIGHT } from './src-renderer/draw/palette';
        window.drawPlaneWithTexts = (scene) => {
          const dpr = window.devicePixelRatio || 1;
          const canvas = document.getElementById('plane');
          canvas.width = Math.round(scene.width * dpr);
          canvas.height = Math.round(scene.height * dpr);
          canvas.style.width = scene.width + 'px';
          canvas.style.height = scene.height + 'px';
          const ctx = canvas.getContext('2d');
          const texts = [];
          const fillText = ctx.fillText.bind(ctx);
          ctx.fillText = (text, x, y) => {
            const m = ctx.measureText(text);
            const t = ctx.getTransform();
            const corners = [
              [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
              [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
              [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
              [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
            ].map(([a, b]) => t.transformPoint({ x: a, y: b }));
            const xs = corners.map((p) => p.x / dpr);
            const ys = corners.map((p) => p.y / dpr);
            texts.push({
              text,
              left: Math.min(...xs),
              right: Math.max(...xs),
              top: Math.min(...ys),
              bottom: Math.max(...ys),
            });
            fillText(text, x, y);
          };
          drawPlane(ctx, { ...scene, dpr, selected: new Set(), palette: LIGHT });
          return texts;
        };
      `,
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** n nodes spread over the case's box by a fixed linear congruential sequence (seed 7). */
function scene(c: Case, n = 24) {
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const S: number[] = [];
  const D: number[] = [];
  for (let i = 0; i < n; i++) {
    S.push(c.centre[0] + (2 * next() - 1) * c.half[0], c.centre[1] + (2 * next() - 1) * c.half[1]);
    D.push((next() - 0.5) * c.half[0] * 0.1, (next() - 0.5) * c.half[1] * 0.1);
  }
  return {
    width: c.width,
    height: c.height,
    n,
    d: 2,
    cx: 0,
    cy: 1,
    S,
    D,
    trails: [],
    fill: new Array<number>(n).fill(0),
    fills: ['#1f77b4'],
    dead: new Array<number>(n).fill(0),
    liar: new Array<number>(n).fill(0),
    browser: new Array<number>(n).fill(0),
    mean: [c.centre[0], c.centre[1]],
  };
}

const overlap = (a: DrawnText, b: DrawnText) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe.skipIf(skip !== null)(
  `the drift plane's axis labels in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      const script = await bundle();
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 600, height: 400 } });
      await page.setContent(
        '<body style="margin:0;background:#fff"><canvas id="plane"></canvas></body>',
      );
      await page.addScriptTag({ content: script });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    for (const c of CASES)
      it(`${c.name}: no two labels overlap and none leaves the canvas`, async () => {
        const texts = await page.evaluate(
          (s) =>
            (
              globalThis as unknown as { drawPlaneWithTexts: (s: unknown) => DrawnText[] }
            ).drawPlaneWithTexts(s),
          scene(c),
        );
        await page.locator('#plane').screenshot({ path: join(ARTIFACTS, `${c.name}.png`) });

        const labels = texts.map((t) => t.text);
        // The two axis titles, the legend and at least two tick labels per axis.
        expect(labels).toEqual(expect.arrayContaining(['S[0] (VU)', 'S[1] (VU)']));
        const ticks = texts.filter((t) => /^[-−\d.,e+]+$/.test(t.text));
        expect(ticks.length).toBeGreaterThanOrEqual(4);
        // A tick label repeated would say nothing about where its tick is.
        const xLabels = ticks.filter((t) => t.top > c.height - 40).map((t) => t.text);
        expect(new Set(xLabels).size).toBe(xLabels.length);

        for (const t of texts) {
          expect(t.left, t.text).toBeGreaterThanOrEqual(0);
          expect(t.top, t.text).toBeGreaterThanOrEqual(0);
          expect(t.right, t.text).toBeLessThanOrEqual(c.width);
          expect(t.bottom, t.text).toBeLessThanOrEqual(c.height);
        }
        for (let i = 0; i < texts.length; i++)
          for (let j = i + 1; j < texts.length; j++)
            expect(
              overlap(texts[i]!, texts[j]!),
              `"${texts[i]!.text}" and "${texts[j]!.text}" overlap`,
            ).toBe(false);
      });
  },
);
