// Two web monitors on two ports in one Chromium profile, and a monitor under a pile of idle
// sockets: Debian's Chromium (driven by Playwright) against the real server and the built page.
// Browsers scope cookies by host, not port: the asset cookie must be named by the port, or the
// second monitor's page load overwrites the first's and reloading the first gives 401.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorHost } from '../../src-main/monitor/monitor-host';
import {
  MAX_UNAUTHENTICATED,
  startWebMonitor,
  type WebMonitor,
} from '../../src-main/monitor/web-server';
import { launchChromium, noBrowserReason } from '../helpers/browser';
import { builtRenderer } from '../helpers/renderer-build';

const skip = noBrowserReason();

describe.skipIf(skip !== null)(
  `two web monitors in one Chromium profile${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let browser: Browser;
    let context: BrowserContext;
    let labs: string;
    const hosts: MonitorHost[] = [];
    const webs: WebMonitor[] = [];
    const errors: string[] = [];

    beforeAll(async () => {
      const rendererDir = builtRenderer();
      labs = await mkdtemp(join(tmpdir(), 'lvs-two-monitors-'));
      for (const name of ['a', 'b']) {
        const host = new MonitorHost({
          shell: 'web',
          appVersion: 'e2e',
          labsDir: join(labs, name),
        });
        hosts.push(host);
        webs.push(await startWebMonitor({ host, rendererDir }));
      }
      browser = await launchChromium();
      context = await browser.newContext();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const w of webs) await w.close();
      for (const h of hosts) await h.close();
      if (labs) await rm(labs, { recursive: true, force: true });
    });

    const newPage = async (): Promise<Page> => {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      return page;
    };

    /** The page loaded (200) and its WebSocket to its own monitor is open. */
    const expectWorking = async (page: Page, status: number | undefined) => {
      expect(status).toBe(200);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'), {
          timeout: 20_000,
        })
        .toBe('open');
    };

    it('both keep working after each is reloaded: each has a cookie of its own, not its token', async () => {
      const [a, b] = webs as [WebMonitor, WebMonitor];
      expect(a.port).not.toBe(b.port);
      const pageA = await newPage();
      await expectWorking(pageA, (await pageA.goto(a.url))?.status());
      const pageB = await newPage();
      await expectWorking(pageB, (await pageB.goto(b.url))?.status());
      // The token left the address bar: a reload asks for / with the cookie alone.
      expect(pageA.url()).toBe(`http://127.0.0.1:${a.port}/`);
      for (const page of [pageA, pageB, pageA]) {
        const response = await page.reload();
        await expectWorking(page, response?.status());
      }
      const cookies = await context.cookies('http://127.0.0.1/');
      const names = cookies.map((c) => c.name).sort();
      expect(names).toEqual([`lvs_assets_${a.port}`, `lvs_assets_${b.port}`].sort());
      for (const c of cookies) {
        expect(c.value).not.toBe(a.token);
        expect(c.value).not.toBe(b.token);
        expect(c.httpOnly).toBe(true);
      }
      expect(errors).toEqual([]);
    }, 90_000);

    it('loads the page and its socket past 200 idle sockets held without the token', async () => {
      const w = webs[0]!;
      const idle: Socket[] = [];
      try {
        for (let i = 0; i < 200; i++)
          idle.push(
            await new Promise<Socket>((ok, fail) => {
              const s = connect({ host: '127.0.0.1', port: w.port }, () => ok(s));
              s.on('error', () => undefined);
              s.once('error', fail);
            }),
          );
        const page = await newPage();
        await expectWorking(page, (await page.goto(w.url))?.status());
        const response = await page.reload();
        await expectWorking(page, response?.status());
        // The page got in because the idle sockets were let go of, all but the newest few; not
        // because they had timed out on their own (Node's header timeout alone left 64 held).
        const held = idle.filter((s) => !s.destroyed && s.readyState === 'open').length;
        expect(held).toBeLessThanOrEqual(MAX_UNAUTHENTICATED);
      } finally {
        for (const s of idle) s.destroy();
      }
    }, 90_000);
  },
);
