import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Testnet, netnsSkip, type NetHost, type Router } from './netns';

/* The namespace harness itself: routing, masquerade, isolation, cleanup. */

const skip = netnsSkip();

describe.skipIf(skip !== null)(`the namespace harness${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let net: Testnet;
  let a: NetHost;
  let b: NetHost;
  let home: Router;
  let laptop: NetHost;

  beforeAll(async () => {
    net = await Testnet.create();
    a = await net.publicHost('a');
    b = await net.publicHost('b');
    home = await net.router('home');
    laptop = await net.privateHost('laptop', home);
  });

  afterAll(async () => {
    await net?.destroy();
  });

  it('gives public hosts addresses in distinct /16s that reach each other', async () => {
    expect(a.ip.split('.').slice(0, 2)).not.toEqual(b.ip.split('.').slice(0, 2));
    // Nothing listens on port 9 (discard): an answer, even a refusal, proves the route.
    expect(await probe(a, b.ip, 9)).toBe('refused');
    expect(await probe(b, a.ip, 9)).toBe('refused');
  });

  it("lets a private host reach a public one through its router, seen from the router's WAN address", async () => {
    // A one-shot TCP server on A that prints the peer's address: the source the public host sees.
    const server = a.spawn([
      process.execPath,
      '-e',
      `require('net').createServer((s) => { console.log(s.remoteAddress); s.end(); process.exit(0); }).listen(7000, () => console.log('up'));`,
    ]);
    let said = '';
    server.stdout!.setEncoding('utf8').on('data', (s: string) => (said += s));
    await waitUntil(() => said.includes('up'), 'the server on A');
    await laptop.exec([
      process.execPath,
      '-e',
      `require('net').connect(7000, '${a.ip}').on('close', () => process.exit(0)).resume();`,
    ]);
    await waitUntil(() => said.trim().split('\n').length >= 2, 'the connection at A');
    const seen = said
      .trim()
      .split('\n')[1]!
      .replace(/^::ffff:/, '');
    expect(seen).toBe(home.ip);
    expect(seen).not.toBe(laptop.ip);
  });

  it('keeps a private host out of reach from the internet', async () => {
    await expect(a.exec(['ping', '-c1', '-W1', laptop.ip])).rejects.toThrow();
    // Not even through the router's WAN address: nothing forwards a new connection inward.
    await expect(
      a.exec([
        process.execPath,
        '-e',
        `require('net').connect(22, '${home.ip}').on('error', () => process.exit(3)).on('connect', () => process.exit(0)); setTimeout(() => process.exit(4), 2000);`,
      ]),
    ).rejects.toThrow();
  });

  it('has no route out of the test network', async () => {
    // `ip route get` asks the routing table only; it sends nothing.
    await expect(a.exec(['ip', 'route', 'get', '8.8.8.8'])).rejects.toThrow(/unreachable/i);
    await expect(home.exec(['ip', 'route', 'get', '8.8.8.8'])).rejects.toThrow(/unreachable/i);
  });

  it('leaves no namespace behind, and destroy can be called twice', async () => {
    const extra = await Testnet.create();
    await extra.publicHost('x');
    const r = await extra.router('r');
    await extra.privateHost('y', r);
    expect(await extra.namespaces()).toHaveLength(4);
    await extra.destroy();
    await extra.destroy();
    expect(await extra.namespaces()).toEqual([]);
  });
});

/** Tries one TCP connection from a host: connected, refused, unreachable (no route) or timeout. */
async function probe(from: NetHost, ip: string, port: number): Promise<string> {
  const script = `const s = require('net').connect(${port}, '${ip}');
    s.on('connect', () => { console.log('connected'); process.exit(0); });
    s.on('error', (e) => { console.log(e.code === 'ECONNREFUSED' ? 'refused' : /UNREACH/.test(e.code) ? 'unreachable' : e.code); process.exit(0); });
    setTimeout(() => { console.log('timeout'); process.exit(0); }, 2000);`;
  return (await from.exec([process.execPath, '-e', script])).trim();
}

async function waitUntil(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
