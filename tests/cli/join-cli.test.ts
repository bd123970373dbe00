// `lvs node --join-port` end to end: a real process, real sockets on 127.0.0.1. The join page
// lists the node's own WebSocket address and its swarm's settings, answers nothing of the
// monitor's (not even with the monitor's token), and the monitor beside it still wants its
// token. Flag mistakes cost one line.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort, rawExchange, withTakenPort } from '../helpers/ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkJoinInfo } from '../../src-shared/api/join-info';
import {
  disposeLvs,
  expectUsageError,
  killAll,
  prepareLvs,
  ROOT,
  run,
  start,
} from '../helpers/lvs-process';

let work = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-join-cli-'));
  await prepareLvs();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

/** Flags every test node runs with: loopback, any port, no mDNS, fast cycles. */
const LAB = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--cycle-ms', '50'];

type Record_ = Record<string, unknown> & { msg: string };

describe('lvs node --join-port flags', () => {
  it('refuses --join-port without --ws-port, a bad value, a shared port, a port in use', async () => {
    const data = join(work, 'never-created');
    const cases: [string[], string[], RegExp][] = [
      [['--join-port', '0'], ['--join-port', '--ws-port'], /needs --ws-port/],
      [['--ws-port', '0', '--join-port', '8080'], ['--join-port', '--ws-port'], /needs --ws-port/],
      [['--ws-port', '4002', '--join-port', '70000'], ['--join-port'], /integer in 0\.\.65535/],
      [['--ws-port', '4002', '--join-port', 'web'], ['--join-port'], /number/],
      [
        ['--ws-port', '4002', '--join-port', '4002'],
        ['--join-port', '--ws-port'],
        /must differ from --ws-port \(both 4002\)/,
      ],
      [
        ['--port', '4001', '--ws-port', '4002', '--join-port', '4001'],
        ['--join-port', '--port'],
        /must differ from --port/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => run([...LAB, '--data', data, ...args])),
    );
    results.forEach((r, i) => expectUsageError(r, cases[i]![1], cases[i]![2]));
    expect(existsSync(data)).toBe(false);

    await withTakenPort(async (taken) => {
      const dir = join(work, 'join-taken');
      const ws = await freePort();
      const r = await run([
        ...LAB,
        '--ws-port',
        String(ws),
        '--join-port',
        String(taken),
        '--data',
        dir,
      ]);
      expectUsageError(
        r,
        ['--join-port'],
        new RegExp(`--join-port ${taken} is in use on 127\\.0\\.0\\.1`),
      );
      // Refused before the node started: no lock, no store.
      expect(existsSync(join(dir, 'node.lock'))).toBe(false);
      expect(existsSync(join(dir, 'node.json'))).toBe(false);
    });
  });
});

describe('lvs node --ws-port N --join-port 0', () => {
  it('serves join.json with its WebSocket address, nothing of the monitor, whose token still rules', async () => {
    const ws = await freePort();
    const a = start([
      ...LAB,
      '--ws-port',
      String(ws),
      '--join-port',
      '0',
      '--monitor',
      '--json-logs',
      '--status-every',
      '0.2',
      '--data',
      join(work, 'joined'),
    ]);
    const records = (): Record_[] =>
      a
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record_);
    await a.waitFor(/"kind":"join"/);
    await a.waitFor(/"kind":"status"[^\n]*"join"/);
    const listening = records().find((r) => r.msg.startsWith('listening on '))!.msg;
    const peer = /\/p2p\/(\w+)/.exec(listening)![1]!;
    const joinLine = records().find((r) => r.kind === 'join')!;
    const port = joinLine.port as number;
    const url = `http://127.0.0.1:${port}/`;
    // One line, with the URL a device opens (bound to loopback: the loopback URL).
    expect(joinLine.msg).toMatch(new RegExp(`^join page: ${url} \\(`));
    expect(joinLine.urls).toEqual([url]);
    const monitorUrl = records().find((r) => r.kind === 'monitor')!.url as string;
    const monitor = new URL(monitorUrl);
    const token = monitor.searchParams.get('token')!;
    expect(Number(monitor.port)).not.toBe(port);

    // The status says where the join page is, for the monitor and for supervisors.
    const status = records().find((r) => r.kind === 'status' && r.join)!;
    expect(status.join).toEqual({ urls: [url] });

    // join.json: this node's WebSocket address, with its peer id, and no TCP one.
    const info = (await (await fetch(`${url}join.json`)).json()) as Record<string, unknown>;
    expect(info.addresses).toEqual([`/ip4/127.0.0.1/tcp/${ws}/ws/p2p/${peer}`]);
    // With the swarm's settings a browser node must share: this node's cycle and genesis.
    expect(info).toMatchObject({ cycleMs: 50, genesis: [100, 100] });
    expect(typeof info.params).toBe('object');
    expect(typeof info.version).toBe('string');
    // And what the page checks before it starts takes it whole.
    expect(checkJoinInfo(info)).toMatchObject({ ok: true });

    // The page itself: served when built, else a one-line 503 (this test does not build it).
    const page = await fetch(url);
    if (existsSync(join(ROOT, 'out/renderer/node.html'))) expect(page.status).toBe(200);
    else expect(await page.text()).toBe('the join page is not built: run npm run build\n');

    // Nothing of the monitor on the join port, not even with the monitor's own token.
    for (const path of ['/api', `/api?token=${token}`, '/ws', '/index.html', `/?token=${token}x`]) {
      const r = await fetch(`${url.slice(0, -1)}${path}`);
      if (path.startsWith('/?')) {
        expect(r.headers.get('set-cookie')).toBeNull();
        continue;
      }
      expect(r.status, path).toBe(404);
    }
    const upgrade = await rawExchange(
      port,
      `GET /api?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\n` +
        'Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 404 /);
    expect((await fetch(`${url}join.json`, { method: 'POST', body: '{}' })).status).toBe(405);

    // The monitor beside it: still its token or nothing.
    const base = `http://127.0.0.1:${monitor.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/join.json`)).status).toBe(401);
    expect((await fetch(`${base}/api`)).status).toBe(401);
    expect((await fetch(`${base}/api?token=${token}`)).status).toBe(426);

    a.child.kill('SIGTERM');
    const done = await a.done;
    expect(done.code, done.stderr).toBe(0);
    // Closed with the node.
    await expect(fetch(`${url}join.json`)).rejects.toThrow();
  });
});
