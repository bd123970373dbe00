import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import '../../src-main/node/p2p/polyfill';
import { selfAddresses } from '../../src-shared/net/self-addresses';

/*
 * The cached view of a node's own addresses (src-shared/net/self-addresses.ts) on a real libp2p
 * node: it is not rebuilt between changes, and it follows a change once libp2p announces it.
 */

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('selfAddresses', () => {
  it('keeps what it read until the node announces a change, then reads again', async () => {
    const libp2p = await createLibp2p({
      start: false,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
    });
    stops.push(async () => libp2p.stop());
    const read = selfAddresses(libp2p);
    expect(read()).toEqual([]);

    const announced = new Promise<void>((resolve) =>
      libp2p.addEventListener('self:peer:update', () => resolve(), { once: true }),
    );
    await libp2p.start();
    // Listening now, but libp2p announces its new address only after its debounce (a second):
    // until then the view is what it read, not rebuilt.
    expect(libp2p.getMultiaddrs()).toHaveLength(1);
    expect(read()).toEqual([]);

    await announced;
    const now = read().map(String);
    expect(now).toEqual(libp2p.getMultiaddrs().map(String));
    expect(now).toHaveLength(1);
    expect(now[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*\/p2p\//);
  });

  it('hands each caller its own copy', async () => {
    const libp2p = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
    });
    stops.push(async () => libp2p.stop());
    const read = selfAddresses(libp2p);
    read().splice(0);
    expect(read()).toHaveLength(1);
  });
});
