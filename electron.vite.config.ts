import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { noNodeBuiltins } from './scripts/vite-no-node-builtins';

const root = import.meta.dirname;
const sharedAlias = { '@shared': resolve(root, 'src-shared') };
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

/**
 * Dev server only: @vitejs/plugin-react injects an inline React Refresh preamble and Vite injects
 * CSS as <style> tags, both of which the strict CSP in src-renderer/index.html blocks. Relax the
 * CSP for `electron-vite dev` only; the built renderer (out/renderer) keeps the strict policy.
 */
function devCspRelax(): Plugin {
  return {
    name: 'lvs:dev-csp-relax',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
    },
  };
}

export default defineConfig({
  main: {
    resolve: { alias: sharedAlias },
    build: {
      // Dependencies stay in node_modules (electron-builder ships them); only our code is bundled.
      externalizeDeps: true,
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        // ESM, because package.json is "type": "module".
        input: {
          // -> out/main/index.js, which is package.json "main".
          index: resolve(root, 'src-main/electron/main.ts'),
          // -> out/main/cli.js, run by bin/lvs.js (the `lvs` command) with plain node.
          cli: resolve(root, 'src-main/cli/lvs.ts'),
          // -> out/main/sim-worker.js: startWorker() loads it from beside the chunk holding
          // threaded-simulation.ts, so entries and shared chunks must all sit in out/main/.
          'sim-worker': resolve(root, 'src-main/sim/sim-worker.ts'),
          // -> out/main/engine-worker.js: a node's drift engine, loaded the same way.
          'engine-worker': resolve(root, 'src-main/node/engine/engine-worker.ts'),
          // -> out/main/lab-worker.js: a lab's pool of nodes on one thread, loaded the same way.
          'lab-worker': resolve(root, 'src-main/lab/lab-worker.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    resolve: { alias: sharedAlias },
    define: { __LVS_VERSION__: JSON.stringify(pkg.version) },
    build: {
      // The window is sandboxed: a sandboxed preload cannot require node_modules and cannot be an
      // ES module, so bundle everything (electron itself stays external) into one CommonJS file.
      externalizeDeps: false,
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    resolve: { alias: sharedAlias },
    // The monitor and the browser node run in a browser: a Node built-in must fail the build, not
    // the page at run time.
    plugins: [react(), devCspRelax(), noNodeBuiltins()],
    define: { __LVS_VERSION__: JSON.stringify(pkg.version) },
    // The browser node's drift engine is a module worker (src-renderer/browser-node).
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: {
        input: {
          // The monitor.
          index: resolve(root, 'src-renderer/index.html'),
          // The browser node's page, which a desktop node's join listener serves.
          node: resolve(root, 'src-renderer/node.html'),
          // A browser node of a lab: a Chromium tab the lab drives (src-main/lab/browser-tabs.ts).
          'lab-tab': resolve(root, 'src-renderer/lab-tab.html'),
        },
      },
    },
  },
});
