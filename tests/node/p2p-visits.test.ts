import { afterEach, describe, expect, it } from 'vitest';
import {
  INBOUND_VISITORS,
  LOOPBACK_LAB,
  createHost,
  type Host,
} from '../../src-main/node/p2p/host';
import { Discovery } from '../../src-shared/net/discovery';
import { VISIT_MS } from '../../src-main/node/p2p/inbound-eviction';
import { PeerExchange } from '../../src-shared/protocol/pex-protocol';

/*
 * Many nodes behind one NAT share one address. A node whose inbound share for that address is
 * full still lets a newcomer from it in for a visit, long enough to answer its peer-exchange
 * question, then closes it: a newcomer that knows only this node learns others instead of being
 * refused forever. Visitors beyond INBOUND_VISITORS are refused, so the share stays bounded.
 */

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

const SHARE = 2;

/** A node full for loopback: SHARE members in, visits for newcomers beyond them. */
async function fullServer(): Promise<Host> {
  // Loopback counts as one host here (no lab exemption), as a NAT's address would.
  const server = await createHost({
    host: '127.0.0.1',
    port: 0,
    allowLoopbackGroups: false,
    maxInboundPerHost: SHARE,
    inboundConnectionThreshold: 1000,
    nat: false,
  });
  running.push(server);
  return server;
}

async function client(): Promise<Host> {
  const h = await createHost(LOOPBACK_LAB);
  running.push(h);
  return h;
}

describe('visits from a host past its inbound share', () => {
  it('the share stays, a visitor gets its answer and is closed after the visit, one more is refused', async () => {
    const server = await fullServer();
    const pex = new PeerExchange({
      advertise: () => ['/ip4/11.9.0.1/tcp/4001'],
      learned: () => {},
    });
    await pex.start(server);
    running.push(pex);
    const target = server.addresses()[0]!;

    const members = [await client(), await client()];
    for (const m of members) await m.libp2p.dial(target);
    const visitors = await Promise.all(Array.from({ length: INBOUND_VISITORS }, client));
    const learned: string[][] = [];
    for (const v of visitors) {
      const asker = new PeerExchange({
        advertise: () => [],
        learned: (_p, _s, a) => learned.push([...a]),
      });
      await asker.start(v);
      running.push(asker);
      const conn = await v.libp2p.dial(target);
      expect(await asker.ask(conn)).toBe(1);
    }
    expect(learned).toEqual(visitors.map(() => ['/ip4/11.9.0.1/tcp/4001']));
    // One beyond the visitors is refused outright.
    const extra = await client();
    await expect(extra.libp2p.dial(target)).rejects.toThrow();

    // The visits end; the share's members stay.
    const t0 = Date.now();
    while (visitors.some((v) => v.libp2p.getConnections(server.peerId).length > 0)) {
      expect(Date.now() - t0).toBeLessThan(VISIT_MS + 10_000);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(Date.now() - t0).toBeGreaterThan(VISIT_MS / 2);
    for (const m of members) expect(m.libp2p.getConnections(server.peerId)).toHaveLength(1);
  }, 60_000);

  it("a visitor's peer manager waits before it comes back, instead of visiting again at once", async () => {
    const server = await fullServer();
    const target = server.addresses()[0]!;
    for (const m of [await client(), await client()]) await m.libp2p.dial(target);

    // A personal node told only of the server's address (no id), as `--bootstrap` tells it.
    const visitor = await client();
    let visits = 0;
    visitor.libp2p.addEventListener('connection:open', (e) => {
      if (e.detail.remotePeer.equals(server.peerId)) visits++;
    });
    const bootstrap = target.toString().replace(/\/p2p\/[^/]+$/, '');
    const discovery = await Discovery.start(
      { bootstrap: [bootstrap] },
      {
        host: visitor,
        stored: undefined,
        save: () => {},
        log: () => {},
        warn: () => {},
        onBad: () => {},
      },
    );
    running.push(discovery);
    // A first short visit may be a restart: the address is dialled again at once (visit 2 at
    // about VISIT_MS + 1 s). From the second in a row the address waits 2 x SHORT_LIVED_WAIT_MS
    // (10 s), then 20 s: visit 3 at about 31 s, visit 4 not before about 61 s. Dialled again
    // after the usual second's wait, a visit would come every VISIT_MS + 1 s: 6 in 58 s.
    await new Promise((r) => setTimeout(r, 58_000));
    expect(visits).toBe(3);
  }, 90_000);
});
