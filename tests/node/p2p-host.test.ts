import { connect, createServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LOOPBACK_LAB,
  createHost,
  type Host,
  type HostOptions,
} from '../../src-main/node/p2p/host';
import { tcpPort } from '../helpers/hosts';

/* Real hosts over TCP on loopback: identity, and the diversity gater on actual dials. */

const running: Host[] = [];

afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function host(options: HostOptions = {}): Promise<Host> {
  const h = await createHost({ ...LOOPBACK_LAB, ...options });
  running.push(h);
  return h;
}

const addr = (h: Host) => h.addresses()[0]!;

describe('the host', () => {
  it('make a fresh transport key at every start unless given a stable one', async () => {
    const a = await host();
    const b = await host();
    expect(a.peerId.toString()).not.toBe(b.peerId.toString());
    const key = await generateKeyPair('Ed25519');
    const c = await host({ privateKey: key });
    const id = c.peerId.toString();
    await c.stop();
    const d = await host({ privateKey: key });
    expect(d.peerId.toString()).toBe(id);
    expect(addr(d).toString()).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${id}$`));
  });

  it('refuse a second outbound peer in one /16 when the limit is 1 and loopback is not exempt', async () => {
    const strict = { allowLoopbackGroups: false, maxOutboundPerGroup: 1 };
    const a = await host(strict);
    const b = await host();
    const c = await host();
    await a.libp2p.dial(addr(b));
    await expect(a.libp2p.dial(addr(c))).rejects.toThrow(/gater/i);
    expect(a.libp2p.getConnections(c.peerId)).toEqual([]);
    // Another /16 of the loopback range is another group (labs use this to study diversity).
    const far = await host({ host: '127.1.0.1' });
    await a.libp2p.dial(addr(far));
    // The limit is on this node's choices only: C may still dial in.
    await c.libp2p.dial(addr(a));
    await vi.waitFor(() => expect(a.libp2p.getConnections()).toHaveLength(3));
    // Once B is gone its slot is free again (C came in, so it holds no outbound slot).
    await a.libp2p.hangUp(b.peerId);
    await vi.waitFor(() => expect(a.libp2p.getConnections(b.peerId)).toEqual([]));
    await a.libp2p.dial(addr(b));
  });

  it('refuse inbound connections beyond the per-host limit, and exempt loopback in a lab', async () => {
    const strict = await host({ allowLoopbackGroups: false, maxInboundPerHost: 2 });
    const dialers = [await host(), await host(), await host()];
    // Every dialer connects from 127.0.0.1: one host, so only two of them get in.
    await dialers[0]!.libp2p.dial(addr(strict));
    await dialers[1]!.libp2p.dial(addr(strict));
    await vi.waitFor(() => expect(strict.libp2p.getConnections()).toHaveLength(2));
    await expect(dialers[2]!.libp2p.dial(addr(strict))).rejects.toThrow();
    await vi.waitFor(() => expect(strict.libp2p.getConnections(dialers[2]!.peerId)).toEqual([]));
    const lab = await host({ maxInboundPerHost: 2 });
    for (const d of dialers) await d.libp2p.dial(addr(lab));
    await vi.waitFor(() => expect(lab.libp2p.getConnections()).toHaveLength(3));
  });

  it('exempt loopback addresses in a lab', async () => {
    const a = await host({ maxOutboundPerGroup: 1 });
    const b = await host();
    const c = await host();
    await a.libp2p.dial(addr(b));
    await a.libp2p.dial(addr(c));
    expect(a.libp2p.getConnections()).toHaveLength(2);
  });

  it("give a handshake the dial timeout they are told, past libp2p's 6 s per address", async () => {
    // A listener that accepts and never answers: the dial waits in its handshake until it times out.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    try {
      const a = await host({ dialTimeoutMs: 8_000 });
      let settled = false;
      const dial = a.libp2p.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}`));
      dial.then(
        () => (settled = true),
        () => (settled = true),
      );
      await sleep(6_500);
      expect(settled).toBe(false);
      await expect(dial).rejects.toThrow(/abort|time/i);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);

  it("give an answering handshake the same timeout, not libp2p's 10 s", async () => {
    const a = await host({ dialTimeoutMs: 2_000 });
    const port = tcpPort(addr(a));
    const started = performance.now();
    // Connects and says nothing: the host waits for its handshake, then hangs up.
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((done) => socket.once('close', done));
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(9_000);
  }, 30_000);
});
