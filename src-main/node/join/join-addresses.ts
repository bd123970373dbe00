import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { multiaddr } from '@multiformats/multiaddr';

/*
 * What the join page tells a browser, and where a person points a phone: pure functions over
 * the node's addresses, the Host header a browser sent and this machine's interfaces.
 */

/** The most addresses join.json lists: a browser dials them in turn, and a few suffice. */
export const MAX_JOIN_ADDRESSES = 16;

/**
 * The node's WebSocket addresses a browser that asked through `hostHeader` should dial, best
 * first. Only direct `/ws` and `/wss` addresses that end in `/p2p/<peer id>` (a browser opens no
 * TCP socket, and a relayed address needs a relay the page does not have yet). An address on the
 * IP the browser used comes first: a phone that reached the page at 192.168.1.5 can reach the
 * node's WebSocket there too, while the node's other interfaces may be networks it is not on.
 * Loopback addresses go only to a browser on this machine: to anyone else they name their own
 * device, where a dial fails at best.
 */
export function joinAddresses(
  addresses: readonly string[],
  hostHeader: string | undefined,
  requesterIsLoopback: boolean,
): string[] {
  const name = hostnameOf(hostHeader);
  // A browser on this machine may have used the name; the node's addresses carry the number.
  const asked = name === 'localhost' ? '127.0.0.1' : name;
  const usable: { text: string; ip: string }[] = [];
  for (const text of addresses) {
    const ws = webSocketAddress(text);
    if (ws === null) continue;
    if (!requesterIsLoopback && isLoopbackHost(ws.host)) continue;
    usable.push({ text, ip: ws.host });
  }
  const first = usable.filter((a) => asked !== null && a.ip === asked);
  const rest = usable.filter((a) => !(asked !== null && a.ip === asked));
  return [...first, ...rest].slice(0, MAX_JOIN_ADDRESSES).map((a) => a.text);
}

/**
 * The host of a direct WebSocket multiaddr ending in /p2p/<id>, or null for anything else
 * (TCP, relayed, malformed). `/ip4/192.168.1.5/tcp/4002/ws/p2p/12D3...` -> 192.168.1.5.
 */
export function webSocketAddress(text: string): { host: string } | null {
  let parts: { name: string; value?: string | undefined }[];
  try {
    parts = multiaddr(text).getComponents();
  } catch {
    return null;
  }
  const names = parts.map((p) => p.name);
  const [network, transport] = names;
  if (!['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(network ?? '') || transport !== 'tcp')
    return null;
  if (names.includes('p2p-circuit') || names.at(-1) !== 'p2p') return null;
  const middle = names.slice(2, -1).join('/');
  if (middle !== 'ws' && middle !== 'wss' && middle !== 'tls/ws') return null;
  return { host: (parts[0]!.value ?? '').toLowerCase() };
}

/** The hostname of a Host header, brackets of an IPv6 literal removed; null if it is not one. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (hostHeader === undefined || hostHeader.length === 0 || hostHeader.length > 300) return null;
  try {
    const name = new URL(`http://${hostHeader}`).hostname;
    return (name.startsWith('[') ? name.slice(1, -1) : name).toLowerCase();
  } catch {
    return null;
  }
}

/** Whether an IP address (or the name localhost) is this machine's own loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return h === 'localhost' || h.endsWith('.localhost');
}

/** An interface address as os.networkInterfaces() gives it. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly internal: boolean;
}

/**
 * The join page's URLs for a listener on `host`:`port`, one per address a device elsewhere can
 * open. Bound to every address (0.0.0.0, or ::), each non-internal IPv4 interface (and, for ::,
 * each global IPv6 one: a link-local one would need its zone, which no URL bar takes); with
 * none, 127.0.0.1. Bound to one address, that address.
 */
export function joinUrls(
  host: string,
  port: number,
  interfaces: readonly InterfaceAddress[] = localInterfaces(),
): string[] {
  const url = (ip: string) => `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/`;
  if (host !== '0.0.0.0' && host !== '::') return [url(host)];
  const outside = interfaces.filter((i) => !i.internal);
  const v4 = outside.filter((i) => i.family === 'IPv4').map((i) => i.address);
  const v6 =
    host === '::'
      ? outside
          .filter((i) => i.family === 'IPv6' && !i.address.toLowerCase().startsWith('fe80:'))
          .map((i) => i.address)
      : [];
  const all = [...new Set([...v4, ...v6])];
  return all.length > 0 ? all.map(url) : [url('127.0.0.1')];
}

function localInterfaces(): InterfaceAddress[] {
  return Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => ({ address: i.address, family: i.family, internal: i.internal })),
  );
}
