// The join page in Debian's Chromium (driven by Playwright): the monitor's My node panel shows a
// real node's join URLs and their QR code while the node has a join page, and nothing when it
// has none; and a page served by the join listener runs its own script under the listener's CSP,
// reads join.json and opens the node's WebSocket, while an inline script does not run. The page
// here is a stand-in (a probe script), not the browser node: that is built elsewhere.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJoinServer, type JoinServer } from '../../src-main/node/join/join-server';
import { LvsNode } from '../../src-main/node/lvs-node';
import { LOOPBACK_LAB } from '../../src-main/node/p2p/host';
import { resolveParams } from '../../src-shared/drift/params';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openPage, serveMonitor } from '../helpers/monitor-page';

const skip = noBrowserReason();

const QUIET = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

/** The stand-in page: an inline script (which the CSP must stop) and its own module script. */
const PROBE_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>join probe</title></head>
  <body>
    <p id="inline">inline script did not run</p>
    <p id="out">waiting</p>
    <script>document.getElementById('inline').textContent = 'inline script ran';</script>
    <script type="module" src="./assets/probe-1a2b.js"></script>
  </body>
</html>
`;

/** Reads join.json from its own origin and opens the first address's WebSocket, as the page will. */
const PROBE_SCRIPT = `const out = document.getElementById('out');
try {
  const info = await (await fetch('/join.json')).json();
  const first = info.addresses[0];
  const m = /^\\/ip4\\/([^/]+)\\/tcp\\/(\\d+)\\/ws\\/p2p\\/\\w+$/.exec(first);
  const ws = new WebSocket('ws://' + m[1] + ':' + m[2]);
  ws.onopen = () => { out.textContent = 'open ' + first; ws.close(); };
  ws.onerror = () => { out.textContent = 'websocket error'; };
} catch (err) {
  out.textContent = 'error ' + err;
}
`;

describe.skipIf(skip !== null)(
  `the join page in Chromium${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let dir = '';
    let served: Awaited<ReturnType<typeof serveMonitor>>;
    let node: LvsNode;
    let joinPage: JoinServer;
    /** Whether the node has a join page now (its status shows the URLs then). */
    let showing = false;
    let browser: Browser;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      await mkdir(ARTIFACTS, { recursive: true });
      dir = await mkdtemp(join(tmpdir(), 'lvs-e2e-join-'));
      await mkdir(join(dir, 'page', 'assets'), { recursive: true });
      await writeFile(join(dir, 'page', 'node.html'), PROBE_PAGE);
      await writeFile(join(dir, 'page', 'assets', 'probe-1a2b.js'), PROBE_SCRIPT);
      // The marker: a string only a renderer with the join section holds.
      served = await serveMonitor(join(dir, 'labs'), { marker: 'node-join-qr' });
      node = await LvsNode.start({
        dataDir: join(dir, 'node'),
        appVersion: 'e2e',
        params: resolveParams({}),
        cycleMs: 100,
        host: { ...LOOPBACK_LAB, webSockets: { port: 0 } },
        genesis: [100, 100],
        joinCycles: 1,
        seed: 1,
        engine: 'inline',
        joinUrls: () => (showing ? joinPage.urls() : null),
        log: QUIET,
      });
      joinPage = await startJoinServer({
        host: '127.0.0.1',
        port: 0,
        pageDir: join(dir, 'page'),
        addresses: () => node.addresses(),
        version: 'e2e',
      });
      served.host.attachNode(node);
      ({ browser, page, errors } = await openPage({
        viewport: { width: 1400, height: 900 },
        consoleErrors: true,
      }));
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      served?.host.attachNode(null);
      await served?.close();
      await joinPage?.close();
      await node?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('shows the join URLs and a QR code while the node has a join page, nothing without', async () => {
      await page.goto(served.web.url);
      await expect
        .poll(() => page.getByTestId('connection-state').getAttribute('data-state'))
        .toBe('open');
      await page.getByTestId('tab-my-node').click();
      await expect.poll(() => page.getByTestId('node-status').count()).toBe(1);
      // Give the panel a few snapshots: still no join section.
      await page.waitForTimeout(600);
      expect(await page.getByTestId('node-join').count()).toBe(0);

      showing = true;
      const url = `http://127.0.0.1:${joinPage.port}/`;
      await expect
        .poll(async () =>
          (await page.getByTestId('node-join-urls').count()) > 0
            ? await page.getByTestId('node-join-urls').textContent()
            : '',
        )
        .toBe(url);
      const qr = page.getByTestId('node-join-qr');
      expect(await qr.getAttribute('aria-label')).toBe(`QR code of ${url}`);
      const box = await qr.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.width).toBeGreaterThanOrEqual(150);
      expect(box!.height).toBe(box!.width);
      const d = (await qr.locator('path').getAttribute('d')) ?? '';
      expect(d).toMatch(/^(M\d+ \d+h\d+v1h-\d+z)+$/);
      await page.getByTestId('node-join').screenshot({ path: join(ARTIFACTS, 'join-qr.png') });

      showing = false;
      await expect.poll(() => page.getByTestId('node-join').count()).toBe(0);
      // No CSP violation or other error in the monitor while it drew the code.
      expect(errors).toEqual([]);
    });

    it("serves a page whose own script runs under the listener's CSP, reads join.json and opens the node's WebSocket", async () => {
      const probe = await browser.newPage();
      const consoleLines: string[] = [];
      probe.on('console', (m) => consoleLines.push(m.text()));
      try {
        const url = `http://127.0.0.1:${joinPage.port}/`;
        await probe.goto(url);
        const ws = node.addresses().find((a) => a.includes('/ws/'))!;
        await expect.poll(() => probe.locator('#out').textContent()).toBe(`open ${ws}`);
        expect(await probe.locator('#inline').textContent()).toBe('inline script did not run');
        expect(consoleLines.join('\n')).toMatch(/Content Security Policy/);
      } finally {
        await probe.close();
      }
    });
  },
);
