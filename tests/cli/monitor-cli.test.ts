// `lvs node --monitor` and `lvs lab --monitor`, end to end: the URL is printed, the page
// answers with its token only (200 with a built renderer, else 503 "run npm run build"), the
// monitor API answers over the socket, and a signal stops everything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  disposeLvs,
  killAll,
  prepareLvs,
  runLvs,
  start,
  startLvs,
  type Proc,
} from '../helpers/lvs-process';

let work = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-monitor-cli-'));
  await prepareLvs();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

const URL_RE = /monitor: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))/;

async function waitForErr(p: Proc, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(p.err());
    if (m) return m;
    if (p.child.exitCode !== null) throw new Error(`ended before ${re}:\n${p.out()}\n${p.err()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${p.err()}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** The page with and without the token; then one `info` request over the socket. */
async function checkMonitor(port: number, token: string): Promise<Record<string, unknown>> {
  const without = await fetch(`http://127.0.0.1:${port}/`);
  expect(without.status).toBe(401);
  const page = await fetch(`http://127.0.0.1:${port}/?token=${token}`);
  expect([200, 503]).toContain(page.status);
  if (page.status === 200) expect(page.headers.get('content-security-policy')).toContain("'self'");
  else expect(await page.text()).toContain('npm run build');
  return ask(port, token, { op: 'info' });
}

/** One app request over the monitor's socket; its value (the reply must be ok). */
async function ask(
  port: number,
  token: string,
  request: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`, {
    origin: `http://127.0.0.1:${port}`,
  });
  try {
    const reply = await new Promise<Record<string, unknown>>((ok, fail) => {
      ws.once('error', fail);
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as Record<string, unknown>;
        if (m.type === 'reply' && m.id === 1) ok(m);
      });
      ws.once('open', () =>
        ws.send(
          JSON.stringify({
            type: 'request',
            id: 1,
            body: { target: 'app', request },
          }),
        ),
      );
    });
    expect(reply.ok, String(reply.error)).toBe(true);
    return reply.value as Record<string, unknown>;
  } finally {
    ws.terminate();
  }
}

describe('lvs node --monitor', () => {
  it('prints the monitor URL; the page and the API answer with the token', async () => {
    const p = start([
      ...['--monitor', '--data', join(work, 'node'), '--no-mdns', '--host', '127.0.0.1'],
      ...['--port', '0', '--cycle-ms', '50', '--status-every', '0'],
    ]);
    const [, , port, token] = await p.waitFor(URL_RE, 30_000);
    const info = await checkMonitor(Number(port), token!);
    expect(info.shell).toBe('web');
    expect(info.node).not.toBeNull();
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('refuses --monitor-port without --monitor', async () => {
    const r = await runLvs(['node', '--monitor-port', '0', '--data', join(work, 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lvs: [^\n]*--monitor-port needs --monitor[^\n]*\n$/);
  });
});

describe('lvs lab --monitor', () => {
  it('keeps the lab running after the duration until SIGINT, then summarises (exit 0)', async () => {
    const p = startLvs([
      'lab',
      ...['--monitor', '--nodes', '4', '--topology', 'ring:2', '--duration', '1'],
      ...['--cycle-ms', '50', '--workers', '1', '--dir', join(work, 'lab')],
    ]);
    const [, , port, token] = await waitForErr(p, URL_RE);
    await waitForErr(p, /scenario done after 1 s; the lab keeps running/);
    const info = await checkMonitor(Number(port), token!);
    expect(info.lab).not.toBeNull();
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('convergence measure');
  });

  it('stop-lab from the page stops the lab the command line started: summary, exit 0', async () => {
    const p = startLvs([
      'lab',
      ...['--monitor', '--nodes', '4', '--topology', 'ring:2', '--duration', '600'],
      ...['--cycle-ms', '50', '--workers', '1', '--dir', join(work, 'lab-stopped')],
    ]);
    const [, , port, token] = await waitForErr(p, URL_RE);
    const info = await ask(Number(port), token!, { op: 'stop-lab' });
    // The page is told at once that the lab is gone; the command line then ends its run as it
    // would after its 600 s: the lab stopped, the summary printed, exit 0.
    expect(info.lab).toBeNull();
    const r = await p.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the monitor asked to stop the lab/);
    expect(r.stdout).toContain('convergence measure');
  });
});
