// The join page's listener over real sockets: a temporary page folder (a fake node.html and an
// asset), real HTTP requests, raw bytes where a client library would tidy the request up. What it
// serves (the page, its assets, join.json in the order a browser should dial), and what it refuses
// (the monitor's paths, WebSocket upgrades, traversal, dotfiles, other methods, bodies, oversized
// headers, one address's pile of connections, idle sockets).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { rawExchange } from '../helpers/ports';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { joinAddresses, joinUrls, webSocketAddress } from '../../src-main/node/join/join-addresses';
import {
  JOIN_LIMITS,
  JOIN_CSP,
  JoinListenError,
  startJoinServer,
  type JoinServer,
} from '../../src-main/node/join/join-server';

const ID = '12D3KooWFBJEn3ZgfNBAkwpNyz34LQVnK73hHpV4X4Nyxz26991m';
const RELAY = '12D3KooWLenXG5hCnpPPdAsEUH6wCahFNAwkuuX1gwtXUQQcPQ5B';
/** What a node on 0.0.0.0 with --ws-port 4002 lists: TCP and WebSocket on each interface. */
const NODE_ADDRESSES = [
  `/ip4/127.0.0.1/tcp/4001/p2p/${ID}`,
  `/ip4/10.0.0.7/tcp/4001/p2p/${ID}`,
  `/ip4/192.168.1.5/tcp/4001/p2p/${ID}`,
  `/ip4/127.0.0.1/tcp/4002/ws/p2p/${ID}`,
  `/ip4/10.0.0.7/tcp/4002/ws/p2p/${ID}`,
  `/ip4/192.168.1.5/tcp/4002/ws/p2p/${ID}`,
  `/ip4/11.2.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${ID}`,
];
const WS = (ip: string) => `/ip4/${ip}/tcp/4002/ws/p2p/${ID}`;

const PAGE =
  '<!doctype html><title>browser node</title><script src="./assets/node-1a2b.js"></script>\n';
const SCRIPT = 'console.log("a browser node");\n';

let dir = '';
let server: JoinServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-join-'));
  const page = join(dir, 'renderer');
  await mkdir(join(page, 'assets'), { recursive: true });
  await writeFile(join(page, 'node.html'), PAGE);
  await writeFile(join(page, 'index.html'), '<title>the monitor</title>\n');
  await writeFile(join(page, 'assets', 'node-1a2b.js'), SCRIPT);
  await writeFile(join(page, 'assets', 'node-1a2b.css'), 'body{}\n');
  await writeFile(join(page, 'assets', '.secret'), 'dotfile\n');
  await writeFile(join(dir, 'outside.txt'), 'outside the page folder\n');
  await symlink(join(dir, 'outside.txt'), join(page, 'assets', 'link.txt'));
  server = await startJoinServer({
    host: '0.0.0.0',
    port: 0,
    pageDir: page,
    addresses: () => NODE_ADDRESSES,
    swarm: () => ({ params: { beta: 0.3 }, cycleMs: 500, genesis: [100, 100] }),
    version: '9.8.7',
    limits: { idleMs: 1_000 },
  });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a connection of its own, the path sent exactly as given. */
function get(
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {},
): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: o.host ?? '127.0.0.1',
        port: server.port,
        path,
        method: o.method ?? 'GET',
        headers: o.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end(o.body);
  });
}

/** Raw bytes in, the whole answer (up to the server's close) out. */
const raw = (text: string, host = '127.0.0.1'): Promise<string> =>
  rawExchange(server.port, text, host, (s) => sockets.push(s));

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

function expectStrictHeaders(h: IncomingHttpHeaders): void {
  expect(h['content-security-policy']).toBe(JOIN_CSP);
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['cache-control']).toMatch(/^no-(cache|store)$/);
  expect(Object.keys(h).filter((k) => k.startsWith('access-control-'))).toEqual([]);
}

describe('the join page listener', () => {
  it('serves the page at / and /node.html, and its assets with their content types', async () => {
    for (const path of ['/', '/node.html', '/?from=qr']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.body).toBe(PAGE);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expectStrictHeaders(r.headers);
    }
    const js = await get('/assets/node-1a2b.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe(SCRIPT);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expectStrictHeaders(js.headers);
    expect((await get('/assets/node-1a2b.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    const head = await get('/assets/node-1a2b.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(SCRIPT)));
    expect(head.body).toBe('');
  });

  it('lists the WebSocket addresses in join.json, the one on the Host first', async () => {
    const at = async (host: string) => {
      const r = await get('/join.json', { headers: { Host: host } });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-store');
      expectStrictHeaders(r.headers);
      return JSON.parse(r.body) as { addresses: string[]; version: string };
    };
    const lan = await at(`192.168.1.5:${server.port}`);
    // The swarm's settings a new node must share, and the version, beside the addresses.
    expect(lan).toMatchObject({
      params: { beta: 0.3 },
      cycleMs: 500,
      genesis: [100, 100],
      version: '9.8.7',
    });
    // This request comes from 127.0.0.1, so the loopback address is listed too, last.
    expect(lan.addresses).toEqual([WS('192.168.1.5'), WS('127.0.0.1'), WS('10.0.0.7')]);
    expect((await at(`10.0.0.7:${server.port}`)).addresses[0]).toBe(WS('10.0.0.7'));
    expect((await at(`localhost:${server.port}`)).addresses[0]).toBe(WS('127.0.0.1'));
    // A name the node has no address for: every WebSocket address, in the node's order.
    expect((await at('lvs.example')).addresses).toEqual([
      WS('127.0.0.1'),
      WS('10.0.0.7'),
      WS('192.168.1.5'),
    ]);
  });

  it('never lists a loopback address to a browser on another machine', async () => {
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (!lan) return; // No interface but loopback: no request can come from elsewhere here.
    const r = await get('/join.json', {
      host: lan.address,
      headers: { Host: `192.168.1.5:${server.port}` },
    });
    const info = JSON.parse(r.body) as { addresses: string[] };
    expect(info.addresses).toEqual([WS('192.168.1.5'), WS('10.0.0.7')]);
  });

  it('refuses the monitor API, its token pages and every WebSocket upgrade', async () => {
    for (const path of [
      '/api',
      '/api?token=abc',
      '/api/node/status',
      '/ws',
      '/index.html',
      '/?token=abc&x=/api',
      '/assets',
      '/assets/',
      '/favicon.ico',
      '/join.json/',
      'http://127.0.0.1/join.json',
    ]) {
      const r = await get(path);
      const expected = path.startsWith('/?') ? 200 : 404;
      expect(r.status, path).toBe(expected);
      if (expected === 404) {
        expect(r.body).toMatch(/^not found[^\n]*\n$/);
        expectStrictHeaders(r.headers);
      } else expect(r.body).toBe(PAGE); // a query is not a path: the page, no token involved
    }
    for (const path of ['/api', '/ws', '/', '/join.json']) {
      const answer = await raw(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      expect(statusOf(answer), path).toBe(404);
      expect(answer).not.toMatch(/Sec-WebSocket-Accept/i);
      expect(answer).toMatch(/\r\n\r\nnot found: the join page has no WebSocket[^\n]*\n$/);
    }
  });

  it('refuses traversal, encoded dots, dotfiles, links out and odd names', async () => {
    for (const path of [
      '/assets/../package.json',
      '/assets/../node.html',
      '/assets/%2e%2e/node.html',
      '/assets/%2E%2E%2Fnode.html',
      '/assets/..%2fnode.html',
      '/assets/..%5cnode.html',
      '/assets/.secret',
      '/assets/%2esecret',
      '/assets/link.txt',
      '/assets/sub/node-1a2b.js',
      '/assets/node-1a2b.js%00',
      `/assets/${'a'.repeat(129)}.js`,
      '/../node.html',
      '/%2e%2e/outside.txt',
      '//etc/passwd',
    ]) {
      const answer = await raw(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(answer), path).toBe(404);
      expect(answer).not.toContain('outside the page folder');
      expect(answer).not.toContain('dotfile');
    }
  });

  it('takes GET and HEAD only, no request body, and bounded headers', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await get('/join.json', { method, body: method === 'POST' ? '{}' : undefined });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
      expect(r.body).toBe('refused: the join page serves GET and HEAD only\n');
      expectStrictHeaders(r.headers);
    }
    const withBody = await raw(
      'GET /join.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(statusOf(withBody)).toBe(413);
    const chunked = await raw(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    );
    expect(statusOf(chunked)).toBe(413);
    const big = await raw(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(16 * 1024)}\r\n\r\n`,
    );
    expect(statusOf(big)).toBe(431);
  });

  it('keeps one address to its share of connections, and closes idle ones', async () => {
    const open = (): Promise<Socket> =>
      new Promise((ok, fail) => {
        const s = connect(server.port, '127.0.0.1', () => ok(s));
        s.on('error', fail);
        sockets.push(s);
      });
    const closed = (s: Socket) => new Promise<void>((ok) => s.once('close', () => ok()));
    // Three browser profiles' worth (six connections each) fit; one past the share does not.
    expect(JOIN_LIMITS.maxPerAddress).toBeGreaterThanOrEqual(3 * 6);
    const held = await Promise.all(Array.from({ length: JOIN_LIMITS.maxPerAddress }, open));
    const extra = await open();
    await closed(extra); // the one past the share from 127.0.0.1 is closed at once
    expect(held.every((s) => !s.destroyed)).toBe(true);
    // Idle for the test's 1 s: closed by the server, a request answered before that.
    const t0 = Date.now();
    await Promise.all(held.map(closed));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await get('/join.json')).status).toBe(200);
  });

  it('says which port it could not take, as fields', async () => {
    const err = await startJoinServer({
      host: '127.0.0.1',
      port: server.port,
      pageDir: dir,
      addresses: () => [],
      version: 'x',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JoinListenError);
    expect(err).toMatchObject({ port: server.port, host: '127.0.0.1', code: 'EADDRINUSE' });
  });

  it('answers 503 in one line when the page is not built; join.json without settings', async () => {
    const empty = await startJoinServer({
      host: '127.0.0.1',
      port: 0,
      pageDir: join(dir, 'no-such-folder'),
      addresses: () => NODE_ADDRESSES,
      version: 'x',
    });
    try {
      const r = await new Promise<Answer>((ok, fail) => {
        const req = request({ host: '127.0.0.1', port: empty.port, path: '/', agent: false });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', fail);
        req.end();
      });
      expect(r.status).toBe(503);
      expect(r.body).toBe('the join page is not built: run npm run build\n');
      // No settings given (a node not running yet): join.json has the addresses only.
      const info = (await (await fetch(`http://127.0.0.1:${empty.port}/join.json`)).json()) as {
        addresses: string[];
      };
      expect(Object.keys(info)).toEqual(['addresses', 'version']);
    } finally {
      await empty.close();
    }
  });
});

describe('join addresses and URLs', () => {
  it('takes direct WebSocket addresses with a peer id, nothing else', () => {
    expect(webSocketAddress(WS('192.168.1.5'))).toEqual({ host: '192.168.1.5' });
    expect(webSocketAddress(`/ip6/::1/tcp/4002/ws/p2p/${ID}`)).toEqual({ host: '::1' });
    expect(webSocketAddress(`/dns4/node.example/tcp/443/tls/ws/p2p/${ID}`)).toEqual({
      host: 'node.example',
    });
    expect(webSocketAddress(`/ip4/1.2.3.4/tcp/4002/wss/p2p/${ID}`)).not.toBeNull();
    for (const no of [
      `/ip4/1.2.3.4/tcp/4001/p2p/${ID}`,
      '/ip4/1.2.3.4/tcp/4002/ws',
      `/ip4/11.2.0.1/tcp/4002/ws/p2p/${RELAY}/p2p-circuit/p2p/${ID}`,
      `/ip4/1.2.3.4/udp/4002/quic-v1/p2p/${ID}`,
      'not a multiaddr',
    ])
      expect(webSocketAddress(no), no).toBeNull();
  });

  it('drops loopback for a browser elsewhere, and puts the Host first', () => {
    const all = [...NODE_ADDRESSES, `/ip6/::1/tcp/4002/ws/p2p/${ID}`];
    expect(joinAddresses(all, '10.0.0.7:8080', false)).toEqual([WS('10.0.0.7'), WS('192.168.1.5')]);
    expect(joinAddresses(all, '[::1]:8080', true)[0]).toBe(`/ip6/::1/tcp/4002/ws/p2p/${ID}`);
    expect(joinAddresses(all, undefined, false)).toEqual([WS('10.0.0.7'), WS('192.168.1.5')]);
    expect(joinAddresses(all, 'bad host header ::::', false)).toHaveLength(2);
  });

  it('gives one URL per outside interface, or the address it is bound to', () => {
    const ifs = [
      { address: '127.0.0.1', family: 'IPv4', internal: true },
      { address: '192.168.1.5', family: 'IPv4', internal: false },
      { address: '10.0.0.7', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: '2001:db8::5', family: 'IPv6', internal: false },
    ] as const;
    expect(joinUrls('0.0.0.0', 8080, ifs)).toEqual([
      'http://192.168.1.5:8080/',
      'http://10.0.0.7:8080/',
    ]);
    expect(joinUrls('::', 8080, ifs)).toEqual([
      'http://192.168.1.5:8080/',
      'http://10.0.0.7:8080/',
      'http://[2001:db8::5]:8080/',
    ]);
    expect(joinUrls('0.0.0.0', 8080, [ifs[0]])).toEqual(['http://127.0.0.1:8080/']);
    expect(joinUrls('127.0.0.1', 8080, ifs)).toEqual(['http://127.0.0.1:8080/']);
    expect(joinUrls('192.168.1.5', 8080, ifs)).toEqual(['http://192.168.1.5:8080/']);
  });
});
