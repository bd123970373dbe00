// Debian's Chromium driven by Playwright, with the flags and path the lab uses
// (src-main/runtime/chromium.ts).
import type { Browser } from 'playwright';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM, noChromiumReason } from '../../src-main/runtime/chromium';

export const CHROMIUM = DEFAULT_CHROMIUM;
export { CHROMIUM_ARGS };

/** Why browser tests cannot run here, or null when they can. */
export function noBrowserReason(): string | null {
  return noChromiumReason(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
}
