import type { Browser, BrowserContext, Page } from 'playwright-core';
import type {
  PoolAnswer,
  PoolInit,
  PoolNotice,
  PoolRequest,
} from '../../src-shared/lab/pool-protocol';
import { MAX_LAB_BROWSERS } from '../../src-shared/api/lab-api';
import { errorMessage } from '../../src-shared/error-message';
import { startJoinServer, type JoinServer } from '../node/join/join-server';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM, noChromiumReason } from '../runtime/chromium';
import { defaultRendererDir, pageBuilt } from '../runtime/static-files';
import type { LabPool } from './pool-client';

/*
 * A lab's browser nodes: one Chromium, and one tab per browser node, each in a browser context
 * of its own (its own IndexedDB, as another device's). The tab runs the lab tab page
 * (src-renderer/lab-tab.html), which hosts the same node pool as a lab worker thread with the
 * browser node's parts; each tab is driven through Playwright with the pool's commands. The page
 * is served on 127.0.0.1 by the join page's listener, which serves one page and its assets only.
 */

export const LAB_TAB_PAGE = 'lab-tab.html';

/** Where the lab's browser nodes come from. */
export interface BrowserNodeSetup {
  /** The Chromium to run (DEFAULT_CHROMIUM). */
  readonly chromium: string;
  /** The built renderer, holding lab-tab.html and assets/. */
  readonly pageDir: string;
}

/** Browser nodes cannot run: no Chromium, no built page, or Chromium would not start. */
export class BrowserNodesError extends Error {
  override readonly name = 'BrowserNodesError';
}

/**
 * A lab's `count` browser nodes as Lab.start takes them, from this Chromium and built page
 * (default: DEFAULT_CHROMIUM and this install's renderer), for every program that starts labs
 * (`lvs lab --browsers`, the monitor's host) to default alike.
 */
export function browserNodes(
  count: number,
  chromium?: string,
  pageDir?: string,
): BrowserNodeSetup & { readonly count: number } {
  return {
    count,
    chromium: chromium ?? DEFAULT_CHROMIUM,
    pageDir: pageDir ?? defaultRendererDir(LAB_TAB_PAGE),
  };
}

/**
 * Why browser nodes cannot run from this setup (no Chromium there, the page not built), or null
 * when they may (Chromium may still fail to start). Checked before a start, and told to the
 * monitor so that its form can say so before anyone asks.
 */
export function noBrowserNodesReason(setup: BrowserNodeSetup): string | null {
  const missing = noChromiumReason(setup.chromium);
  if (missing) return `browser nodes need Chromium: ${missing}`;
  if (!pageBuilt(setup.pageDir, LAB_TAB_PAGE))
    return `browser nodes need the built page ${LAB_TAB_PAGE} in ${setup.pageDir}: run npm run build`;
  return null;
}

export class BrowserTabs {
  private constructor(
    private readonly browser: Browser,
    private readonly server: JoinServer,
    private readonly init: PoolInit,
    private readonly onNotice: (notice: PoolNotice) => void,
  ) {}

  static async start(
    setup: BrowserNodeSetup,
    init: PoolInit,
    onNotice: (notice: PoolNotice) => void,
  ): Promise<BrowserTabs> {
    const missing = noBrowserNodesReason(setup);
    if (missing) throw new BrowserNodesError(missing);
    const server = await startJoinServer({
      host: '127.0.0.1',
      port: 0,
      pageDir: setup.pageDir,
      page: LAB_TAB_PAGE,
      addresses: () => [],
      version: init.appVersion,
      // Every tab is a browser profile of its own on 127.0.0.1, with up to six connections each.
      limits: { maxConnections: 6 * 2 * MAX_LAB_BROWSERS, maxPerAddress: 6 * 2 * MAX_LAB_BROWSERS },
    });
    try {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: setup.chromium,
        args: [...CHROMIUM_ARGS],
      });
      return new BrowserTabs(browser, server, init, onNotice);
    } catch (err) {
      await server.close();
      throw new BrowserNodesError(
        `Chromium at ${setup.chromium} did not start: ${errorMessage(err)}`,
      );
    }
  }

  /** Opens the tab of a browser node's slot; its node starts with the pool's 'start'. */
  async open(slot: number): Promise<TabPool> {
    const context = await this.browser.newContext();
    try {
      const page = await context.newPage();
      const tab = new TabPool(slot, context, page);
      await page.exposeBinding('lvsLabNotice', (_source, notice: unknown) => {
        const checked = checkedNotice(notice, slot);
        if (checked) this.onNotice(checked);
      });
      page.on('pageerror', (err) =>
        this.onNotice({ type: 'node', slot, what: `page error: ${err.message}` }),
      );
      await page.goto(`http://127.0.0.1:${this.server.port}/`);
      await page.waitForFunction('window.lvsLabTab !== undefined');
      await page.evaluate(`window.lvsLabTab.start(${JSON.stringify(this.init)})`);
      return tab;
    } catch (err) {
      await context.close().catch(() => undefined);
      throw new BrowserNodesError(
        `the tab of browser node ${slot} did not open: ${errorMessage(err)}`,
      );
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.close();
  }
}

/** One browser node's tab as a pool of the lab: the pool's commands, evaluated in the page. */
export class TabPool implements LabPool {
  private failure: Error | null = null;

  constructor(
    readonly slot: number,
    private readonly context: BrowserContext,
    private readonly page: Page,
  ) {
    // A tab that crashed or was closed answers nothing more: every later request says why.
    page.on('crash', () => this.fail(new Error(`the tab of browser node ${slot} crashed`)));
    page.on('close', () => this.fail(new Error(`the tab of browser node ${slot} closed`)));
  }

  async request<R extends PoolRequest>(req: R): Promise<PoolAnswer<R>> {
    if (this.failure) throw this.failure;
    try {
      // Text, not a function: the request is plain data, and a function would carry the
      // compiler's helpers into the page.
      return (await this.page.evaluate(
        `window.lvsLabTab.handle(${JSON.stringify(req)})`,
      )) as PoolAnswer<R>;
    } catch (err) {
      throw this.failure ?? new Error(firstLine(errorMessage(err)));
    }
  }

  async stop(): Promise<void> {
    if (!this.failure) await this.request({ op: 'stop' }).catch(() => undefined);
    this.fail(new Error(`the tab of browser node ${this.slot} was stopped`));
    await this.context.close().catch(() => undefined);
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }
}

/** Addresses a tab may report for its node, and their length: a browser node has a few. */
const MAX_TAB_ADDRESSES = 32;
const MAX_TAB_TEXT = 2048;

/**
 * A tab's notice, if it is one its own node could send: the lab's own page in the lab's own
 * Chromium, but what crosses a process boundary is checked before it reaches the directory.
 */
export function checkedNotice(raw: unknown, slot: number): PoolNotice | null {
  const n = raw as Partial<Record<'type' | 'slot' | 'what' | 'addresses', unknown>> | null;
  if (typeof n !== 'object' || n === null || n.slot !== slot) return null;
  const text = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_TAB_TEXT;
  if (n.type === 'node' && text(n.what)) return { type: 'node', slot, what: n.what };
  if (
    n.type === 'addresses' &&
    Array.isArray(n.addresses) &&
    n.addresses.length <= MAX_TAB_ADDRESSES &&
    n.addresses.every(text)
  )
    return { type: 'addresses', slot, addresses: n.addresses };
  return null;
}

/** Playwright's error text holds the page's stack and a call log after the first line. */
function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).replace(/^page\.evaluate: (Error: )?/, '');
}
