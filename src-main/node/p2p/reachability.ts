import type { Multiaddr } from '@multiformats/multiaddr';
import { isPrivate } from '@libp2p/utils';
import type { NetworkView, Reachability } from '../../../src-shared/api/node-api';
import type { PeerManagerStatus } from './peer-manager';

/*
 * What a node tells its user about its place in the network: can others dial it, which addresses
 * to hand out, and, when it has no peers, what it is doing about that. libp2p lists an observed
 * public address only once it has been confirmed (AutoNAT), and a relayed address only once a
 * relay holds a reservation for this node, so both can be read off the host's addresses.
 */

function isRelayed(ma: Multiaddr): boolean {
  return ma.getComponents().some((c) => c.name === 'p2p-circuit');
}

/** Whether others can dial these listening addresses, and which of them to share. */
export function reachabilityOf(addrs: readonly Multiaddr[]): {
  reachability: Reachability;
  shareable: string[];
} {
  const relayed = addrs.filter(isRelayed).map(String);
  const direct = addrs.filter((a) => !isRelayed(a));
  const open = direct.filter((a) => isPrivate(a) === false).map(String);
  const reachability: Reachability =
    open.length > 0
      ? 'direct'
      : relayed.length > 0
        ? 'relayed'
        : direct.length > 0
          ? 'local'
          : 'unknown';
  return { reachability, shareable: [...open, ...relayed] };
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
