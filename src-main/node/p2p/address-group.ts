import { isIPv4, isIPv6 } from 'node:net';
import type { Multiaddr } from '@multiformats/multiaddr';

/*
 * Address groups for peer-selection diversity, after Bitcoin's address manager (Heilman et al.,
 * "Eclipse Attacks on Bitcoin's Peer-to-Peer Network", 2015): an attacker can cheaply hold many
 * addresses in one network, rarely in many. Grouping peers by network and capping outbound peers
 * per group bounds how many of a node's chosen peers one party can be. Pure functions, no I/O.
 */

export interface GroupOptions {
  /**
   * Loopback labs: every node is on 127.0.0.1, so /16 grouping would put the whole lab in one
   * group. When true, loopback addresses (127.0.0.0/8, ::1) are exempt from the limit (their
   * group is null). When false they are grouped like any other address, so a lab can still study
   * diversity by listening on 127.A.0.1 for different A (Linux routes all of 127/8 to lo).
   */
  readonly allowLoopbackGroups: boolean;
}

/** The eight 16-bit groups of an IPv6 address, or null if it is not one. */
export function expandIPv6(address: string): number[] | null {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(ip)) return null;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups (::ffff:102:304).
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [((+a << 8) | +b).toString(16), ((+c << 8) | +d).toString(16)].join(':'),
  );
  const halves = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const head = parse(halves[0] ?? '');
  const rest = halves.length > 1 ? parse(halves[1] ?? '') : [];
  const fill = 8 - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The group of an IP address: its /16 for IPv4 (`ip4:203.0`), its /32 prefix for IPv6
 * (`ip6:2001:db8`); IPv4-mapped IPv6 addresses count as the IPv4 address. Null when the address is
 * exempt (loopback with `allowLoopbackGroups`). Anything that is not an IP is its own group.
 */
export function ipGroup(address: string, options: GroupOptions): string | null {
  if (isIPv4(address)) {
    const [a, b] = address.split('.');
    if (a === '127' && options.allowLoopbackGroups) return null;
    return `ip4:${a}.${b}`;
  }
  const g = expandIPv6(address);
  if (g === null) return `host:${address.toLowerCase()}`;
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  if (mapped) {
    const v4 = `${(g[6]! >> 8) & 255}.${g[6]! & 255}.${(g[7]! >> 8) & 255}.${g[7]! & 255}`;
    return ipGroup(v4, options);
  }
  const loopback = g.slice(0, 7).every((x) => x === 0) && g[7] === 1;
  if (loopback && options.allowLoopbackGroups) return null;
  return `ip6:${g[0]!.toString(16)}:${g[1]!.toString(16)}`;
}

/** The group of a multiaddr's network address (`/ip4/...`, `/ip6/...`, `/dns*`), see ipGroup. */
export function addressGroup(ma: Multiaddr, options: GroupOptions): string | null {
  for (const c of ma.getComponents()) {
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined)
      return ipGroup(c.value, options);
    if (c.name.startsWith('dns') && c.value !== undefined) return `host:${c.value.toLowerCase()}`;
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
