import { parseAddr } from '../../src-shared/net/address-group';
import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import {
  addressGroup,
  expandIPv6,
  ipGroup,
  inboundHost,
  limitReached,
} from '../../src-shared/net/multiaddr-group';
import { PeerGate } from '../../src-shared/net/gater';

const strict = { allowLoopbackGroups: false };
const lab = { allowLoopbackGroups: true };

describe('address groups', () => {
  it('group IPv4 by /16', () => {
    expect(ipGroup('203.0.113.7', strict)).toBe('ip4:203.0');
    expect(ipGroup('203.0.200.1', strict)).toBe('ip4:203.0');
    expect(ipGroup('203.1.113.7', strict)).toBe('ip4:203.1');
    expect(ipGroup('192.168.1.20', strict)).toBe('ip4:192.168');
  });

  it('group IPv6 by its /32 prefix, however it is written', () => {
    expect(ipGroup('2001:db8::1', strict)).toBe('ip6:2001:db8');
    expect(ipGroup('2001:0db8:ffff:1::9', strict)).toBe('ip6:2001:db8');
    expect(ipGroup('2001:db9::1', strict)).toBe('ip6:2001:db9');
    expect(ipGroup('fe80::1%eth0', strict)).toBe('ip6:fe80:0');
    expect(expandIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(expandIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(expandIPv6('64:ff9b::192.0.2.33')).toEqual([0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221]);
    expect(expandIPv6('1.2.3.4')).toBeNull();
    expect(expandIPv6('1::2::3')).toBeNull();
  });

  it('count an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(ipGroup('::ffff:198.51.100.4', strict)).toBe('ip4:198.51');
  });

  it('exempt loopback only when labs ask for it', () => {
    expect(ipGroup('127.0.0.1', strict)).toBe('ip4:127.0');
    expect(ipGroup('127.1.0.1', strict)).toBe('ip4:127.1');
    expect(ipGroup('::1', strict)).toBe('ip6:0:0');
    expect(ipGroup('127.0.0.1', lab)).toBeNull();
    expect(ipGroup('127.200.3.4', lab)).toBeNull();
    expect(ipGroup('::1', lab)).toBeNull();
    expect(ipGroup('::ffff:127.0.0.1', lab)).toBeNull();
    expect(ipGroup('10.0.0.1', lab)).toBe('ip4:10.0');
  });

  it('read the group from a multiaddr', () => {
    expect(addressGroup(multiaddr('/ip4/203.0.113.7/tcp/4001'), strict)).toBe('ip4:203.0');
    expect(addressGroup(multiaddr('/ip6/2001:db8::5/tcp/4001'), strict)).toBe('ip6:2001:db8');
    expect(addressGroup(multiaddr('/dns4/Node.Example/tcp/1'), strict)).toBe('dns:node.example');
    // As the address book groups names: whoever holds a domain holds every name under it.
    expect(addressGroup(multiaddr('/dns4/a.nodes.example/tcp/1'), strict)).toBe(
      addressGroup(multiaddr('/dns6/b.Nodes.Example/tcp/2'), strict),
    );
  });

  it("count a browser reached by WebRTC apart from its relay's group, as the book does", () => {
    const relay = '/ip4/192.168.1.5/tcp/4002/ws/p2p/QmRelay';
    const browser = 'QmBrowser';
    const webrtc = `${relay}/p2p-circuit/webrtc/p2p/${browser}`;
    expect(addressGroup(multiaddr(webrtc), strict)).toBe('webrtc:ip4:192.168');
    expect(addressGroup(multiaddr(webrtc), strict)).toBe(
      (parseAddr(webrtc) as { group: string }).group,
    );
    // Relayed without WebRTC, every frame goes through the relay: the relay's group.
    expect(addressGroup(multiaddr(`${relay}/p2p-circuit/p2p/${browser}`), strict)).toBe(
      'ip4:192.168',
    );
  });
});

describe('the outbound gating decision', () => {
  it('refuse a peer once its group holds the limit', () => {
    expect(limitReached('ip4:203.0', [], 1)).toBe(false);
    expect(limitReached('ip4:203.0', ['ip4:203.0'], 1)).toBe(true);
    expect(limitReached('ip4:203.0', ['ip4:203.1', 'ip6:2001:db8'], 1)).toBe(false);
    expect(limitReached('ip4:203.0', ['ip4:203.0'], 2)).toBe(false);
    expect(limitReached('ip4:203.0', ['ip4:203.0', 'ip4:203.0'], 2)).toBe(true);
  });

  it('count inbound connections per host, loopback exempt only in a lab', () => {
    const strict = { allowLoopbackGroups: false };
    expect(inboundHost(multiaddr('/ip4/203.0.113.7/tcp/1'), strict)).toBe('203.0.113.7');
    expect(inboundHost(multiaddr('/ip4/127.0.0.1/tcp/1'), strict)).toBe('127.0.0.1');
    expect(
      inboundHost(multiaddr('/ip4/127.0.0.1/tcp/1'), { allowLoopbackGroups: true }),
    ).toBeNull();
    expect(limitReached('203.0.113.7', ['203.0.113.7', '203.0.113.8'], 2)).toBe(false);
    expect(limitReached('203.0.113.7', ['203.0.113.7', '203.0.113.7'], 2)).toBe(true);
    expect(limitReached(null, [null, null], 1)).toBe(false);
  });

  it('never refuse an exempt address', () => {
    expect(limitReached(null, [null, null, null], 1)).toBe(false);
  });

  it('gate dials on the group before a socket is opened', () => {
    const gate = new PeerGate({
      maxOutboundPerGroup: 1,
      maxInboundPerHost: 8,
      allowLoopbackGroups: false,
    });
    const open = (addr: string, peer: string) =>
      ({
        direction: 'outbound',
        status: 'open',
        remoteAddr: multiaddr(addr),
        remotePeer: { toString: () => peer },
      }) as never;
    gate.attach(() => [open('/ip4/203.0.113.7/tcp/1', 'A')]);
    expect(gate.denyDialMultiaddr(multiaddr('/ip4/203.0.9.9/tcp/1'))).toBe(true);
    expect(gate.denyDialMultiaddr(multiaddr('/ip4/203.1.9.9/tcp/1'))).toBe(false);
    // The peer already holding the slot may be dialled again.
    expect(gate.denyDialMultiaddr(multiaddr('/ip4/203.0.113.7/tcp/1/p2p/A'))).toBe(false);
  });
});

describe('the deny list', () => {
  it('refuse a denied peer until its time is up', () => {
    let now = 1_000;
    const gate = new PeerGate(
      { maxOutboundPerGroup: 2, maxInboundPerHost: 8, allowLoopbackGroups: true },
      () => now,
    );
    const peer = { toString: () => 'P' } as never;
    gate.deny('P', 500);
    expect(gate.isDenied('P')).toBe(true);
    expect(gate.denyDialPeer(peer)).toBe(true);
    expect(gate.denyInboundEncryptedConnection(peer)).toBe(true);
    expect(gate.isDenied('Q')).toBe(false);
    now += 501;
    expect(gate.isDenied('P')).toBe(false);
    expect(gate.denyInboundEncryptedConnection(peer)).toBe(false);
  });
});
