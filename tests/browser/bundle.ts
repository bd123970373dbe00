// Builds a browser test's entry into one script for a page or a worker, as a browser would get
// it: Vite with the browser's export conditions, every Node built-in refused.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { noNodeBuiltins } from '../../scripts/vite-no-node-builtins';
import { ROOT } from '../helpers/lvs-process';

export { noNodeBuiltins };

/**
 * The IIFE bundle of `entry` (a path from the repository's root) as text; it sets the global
 * `globalName` to the entry's exports. Unminified, so that a page error names real functions.
 */
export async function bundleForBrowser(entry: string, globalName: string): Promise<string> {
  const out = await mkdtemp(join(tmpdir(), 'lvs-browser-bundle-'));
  try {
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
          entry: join(ROOT, entry),
          name: globalName,
          formats: ['iife'],
          fileName: () => 'bundle.js',
        },
      },
    });
    return await readFile(join(out, 'bundle.js'), 'utf8');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
