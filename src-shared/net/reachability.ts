import { isPrivate } from '@libp2p/utils';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { NetworkView, Reachability } from '../api/node-api';
import type { PeerManagerStatus } from './peer-manager';

/*
 * What a node tells its user about its place in the network: can others dial it, which addresses
 * to hand out, and, when it has no peers, what it is doing about that. libp2p advertises an
 * observed public address only once it is confirmed (AutoNAT, UPnP), and a relayed address only
 * once a relay holds a reservation for this node, so both are read off the advertised addresses.
 */

/** Whether an advertised address is a direct one on a public IP. */
export function isPublicDirect(ma: Multiaddr): boolean {
  const text = ma.toString();
  if (text.includes('/p2p-circuit')) return false;
  if (!/^\/ip[46]\//.test(text)) return false;
  return isPrivate(ma) === false;
}

/** Reachability from the addresses libp2p advertises (only confirmed ones are advertised). */
export function reachability(advertised: readonly Multiaddr[]): Reachability {
  if (advertised.some(isPublicDirect)) return 'public';
  if (advertised.some((ma) => ma.toString().includes('/p2p-circuit'))) return 'relayed';
  return 'private';
}

/** Whether others can dial these advertised addresses, and which of them to share. */
export function reachabilityOf(addrs: readonly Multiaddr[]): {
  reachability: Reachability;
  shareable: string[];
} {
  const open = addrs.filter(isPublicDirect).map(String);
  const relayed = addrs.filter((a) => a.toString().includes('/p2p-circuit')).map(String);
  return { reachability: reachability(addrs), shareable: [...open, ...relayed] };
}

/** One sentence on what the peer manager is doing, for the status line and the monitor. */
export function activityOf(s: PeerManagerStatus, targetOutbound: number, now: number): string {
  if (s.outbound + s.inbound > 0) {
    const dialling = s.dialling > 0 ? `, dialling ${s.dialling}` : '';
    return `${s.outbound} of ${targetOutbound} outbound, ${s.inbound} inbound${dialling}`;
  }
  if (s.dialling > 0) return `dialling ${s.dialling} of ${plural(s.known, 'known address')}`;
  if (s.nextTryAt !== null)
    return `${plural(s.known, 'known address')}, next try in ${Math.max(1, Math.ceil((s.nextTryAt - now) / 1000))} s`;
  if (s.known === 0) return 'no known addresses: give --bootstrap, or wait to be dialled';
  return `${plural(s.known, 'known address')}, about to dial`;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : what.endsWith('s') ? 'es' : 's'}`;
}

/** The network part of a node's status. */
export function networkView(
  addrs: readonly Multiaddr[],
  s: PeerManagerStatus,
  targetOutbound: number,
  now: number,
): NetworkView {
  return {
    ...reachabilityOf(addrs),
    outbound: s.outbound,
    inbound: s.inbound,
    peersByGroup: s.peersByGroup,
    book: s.book,
    activity: activityOf(s, targetOutbound, now),
  };
}
