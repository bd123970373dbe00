// The app built by electron-vite into a temporary folder (not out/, which may be stale or in
// use), inside node_modules/ so that the bundles find the packages they leave external. About two
// seconds; needs no Electron binary.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

/** Builds main, preload and renderer into a new folder; returns it (main/, preload/, renderer/). */
export async function buildApp(): Promise<string> {
  await mkdir(join(ROOT, 'node_modules/.cache'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, 'node_modules/.cache/lvs-electron-'));
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('electron-vite/package.json')), 'bin/electron-vite.js');
  try {
    await run(process.execPath, [bin, 'build', '--outDir', dir, '--logLevel', 'error'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`electron-vite build failed: ${e.stderr || e.stdout || e.message}`);
  }
  // The folder is the app: its package.json names it as the real one does (Electron takes the
  // app's name from productName) and makes main/*.js ES modules.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    name: string;
    productName: string;
    version: string;
  };
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: pkg.name, productName: pkg.productName, version: pkg.version, type: 'module', main: 'main/index.js' }, null, 2)}\n`,
  );
  return dir;
}

export async function removeBuild(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The Electron executable in node_modules/electron/dist, if it was ever downloaded. */
export function electronBinary(): string | undefined {
  const electronDir = join(ROOT, 'node_modules', 'electron');
  const names: string[] = [];
  const pathFile = join(electronDir, 'path.txt');
  if (existsSync(pathFile)) {
    const name = readFileSync(pathFile, 'utf8').trim();
    if (name) names.push(name);
  }
  names.push(
    process.platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : process.platform === 'win32'
        ? 'electron.exe'
        : 'electron',
  );
  return names.map((n) => join(electronDir, 'dist', n)).find((f) => existsSync(f));
}
