// The browser tests' setting: the built renderer, a web monitor over a real MonitorHost (whose
// labs are real nodes in worker threads), and Debian's Chromium with a page that collects what
// went wrong in it. Screenshots go to test-artifacts/e2e/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright';
import { MonitorHost, type ScenarioSource } from '../../src-main/monitor/monitor-host';
import { startWebMonitor, type WebMonitor } from '../../src-main/monitor/web-server';
import { launchChromium } from './browser';
import { builtRenderer } from './renderer-build';

export const ARTIFACTS = join(resolve(import.meta.dirname, '../..'), 'test-artifacts/e2e');

export interface PageOptions {
  readonly viewport: { readonly width: number; readonly height: number };
  readonly colorScheme?: 'light' | 'dark';
  /** Also count the page's console errors, not only its uncaught ones. */
  readonly consoleErrors?: boolean;
}

/** Chromium and one page; `errors` collects what the page threw (and logged, if asked). */
export async function openPage(
  o: PageOptions,
): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchChromium();
  const page = await browser.newPage({
    viewport: o.viewport,
    ...(o.colorScheme ? { colorScheme: o.colorScheme } : {}),
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (o.consoleErrors) page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return { browser, page, errors };
}

/** A web monitor over a fresh MonitorHost whose labs go in `labs`; close() stops both. */
export async function serveMonitor(
  labs: string,
  o: { port?: number; scenarios?: ScenarioSource; marker?: string } = {},
): Promise<{ host: MonitorHost; web: WebMonitor; close(): Promise<void> }> {
  const rendererDir = builtRenderer(o.marker);
  const host = new MonitorHost({
    shell: 'web',
    appVersion: 'e2e',
    labsDir: labs,
    workers: 2,
    ...(o.scenarios ? { scenarios: o.scenarios } : {}),
  });
  const web = await startWebMonitor({
    host,
    rendererDir,
    ...(o.port === undefined ? {} : { port: o.port }),
  });
  return {
    host,
    web,
    // The host first (it waits for a lab stop under way), then the page's server, so that no
    // reply is cut off.
    close: async () => {
      await host.close();
      await web.close();
    },
  };
}

/** The whole setting for one test file: a labs folder, a monitor, Chromium on its page. */
export interface MonitorPage {
  readonly labs: string;
  readonly host: MonitorHost;
  readonly web: WebMonitor;
  readonly browser: Browser;
  readonly page: Page;
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openMonitorPage(
  o: PageOptions & {
    /** The labs folder's prefix in the temporary folder. */
    readonly name: string;
    readonly scenarios?: ScenarioSource;
    /** A string the renderer bundle must hold (rebuilt when it does not). */
    readonly marker?: string;
  },
): Promise<MonitorPage> {
  await mkdir(ARTIFACTS, { recursive: true });
  const labs = await mkdtemp(join(tmpdir(), `lvs-e2e-${o.name}-`));
  const served = await serveMonitor(labs, {
    ...(o.scenarios ? { scenarios: o.scenarios } : {}),
    ...(o.marker ? { marker: o.marker } : {}),
  });
  const { browser, page, errors } = await openPage(o);
  return {
    labs,
    host: served.host,
    web: served.web,
    browser,
    page,
    errors,
    close: async () => {
      await browser.close();
      await served.close();
      await rm(labs, { recursive: true, force: true });
    },
  };
}
