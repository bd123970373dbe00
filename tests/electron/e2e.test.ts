// The real app in the real Electron, driven by Playwright (no browser download: Playwright only
// attaches to the Electron binary). Runs where node_modules/electron/dist holds the binary; on a
// machine where it could not be downloaded, the test is skipped and says why.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, electronBinary, removeBuild } from './helpers/app-build';

const binary = electronBinary();
const title = binary
  ? 'the desktop app end to end (Playwright + Electron)'
  : 'the desktop app end to end: skipped, no Electron binary in node_modules/electron/dist (it could not be downloaded on this machine)';

let build: string | undefined;
let profile: string | undefined;

afterAll(async () => {
  await removeBuild(build);
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe(title, () => {
  it.skipIf(!binary)(
    'opens the window; window.lvs is there, window.require is not; app info answers',
    async () => {
      build = await buildApp();
      profile = await mkdtemp(join(tmpdir(), 'lvs-electron-e2e-'));
      // A profile of its own: its own data, instance lock and settings (no node at launch).
      await mkdir(join(profile, 'userData'), { recursive: true });
      await writeFile(
        join(profile, 'userData', 'settings.json'),
        JSON.stringify({ startNodeAtLaunch: false, node: { host: '127.0.0.1', mdns: false } }),
      );
      const { _electron } = await import('playwright');
      const app = await _electron.launch({
        executablePath: binary!,
        args: [build, `--user-data-dir=${join(profile, 'userData')}`],
        env: { ...process.env, ELECTRON_RENDERER_URL: '' },
        timeout: 30_000,
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        expect(page.url()).toBe('app://lvs/index.html');
        const seen = await page.evaluate(async () => {
          const w = globalThis as unknown as Record<string, unknown> & {
            lvs?: { version: string; request(r: unknown): Promise<unknown> };
          };
          return {
            lvs: typeof w.lvs,
            keys: w.lvs ? Object.keys(w.lvs).sort() : [],
            require: typeof w['require'],
            process: typeof w['process'],
            info: await w.lvs?.request({ target: 'app', request: { op: 'info' } }),
            refused: await w.lvs
              ?.request({ target: 'nothing' })
              .then(() => 'answered')
              .catch((e: Error) => e.message),
          };
        });
        expect(seen.lvs).toBe('object');
        expect(seen.keys).toEqual(['request', 'subscribe', 'version']);
        expect(seen.require).toBe('undefined');
        expect(seen.process).toBe('undefined');
        expect(seen.info).toMatchObject({ shell: 'electron', node: null });
        expect(seen.refused).toMatch(/target must be one of app, node, lab$/);
      } finally {
        await app.close();
      }
    },
    90_000,
  );
});
