// The built renderer the browser tests serve. CI builds before it tests; a developer's checkout
// may have no build, or one from before the feature a test is about (the marker: a string the
// feature's code puts in the bundle), and then it is built here.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER = join(ROOT, 'out/renderer');

function hasMarker(marker: string): boolean {
  const assets = join(RENDERER, 'assets');
  if (!existsSync(assets)) return false;
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .some((f) => readFileSync(join(assets, f), 'utf8').includes(marker));
}

/** The renderer folder, built first when it is missing or lacks `marker`. */
export function builtRenderer(marker?: string): string {
  if (!existsSync(join(RENDERER, 'index.html')) || (marker && !hasMarker(marker)))
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      { cwd: ROOT, stdio: 'ignore' },
    );
  return RENDERER;
}
