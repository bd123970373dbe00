// A browser node's WebRTC address lives as long as its page. The peer manager tells it on only
// while that page is a peer, and drops it from the book at its first failed dial, so that a
// closed page is not dialled again and again by every node that heard of it. And a page is
// dialled by WebRTC or not at all: a desktop node never reaches one through the plain circuit.
import { multiaddr } from '@multiformats/multiaddr';
import type { Libp2p } from '@libp2p/interface';
import { describe, expect, it } from 'vitest';
import {
  AddressBook,
  splitPeerAddress,
  withPeerId,
  type PeerAddress,
} from '../../src-shared/net/address-book';
import { PeerManager } from '../../src-shared/net/peer-manager';
import type { PeerExchange } from '../../src-shared/protocol/pex-protocol';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i * 11 + 1);
const RELAY = '12D3KooWLenXG5hCnpPPdAsEUH6wCahFNAwkuuX1gwtXUQQcPQ5B';
const LIVE = '12D3KooWFBJEn3ZgfNBAkwpNyz34LQVnK73hHpV4X4Nyxz26991m';
const GONE = '12D3KooWJ2eNVthEYM2PXs5dMwd7RVAVP64QVvXerPugX9TA95Hs';
const ASKER = '12D3KooWE43MSAQFk9gCfEyEkCNhYFX4TLNpz95bWHamCBZm7eZK';
const VIA = `/ip4/192.0.2.7/tcp/4002/ws/p2p/${RELAY}/p2p-circuit/webrtc`;
const DESKTOP = '/ip4/198.51.100.9/tcp/4001';

/** Just what the peer manager reads of libp2p: its connections, addresses and dials. */
function fakeLibp2p(connectedTo: string[], dial: (ma?: unknown) => Promise<never>): Libp2p {
  const conn = (peer: string) => ({
    remotePeer: { toString: () => peer },
    remoteAddr: multiaddr('/ip4/192.0.2.50/tcp/1'),
    status: 'open',
    direction: 'inbound',
    id: peer,
  });
  return {
    peerId: { toString: () => '12D3KooWNxHaJ2NLq281sebZSHtbaELjoEUpo9E1XsZz9pLoWcFV' },
    getConnections: () => connectedTo.map(conn),
    getMultiaddrs: () => [],
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dial,
  } as unknown as Libp2p;
}

/**
 * A peer manager over a book filled as peer exchange fills it: by default two pages behind one
 * relay and a desktop node, on a node that dials only WebRTC (a page: the desktop is left alone,
 * the pages are dialled).
 */
function manager(
  connectedTo: string[],
  dial: (ma?: unknown) => Promise<never> = () => Promise.reject(new Error('no such page')),
  told = [`${VIA}/p2p/${LIVE}`, `${VIA}/p2p/${GONE}`, `${DESKTOP}/p2p/${RELAY}`],
  dialable = (addr: string) => addr.includes('/webrtc'),
) {
  const book = new AddressBook({ secret: SECRET });
  book.add(
    told.map((t) => splitPeerAddress(t) as PeerAddress),
    '/ip4/192.0.2.7/tcp/4001',
  );
  const pm = new PeerManager({
    libp2p: fakeLibp2p(connectedTo, dial),
    book,
    exchange: {} as PeerExchange,
    groups: { allowLoopbackGroups: false },
    outboundGroups: () => new Map(),
    tickMs: 10,
    retryBaseMs: 10,
    rng: () => 0.5,
    dialable,
  });
  return { pm, book };
}

describe("a browser node's WebRTC address", () => {
  it('is kept apart from the other pages behind the same relay', () => {
    const { book } = manager([]);
    // Before, the second page's address was the first's with another id: refused as a duplicate.
    expect(book.entries().map(withPeerId).sort()).toEqual(
      [`${VIA}/p2p/${LIVE}`, `${VIA}/p2p/${GONE}`, `${DESKTOP}/p2p/${RELAY}`].sort(),
    );
  });

  it('is told on while its page is a peer of this node, and not once it is gone', () => {
    const { pm } = manager([LIVE, ASKER]);
    const told = pm.advertise(ASKER);
    expect(told).toContain(`${VIA}/p2p/${LIVE}`);
    expect(told.some((a) => a.includes(GONE))).toBe(false);
    // A desktop's address is told on whether it is connected or not.
    expect(told).toContain(`${DESKTOP}/p2p/${RELAY}`);
  });

  it('leaves the book at its first failed dial', async () => {
    const dialled: string[] = [];
    const { pm, book } = manager([], (ma?: unknown) => {
      dialled.push(String(ma));
      return Promise.reject(new Error('the page is gone'));
    });
    pm.start();
    try {
      const end = Date.now() + 5_000;
      while (book.entries().some((e) => e.addr.includes('/webrtc')) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      pm.stop();
    }
    // Both pages were dialled once, at their full address, and neither is kept.
    expect(dialled.sort()).toEqual([`${VIA}/p2p/${GONE}`, `${VIA}/p2p/${LIVE}`].sort());
    expect(book.entries().map((e) => e.addr)).toEqual([DESKTOP]);
  });

  it('is the only way a page is dialled: a desktop node dials a relayed desktop, never a page', async () => {
    // A desktop node's transports: TCP and the plain circuit, no WebRTC. Its book holds a page
    // (both of its relayed forms) and a desktop behind NAT reachable only through the relay.
    const NATTED = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK';
    const relayed = `/ip4/192.0.2.7/tcp/4001/p2p/${RELAY}/p2p-circuit`;
    const dialled: string[] = [];
    const { pm } = manager(
      [],
      (ma?: unknown) => {
        dialled.push(String(ma));
        return Promise.reject(new Error('unreachable here'));
      },
      [`${VIA}/p2p/${LIVE}`, `${relayed}/p2p/${LIVE}`, `${relayed}/p2p/${NATTED}`],
      (addr) => !addr.includes('/webrtc'),
    );
    pm.start();
    try {
      const end = Date.now() + 5_000;
      while (dialled.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      // A few more ticks: the page would have its turn by now.
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      pm.stop();
    }
    expect(dialled.length).toBeGreaterThan(0);
    expect(dialled.every((a) => a === `${relayed}/p2p/${NATTED}`)).toBe(true);
  });
});
