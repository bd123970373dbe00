// electron-builder.yml, checked by electron-builder's own schema (a misspelt key fails here, not
// at packaging time) and for the settings the shell's security relies on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/app-build';

// Transitive dependencies of electron-builder, resolved from it.
const require = createRequire(
  createRequire(import.meta.url).resolve('electron-builder/package.json'),
);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (on: boolean) => unknown };

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;

describe('electron-builder.yml', () => {
  it("matches electron-builder's schema (and the schema catches a misspelt fuse)", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const typo = { ...config, electronFuses: { runAsNod: false } };
    await expect(validateConfiguration(typo, new DebugLogger(false))).rejects.toThrow(
      /configuration object that does not match/,
    );
  });

  it('packs out/ into an asar, with the fuses @electron/fuses recommends', () => {
    expect(config['asar']).toBe(true);
    expect(config['files']).toContain('out/**');
    expect(config['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds AppImage and deb, dmg, nsis, and ships the scenarios', () => {
    expect((config['linux'] as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config['mac'] as { target: string[] }).target).toEqual(['dmg']);
    expect((config['win'] as { target: string[] }).target).toEqual(['nsis']);
    expect(config['extraResources']).toEqual([
      { from: 'resources/scenarios', to: 'scenarios', filter: ['*.json'] },
    ]);
  });
});
