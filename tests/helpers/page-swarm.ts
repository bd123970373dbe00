// The set-up every join-page test shares: the built renderer, a pair of desktop nodes in a
// temporary folder (desktop-pair.ts) and Debian's Chromium, made before the suite and taken down
// after it, even when it failed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser';
import { startDesktopPair } from './desktop-pair';
import { disposeLvs, killAll, prepareLvs, type Proc } from './lvs-process';
import { builtRenderer } from './renderer-build';

export interface PageSwarm {
  readonly joinUrl: string;
  readonly desktops: readonly Proc[];
  readonly browser: Browser;
}

/**
 * Registers the suite's beforeAll and afterAll. `marker` is a string the built renderer must hold
 * (a build older than the feature under test is rebuilt); `swarm` the flags both desktops share.
 * The fields are there once beforeAll has run.
 */
export function pageSwarm(name: string, marker: string, swarm: readonly string[]): PageSwarm {
  let work = '';
  let ready: PageSwarm | undefined;
  beforeAll(async () => {
    builtRenderer(marker);
    work = await mkdtemp(join(tmpdir(), `lvs-${name}-`));
    await prepareLvs();
    const pair = await startDesktopPair(work, swarm);
    ready = { ...pair, browser: await launchChromium() };
  }, 120_000);
  afterAll(async () => {
    await ready?.browser.close();
    killAll();
    await disposeLvs();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const get = (): PageSwarm => {
    if (!ready) throw new Error(`${name}: the desktop pair and Chromium are not up`);
    return ready;
  };
  return {
    get joinUrl() {
      return get().joinUrl;
    },
    get desktops() {
      return get().desktops;
    },
    get browser() {
      return get().browser;
    },
  };
}
