import type { Multiaddr } from '@multiformats/multiaddr';
import { dnsGroup, ipGroup, type GroupOptions } from './address-group';

/*
 * Address groups for the libp2p host, over parsed multiaddrs. The grouping itself (IPv4 /16,
 * IPv6 /32, loopback exemption) lives in src-shared/net/address-group.ts, where the address book
 * uses it too; it is re-exported here so there is one implementation.
 */

export { expandIPv6, ipGroup, type GroupOptions } from './address-group';

/** The group of a multiaddr's network address (`/ip4/...`, `/ip6/...`, `/dns*`), see ipGroup. */
export function addressGroup(ma: Multiaddr, options: GroupOptions): string | null {
  const components = ma.getComponents();
  // WebRTC signalled through a relay: apart from the relay's group, as parseAddr says why.
  if (components.some((c) => c.name === 'webrtc')) {
    const relayGroup = addressGroup(
      ma.decapsulateCode(components.find((c) => c.name === 'webrtc')!.code),
      options,
    );
    return relayGroup === null ? null : `webrtc:${relayGroup}`;
  }
  for (const c of components) {
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined)
      return ipGroup(c.value, options);
    if (c.name.startsWith('dns') && c.value !== undefined) return dnsGroup(c.value.toLowerCase());
  }
  return 'other';
}

/** The remote peer id named by a multiaddr's last /p2p component, if any. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
}

/**
 * The gating decision, for outbound peers per group and inbound connections per host alike: is
 * `key`'s share of the slots already taken (one entry per peer or connection) at `max`? An exempt
 * key (null) never is.
 */
export function limitReached(
  key: string | null,
  taken: Iterable<string | null>,
  max: number,
): boolean {
  if (key === null) return false;
  let n = 0;
  for (const k of taken) if (k === key) n++;
  return n >= max;
}

/**
 * The host a multiaddr names, as inbound limits count it: the IP (IPv4-mapped IPv6 as IPv4) or
 * DNS name; null for a loopback address under `allowLoopbackGroups` (exempt, as for groups).
 */
export function inboundHost(ma: Multiaddr, options: GroupOptions): string | null {
  if (addressGroup(ma, options) === null) return null;
  for (const c of ma.getComponents())
    if ((c.name === 'ip4' || c.name === 'ip6' || c.name.startsWith('dns')) && c.value !== undefined)
      return c.value.toLowerCase();
  return 'other';
}
