/*
 * Address groups for peer-selection diversity, after Bitcoin's address manager (Heilman et al.,
 * "Eclipse Attacks on Bitcoin's Peer-to-Peer Network", 2015): an attacker can cheaply hold many
 * addresses in one network, rarely in many. Grouping addresses by network and capping what one
 * group may take (outbound peers, address-book entries) bounds how much of a node one party can
 * reach. Pure functions over text: no Node built-ins, no multiaddr library, so the address book
 * and the renderer can use them too.
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

const STRICT: GroupOptions = Object.freeze({ allowLoopbackGroups: false });

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted decimal, four octets, no leading zeros (`010` could mean octal to some parsers). */
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Whether `address` is an IPv4 address in dotted-decimal form. */
export function isIPv4(address: string): boolean {
  return address.length <= 15 && IPV4.test(address);
}

/**
 * The eight 16-bit groups of an IPv6 address, or null if it is not one. Brackets and a zone
 * (`%eth0`) are ignored; an embedded IPv4 tail (`::ffff:1.2.3.4`) gives the last two groups.
 */
export function expandIPv6(address: string): number[] | null {
  if (address.length > 100) return null;
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ip.includes(':') || ip.length > 45) return null;
  let text = ip;
  let tail: number[] = [];
  const lastColon = ip.lastIndexOf(':');
  const last = ip.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return null;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    tail = [(a << 8) | b, (c << 8) | d];
    // Keep a '::' that ends right before the IPv4 tail ("::1.2.3.4", "::ffff:1.2.3.4").
    text = ip.endsWith(`::${last}`) ? ip.slice(0, lastColon + 1) : ip.slice(0, lastColon);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    return groups.every((h) => HEX_GROUP.test(h)) ? groups.map((h) => parseInt(h, 16)) : null;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length > 1 ? parse(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  const given = head.length + rest.length + tail.length;
  const fill = 8 - given;
  // '::' stands for at least one zero group; without it all eight must be written.
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
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

/** Why a multiaddr's text was refused. One line, naming the address (cut to 80 characters). */
export class AddressError extends Error {
  override readonly name = 'AddressError';
  constructor(
    /** The text as given. */
    readonly addr: string,
    /** What is wrong with it, e.g. "port 0 is not dialable". */
    readonly reason: string,
  ) {
    const shown = addr.length > 80 ? `${addr.slice(0, 77)}...` : addr;
    // A peer's text can hold anything: escape what would break the line or fool a terminal.
    super(escapeControls(`address ${JSON.stringify(shown)}: ${reason.slice(0, 200)}`));
  }
}

function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The longest multiaddr text accepted anywhere (the address book's bound on strings). */
export const MAX_ADDR_LENGTH = 256;

/** What a dialable multiaddr's text says, as far as grouping and the address book care. */
export interface ParsedAddr {
  /** The address group (see ipGroup; DNS names by their last two labels), null when exempt. */
  readonly group: string | null;
  /**
   * The same address in one spelling (IPv6 fully expanded, names lower-cased), so that two
   * spellings of one address are one entry.
   */
  readonly key: string;
  /** The peer id of a final `/p2p/<id>` (the addressed peer), if the text carries one. */
  readonly peerId?: string;
  /** The relay's peer id for a circuit address (`.../p2p/RELAY/p2p-circuit`). */
  readonly relay?: string;
}

const PEER_ID = /^[A-Za-z0-9]{1,128}$/;
const PORT = /^[1-9]\d{0,4}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS name's group: its last two labels, since whoever holds a domain has every name under it. */
export function dnsGroup(name: string): string {
  return `dns:${name.split('.').slice(-2).join('.')}`;
}

/**
 * Reads a multiaddr's text strictly: `/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT` with an optional
 * `/ws` or `/wss`, or `/dnsaddr/NAME`; then optionally `/p2p/RELAY/p2p-circuit` (a relayed
 * address, grouped as its relay) and a final `/p2p/ID`. Anything else is refused: the book only
 * keeps what this node can dial. Returns the parsed address or an AddressError (not thrown:
 * a flood of bad entries should not cost a stack trace each).
 */
export function parseAddr(text: string, options: GroupOptions = STRICT): ParsedAddr | AddressError {
  const fail = (reason: string) => new AddressError(String(text), reason);
  if (typeof text !== 'string') return fail('is not text');
  if (text.length > MAX_ADDR_LENGTH) return fail(`is longer than ${MAX_ADDR_LENGTH} characters`);
  if (!text.startsWith('/')) return fail('does not start with "/"');
  const parts = text.slice(1).split('/');
  let i = 0;
  const next = (): string | undefined => parts[i++];
  const proto = next();
  const host = next();
  if (host === undefined || host === '') return fail(`has no value after /${proto}`);
  let group: string | null;
  let hostKey: string;
  switch (proto) {
    case 'ip4':
      if (!isIPv4(host)) return fail(`${host} is not an IPv4 address`);
      group = ipGroup(host, options);
      hostKey = host;
      break;
    case 'ip6': {
      // A zone is local to one machine: meaningless to the peer told the address.
      const g = host.includes('%') ? null : expandIPv6(host);
      if (g === null) return fail(`${host} is not an IPv6 address`);
      hostKey = g.map((x) => x.toString(16)).join(':');
      group = ipGroup(hostKey, options);
      break;
    }
    case 'dns':
    case 'dns4':
    case 'dns6':
    case 'dnsaddr': {
      const name = host.toLowerCase();
      if (name.length > 253 || !name.split('.').every((l) => DNS_LABEL.test(l)))
        return fail(`${host} is not a DNS name`);
      group = dnsGroup(name);
      hostKey = name;
      break;
    }
    default:
      return fail(
        `/${proto} is not an address this node dials (ip4, ip6, dns, dns4, dns6, dnsaddr)`,
      );
  }
  const key: string[] = [proto, hostKey];
  if (proto !== 'dnsaddr') {
    if (next() !== 'tcp') return fail('has no /tcp/PORT after the host');
    const port = next() ?? '';
    if (!PORT.test(port) || Number(port) > 65535)
      return fail(`${port === '' ? 'an empty port' : `port ${port}`} is not dialable`);
    key.push('tcp', port);
    if (parts[i] === 'ws' || parts[i] === 'wss') key.push(next()!);
  }
  let peerId: string | undefined;
  let relay: string | undefined;
  while (i < parts.length) {
    const p = next();
    if (p === 'p2p') {
      const id = next() ?? '';
      if (!PEER_ID.test(id)) return fail(`${id === '' ? 'an empty id' : id} is not a peer id`);
      if (peerId !== undefined) return fail('has two /p2p ids in a row');
      peerId = id;
      key.push('p2p', id);
    } else if (p === 'p2p-circuit') {
      if (relay !== undefined) return fail('has two /p2p-circuit hops');
      if (peerId === undefined)
        return fail("has /p2p-circuit without the relay's /p2p/ID before it");
      relay = peerId;
      peerId = undefined;
      key.push(p);
    } else if (p === 'webrtc' && relay !== undefined && peerId === undefined && !key.includes(p)) {
      // A browser node: the relay carries the WebRTC signalling, the data then goes directly.
      key.push(p);
    } else return fail(`/${p} is not understood here`);
  }
  return {
    // A browser reached by WebRTC talks to this node directly, not through its relay: it counts
    // apart from the relay's own group (and from the peers relayed by it), or a browser on a home
    // network, whose desktop nodes fill that network's group, could never link to another browser.
    group: group !== null && key.includes('webrtc') ? `webrtc:${group}` : group,
    key: `/${key.join('/')}`,
    ...(peerId ? { peerId } : {}),
    ...(relay ? { relay } : {}),
  };
}

/**
 * The group of a multiaddr given as text: the group of its host (for a relayed address, its
 * relay's), null when exempt. Throws an AddressError when the text is not a dialable multiaddr.
 */
export function multiaddrGroup(text: string, options: GroupOptions = STRICT): string | null {
  const parsed = parseAddr(text, options);
  if (parsed instanceof AddressError) throw parsed;
  return parsed.group;
}

/**
 * Whether a multiaddr's text names WebRTC (`/webrtc`, `/webrtc-direct`): a browser's address,
 * which only a node with a WebRTC transport can dial.
 */
export function isWebRtcAddr(addr: string): boolean {
  return /\/webrtc(-direct)?(\/|$)/.test(addr);
}

/**
 * Whether it names WebSockets (`/ws`, `/wss`): what a browser can dial. For a relayed address this
 * is the relay's transport, since it comes first.
 */
export function isWebSocketAddr(addr: string): boolean {
  return /\/wss?(\/|$)/.test(addr);
}

/** Whether it goes through a relay (`/p2p-circuit`) without WebRTC: every frame then crosses it. */
export function isRelayedOnly(addr: string): boolean {
  return addr.includes('/p2p-circuit') && !isWebRtcAddr(addr);
}

export type Transport = 'webrtc' | 'websockets' | 'relayed' | 'tcp' | 'other';

/**
 * What carries a connection, read off its remote address (a drift session's, a connection's). A
 * WebRTC connection signalled through a relay keeps the relay in its address but carries its data
 * directly; a plain relayed one goes through the relay.
 */
export function transportOf(addr: string): Transport {
  if (isWebRtcAddr(addr)) return 'webrtc';
  if (addr.includes('/p2p-circuit')) return 'relayed';
  if (isWebSocketAddr(addr)) return 'websockets';
  if (addr.includes('/tcp/')) return 'tcp';
  return 'other';
}
