// What a page of a restarted monitor can learn over HTTP: the socket path answers 426 (use a
// WebSocket) to the token the monitor knows and 401 to any other, so an old page's token, after
// a restart on the same port, is told apart from a monitor that is only down (nothing answers).
// The page's side (src-renderer/api/token.ts, transport-websocket.ts) is tested in
// tests/renderer/websocket.test.ts and in Chromium in tests/e2e/keeping-up.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorHost } from '../../src-main/monitor/monitor-host';
import { startWebMonitor, type WebMonitor } from '../../src-main/monitor/web-server';

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-restart-'));
  await writeFile(join(work, 'index.html'), '<!doctype html><title>t</title>');
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function monitor(port = 0): Promise<{ web: WebMonitor; close: () => Promise<void> }> {
  const host = new MonitorHost({ shell: 'web', appVersion: 'test', labsDir: join(work, 'labs') });
  const web = await startWebMonitor({ host, rendererDir: work, port });
  return { web, close: async () => (await web.close(), await host.close()) };
}

const check = (port: number, token: string) =>
  fetch(`http://127.0.0.1:${port}/api?token=${encodeURIComponent(token)}`);

describe('the token check a page makes after its socket failed', () => {
  it('answers 426 to the live token and 401 to the old one after a restart on the same port', async () => {
    const first = await monitor();
    const port = first.web.port;
    const old = first.web.token;
    expect((await check(port, old)).status).toBe(426);
    await first.close();
    // Down: nothing answers at all (the page keeps retrying then).
    await expect(check(port, old)).rejects.toThrow();

    const second = await monitor(port);
    try {
      expect(second.web.token).not.toBe(old);
      expect((await check(port, old)).status).toBe(401);
      expect((await check(port, second.web.token)).status).toBe(426);
    } finally {
      await second.close();
    }
  });
});
