import { existsSync } from 'node:fs';

/*
 * The Chromium a lab's browser nodes run in (and the browser tests): the system's, driven by
 * Playwright, which never downloads one. The flags keep it from reaching the network on its own,
 * let it run as root in a container, and keep a tab nobody looks at from being throttled: a lab
 * tab is never in front, and a throttled timer would slow its node's cycle.
 */

/** Debian's Chromium, unless LVS_CHROMIUM names another. */
export const DEFAULT_CHROMIUM = process.env['LVS_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
] as const;

/** Why Chromium cannot run from `path`, or null when it can. */
export function noChromiumReason(path: string): string | null {
  return existsSync(path)
    ? null
    : `no Chromium at ${path} (apt-get install chromium, or name one with LVS_CHROMIUM)`;
}
