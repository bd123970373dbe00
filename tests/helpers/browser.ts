// Debian's Chromium driven by Playwright (which never downloads a browser here): the flags keep
// it from reaching the network on its own and let it run as root in a container.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright';

export const CHROMIUM = process.env['LVS_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or null when they can. */
export function noBrowserReason(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set LVS_CHROMIUM)`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
