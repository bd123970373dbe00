import { describe, expect, it } from 'vitest';
import { launchChromium, noBrowserReason } from '../helpers/browser';
import { bundleForBrowser } from './bundle';
import type { CoreRun } from './core-entry';

/*
 * The node core runs unchanged in a browser: tests/browser/core-entry.ts (two cores, real
 * libp2p over its in-memory transport, Noise and Yamux, the inline engine, a memory store) is
 * bundled for the browser by Vite, refusing any Node built-in, and run in a Web Worker in
 * Debian's Chromium. Both cores must complete their cycles with each other as their one peer,
 * and drift towards each other: two nodes a distance apart close most of it within 20 cycles.
 */

const skip = noBrowserReason();

describe.skipIf(skip !== null)(
  `the node core in a browser worker${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('two cores over the in-memory transport complete cycles and converge, no Node built-in in the bundle', async () => {
      const bundle = await bundleForBrowser('tests/browser/core-entry.ts', 'LvsCore');

      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
        const initial = [
          [1, 1],
          [3, 2],
        ];
        // Run in the page, so typed by hand: this file is checked with Node's types, not the DOM's.
        const result = (await page.evaluate(
          ({ code, initial }) =>
            new Promise<unknown>((resolve, reject) => {
              type Reply = { data: { ok?: unknown; error?: string } };
              const g = globalThis as unknown as {
                Worker: new (url: string) => {
                  onmessage: (e: Reply) => void;
                  onerror: (e: { message: string }) => void;
                  postMessage(data: unknown): void;
                };
                Blob: new (parts: string[], o: { type: string }) => unknown;
                URL: { createObjectURL(blob: unknown): string };
              };
              const src = `${code}\nself.onmessage = (e) => LvsCore.run(20, e.data).then((r) => postMessage({ ok: r }), (err) => postMessage({ error: String((err && err.stack) || err) }));`;
              const url = g.URL.createObjectURL(new g.Blob([src], { type: 'text/javascript' }));
              const worker = new g.Worker(url);
              worker.onmessage = (e) =>
                e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.ok);
              worker.onerror = (e) => reject(new Error(e.message));
              worker.postMessage(initial);
            }),
          { code: bundle, initial },
        )) as CoreRun;

        // A worker has none of Node's globals: the core ran on the browser's own.
        expect(result.nodeGlobals).toEqual([]);
        expect(result.log.filter((l) => l.startsWith('error'))).toEqual([]);
        for (const n of result.nodes) {
          expect(n.cycle).toBeGreaterThanOrEqual(20);
          expect(n.peers).toBe(1);
          expect(n.framesIn).toBeGreaterThan(10);
          expect(n.framesOut).toBeGreaterThan(10);
        }
        // They started sqrt(4 + 1) apart; each cycle moves each by beta times the difference.
        const [a, b] = result.nodes.map((n) => n.S) as [number[], number[]];
        const apart = Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
        expect(apart).toBeLessThan(Math.hypot(2, 1) / 2);
      } finally {
        await browser.close();
      }
    }, 120_000);
  },
);
