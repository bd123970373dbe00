import { builtinModules } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/lvs-process';
import { launchChromium, noBrowserReason } from '../helpers/browser';
import type { CoreRun } from './core-entry';

/*
 * The node core runs unchanged in a browser: tests/browser/core-entry.ts (two cores, real
 * libp2p over its in-memory transport, Noise and Yamux, the inline engine, a memory store) is
 * bundled for the browser by Vite, refusing any Node built-in, and run in a Web Worker in
 * Debian's Chromium. Both cores must complete their cycles with each other as their one peer,
 * and drift towards each other: two nodes a distance apart close most of it within 20 cycles.
 */

const skip = noBrowserReason();

/** Fails the build on any import of a Node built-in, whoever imports it. */
function noNodeBuiltins(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'no-node-builtins',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id.startsWith('node:') || builtins.has(id))
        this.error(`${importer ?? '?'} imports the Node built-in "${id}"`);
      return null;
    },
  };
}

describe.skipIf(skip !== null)(
  `the node core in a browser worker${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it('two cores over the in-memory transport complete cycles and converge, no Node built-in in the bundle', async () => {
      const out = await mkdtemp(join(tmpdir(), 'lvs-core-browser-'));
      dirs.push(out);
      await build({
        root: ROOT,
        configFile: false,
        logLevel: 'silent',
        plugins: [noNodeBuiltins()],
        resolve: { conditions: ['browser', 'import', 'module', 'default'] },
        build: {
          outDir: out,
          emptyOutDir: true,
          minify: false,
          target: 'es2022',
          lib: {
            entry: join(ROOT, 'tests/browser/core-entry.ts'),
            name: 'LvsCore',
            formats: ['iife'],
            fileName: () => 'core.js',
          },
        },
      });
      const bundle = await readFile(join(out, 'core.js'), 'utf8');

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
