// Address groups over multiaddr text (src-shared, no node:net), checked against Node's own IP
// parser, and the keyed hash the address book places entries with.
import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  isRelayedOnly,
  transportOf,
  isWebRtcAddr,
  isWebSocketAddr,
  AddressError,
  expandIPv6,
  isIPv4,
  multiaddrGroup,
  parseAddr,
} from '../../src-shared/net/address-group';
import { sipHash, sipKey } from '../../src-shared/net/siphash';
import { seededRng } from '../../src-shared/random';

describe('IP text without node:net', () => {
  it('agrees with node:net on which strings are IPv4 and IPv6 addresses', () => {
    const samples = [
      '1.2.3.4',
      '255.255.255.255',
      '0.0.0.0',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.04',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1..3.4',
      '-1.2.3.4',
      '::',
      '::1',
      '1::',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1::2',
      '1:2:3:4:5:6:7:8::',
      '::ffff:1.2.3.4',
      '::1.2.3.4',
      '1:2:3:4:5:6:1.2.3.4',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::ffff:1.2.3',
      '12345::1',
      'g::1',
      '2001:DB8::1',
      '',
      'localhost',
    ];
    // And random strings over the characters IPs are made of.
    const rng = seededRng(7);
    const alphabet = '0123456789abf.:';
    for (let i = 0; i < 10_000; i++) {
      let s = '';
      const len = 2 + rng.int(14);
      for (let k = 0; k < len; k++) s += alphabet[rng.int(alphabet.length)];
      samples.push(s);
    }
    for (const s of samples) {
      expect(isIPv4(s), s).toBe(nodeIsIPv4(s));
      expect(expandIPv6(s) !== null, s).toBe(nodeIsIPv6(s));
    }
  });

  it('expands IPv6 addresses to their eight groups', () => {
    expect(expandIPv6('2001:db8::1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(expandIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(expandIPv6('[fe80::1%eth0]')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe('the group of a multiaddr given as text', () => {
  it('groups IPv4 by /16 and IPv6 by /32, however the IPv6 address is written', () => {
    expect(multiaddrGroup('/ip4/100.64.3.7/tcp/4001')).toBe('ip4:100.64');
    expect(multiaddrGroup('/ip4/100.65.3.7/tcp/4001/ws')).toBe('ip4:100.65');
    expect(multiaddrGroup('/ip6/2001:db8::1/tcp/4001')).toBe('ip6:2001:db8');
    expect(multiaddrGroup('/ip6/2001:0DB8:0:0:0:0:0:1/tcp/4001/wss')).toBe('ip6:2001:db8');
    // Both spellings are one address: one key.
    const a = parseAddr('/ip6/2001:db8::1/tcp/1');
    const b = parseAddr('/ip6/2001:0DB8:0::1/tcp/1');
    expect(a).not.toBeInstanceOf(AddressError);
    expect((a as { key: string }).key).toBe((b as { key: string }).key);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(multiaddrGroup('/ip6/::ffff:198.51.100.4/tcp/1')).toBe('ip4:198.51');
  });

  it('puts a relayed address in its relay group', () => {
    const circuit = '/ip4/203.0.113.9/tcp/4001/p2p/QmRelay1/p2p-circuit';
    expect(multiaddrGroup(circuit)).toBe('ip4:203.0');
    expect(parseAddr(`${circuit}/p2p/QmTarget`)).toMatchObject({
      group: 'ip4:203.0',
      relay: 'QmRelay1',
      peerId: 'QmTarget',
    });
    expect(parseAddr('/ip4/203.0.113.9/tcp/4001/p2p/QmPeer')).toMatchObject({ peerId: 'QmPeer' });
  });

  it("takes a browser node's WebRTC address, signalled through a relay, in a group apart from the relay's", () => {
    const viaWs = '/ip4/203.0.113.9/tcp/4002/ws/p2p/QmRelay1/p2p-circuit/webrtc';
    // Its data does not go through the relay: it does not take one of the relay group's slots.
    expect(parseAddr(`${viaWs}/p2p/QmBrowser`)).toMatchObject({
      group: 'webrtc:ip4:203.0',
      relay: 'QmRelay1',
      peerId: 'QmBrowser',
    });
    // Another key than the plain relayed address of the same browser: both can be kept.
    const plain = parseAddr('/ip4/203.0.113.9/tcp/4002/ws/p2p/QmRelay1/p2p-circuit/p2p/QmBrowser');
    const webrtc = parseAddr(`${viaWs}/p2p/QmBrowser`);
    expect(plain).not.toBeInstanceOf(AddressError);
    expect(webrtc).not.toBeInstanceOf(AddressError);
    expect((plain as { key: string }).key).not.toBe((webrtc as { key: string }).key);
    expect((plain as { group: string }).group).toBe('ip4:203.0');
    expect(
      parseAddr(viaWs.replace('203.0.113.9', '127.0.0.1'), { allowLoopbackGroups: true }),
    ).toMatchObject({ group: null });
  });

  it('groups DNS names by their last two labels, so one domain is one group', () => {
    expect(multiaddrGroup('/dns4/Node.Example.com/tcp/1')).toBe('dns:example.com');
    expect(multiaddrGroup('/dns6/a.b.c.example.com/tcp/1')).toBe('dns:example.com');
    expect(multiaddrGroup('/dns/localhost/tcp/1')).toBe('dns:localhost');
    expect(multiaddrGroup('/dnsaddr/bootstrap.libp2p.io')).toBe('dns:libp2p.io');
  });

  it('groups loopback like any address unless a lab exempts it', () => {
    expect(multiaddrGroup('/ip4/127.0.0.1/tcp/1')).toBe('ip4:127.0');
    expect(multiaddrGroup('/ip4/127.0.0.1/tcp/1', { allowLoopbackGroups: true })).toBeNull();
    expect(multiaddrGroup('/ip6/::1/tcp/1', { allowLoopbackGroups: true })).toBeNull();
  });

  it('tells the transports an address needs from its text', () => {
    const relay = '/ip4/203.0.113.9/tcp/4002/ws/p2p/QmRelay1/p2p-circuit';
    expect(isWebRtcAddr(`${relay}/webrtc/p2p/QmB`)).toBe(true);
    expect(isWebRtcAddr('/ip4/1.2.3.4/udp/1/webrtc-direct')).toBe(true);
    expect(isWebRtcAddr('/ip4/1.2.3.4/tcp/1/ws/p2p/QmWebrtcish')).toBe(false);
    expect(isWebSocketAddr('/ip4/1.2.3.4/tcp/1/ws')).toBe(true);
    expect(isWebSocketAddr('/ip4/1.2.3.4/tcp/1/wss/p2p/QmA')).toBe(true);
    expect(isWebSocketAddr('/ip4/1.2.3.4/tcp/1/p2p/QmWsx')).toBe(false);
    // Through a relay reached by WebSockets: a browser can dial it.
    expect(isWebSocketAddr(`${relay}/webrtc/p2p/QmB`)).toBe(true);
    expect(isRelayedOnly(`${relay}/p2p/QmB`)).toBe(true);
    expect(isRelayedOnly(`${relay}/webrtc/p2p/QmB`)).toBe(false);
    expect(isRelayedOnly('/ip4/1.2.3.4/tcp/1')).toBe(false);
  });

  it('names what carries a connection from its remote address', () => {
    const relay = '/ip4/127.0.0.1/tcp/4002/ws/p2p/QmRelay1/p2p-circuit';
    // Signalled through the relay, carried by WebRTC: the relay in the address changes nothing.
    expect(transportOf(`${relay}/webrtc/p2p/QmB`)).toBe('webrtc');
    expect(transportOf(`${relay}/p2p/QmB`)).toBe('relayed');
    expect(transportOf('/ip4/127.0.0.1/tcp/4002/ws/p2p/QmA')).toBe('websockets');
    expect(transportOf('/ip4/127.0.0.1/tcp/4001/p2p/QmA')).toBe('tcp');
    expect(transportOf('/memory/x')).toBe('other');
  });

  it('refuses malformed text with an AddressError saying what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['', /does not start with/],
      ['ip4/1.2.3.4/tcp/1', /does not start with/],
      ['/ip4/256.1.1.1/tcp/1', /256\.1\.1\.1 is not an IPv4 address/],
      ['/ip4/01.2.3.4/tcp/1', /is not an IPv4 address/],
      ['/ip4/1.2.3.4', /no \/tcp\/PORT/],
      ['/ip4//tcp/1', /no value after \/ip4/],
      ['/ip4/1.2.3.4/tcp/0', /port 0 is not dialable/],
      ['/ip4/1.2.3.4/tcp/65536', /port 65536/],
      ['/ip4/1.2.3.4/tcp/', /empty port/],
      ['/ip4/1.2.3.4/udp/1', /no \/tcp\/PORT/],
      ['/ip4/1.2.3.4/tcp/1/quic', /\/quic is not understood/],
      ['/ip6/1::2::3/tcp/1', /not an IPv6 address/],
      ['/ip6/fe80::1%eth0/tcp/1', /not an IPv6 address/],
      ['/dns4/-bad-.com/tcp/1', /not a DNS name/],
      ['/unix/tmp/x.sock', /\/unix is not an address this node dials/],
      ['/ip4/1.2.3.4/tcp/1/p2p-circuit', /without the relay/],
      ['/ip4/1.2.3.4/tcp/1/p2p/', /empty id is not a peer id/],
      ['/ip4/1.2.3.4/tcp/1/p2p/a+b', /a\+b is not a peer id/],
      ['/ip4/1.2.3.4/tcp/1/p2p/A/p2p/B', /two \/p2p ids/],
      ['/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit/p2p/S/p2p-circuit', /two \/p2p-circuit/],
      ['/ip4/1.2.3.4/tcp/1/webrtc', /\/webrtc is not understood/],
      ['/ip4/1.2.3.4/tcp/1/p2p/R/webrtc', /\/webrtc is not understood/],
      ['/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit/webrtc/webrtc', /\/webrtc is not understood/],
      ['/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit/p2p/S/webrtc', /\/webrtc is not understood/],
      [`/dns4/${'a'.repeat(260)}/tcp/1`, /longer than 256/],
    ];
    for (const [text, reason] of bad) {
      const result = parseAddr(text);
      expect(result, text).toBeInstanceOf(AddressError);
      const err = result as AddressError;
      expect(err.addr).toBe(text);
      expect(err.reason, text).toMatch(reason);
      expect(err.message).not.toContain('\n');
      expect(() => multiaddrGroup(text)).toThrow(AddressError);
    }
    // Whatever the text holds, the message stays one printable line.
    const nasty = parseAddr('/ip4/1.2.3.4\n\u2028\u001b[31m/tcp/1') as AddressError;
    expect(nasty.reason).toMatch(/is not an IPv4 address/);
    // eslint-disable-next-line no-control-regex
    expect(nasty.message).not.toMatch(/[\u0000-\u001f\u2028]/);
  });
});

describe('SipHash-2-4', () => {
  it('gives the reference test vectors (key 00..0f, message 00..n-1)', () => {
    // From the SipHash paper's appendix and the reference implementation's vectors.h.
    const key = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i));
    const hash = (n: number) => {
      const [hi, lo] = sipHash(
        key,
        Uint8Array.from({ length: n }, (_, i) => i),
      );
      return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    };
    expect(hash(0)).toBe('726fdb47dd0e0e31');
    expect(hash(1)).toBe('74f839c593dc67fd');
    expect(hash(15)).toBe('a129ca6149be45e5');
    expect(hash(63)).toBe('958a324ceb064572');
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => sipKey(new Uint8Array(15))).toThrow(RangeError);
  });
});
