import type { Connection, ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import {
  addressGroup,
  inboundHost,
  limitReached,
  peerIdOf,
  type GroupOptions,
} from './multiaddr-group';

/*
 * The host's connection gater: peer-selection diversity for outbound peers, a deny list with
 * expiry that the drift protocol fills when a peer keeps sending bad frames, and the cut set a
 * lab's partition gives it.
 *
 * Diversity is checked twice: before dialling an address (no socket is opened for a full group),
 * and once the connection is upgraded and the remote peer is known, counting the outbound peers
 * already open plus those admitted a moment ago whose connection is not registered yet, so two
 * dials racing into one group cannot both pass.
 */

export interface DiversityOptions extends GroupOptions {
  /** Outbound peers allowed per address group (IPv4 /16, IPv6 /32). */
  readonly maxOutboundPerGroup: number;
  /** Inbound connections allowed from one host (IP address), so no host takes every slot. */
  readonly maxInboundPerHost: number;
  /**
   * Connections from a host at its share that are still let in, for a short visit that the
   * inbound evictor ends (0: none, the share is a hard limit). See InboundEvictor.
   */
  readonly inboundVisitors?: number;
}

/** Denied peers remembered at most; the one whose ban ends first is forgotten first. */
const MAX_DENIED = 4096;
/** How long an admitted outbound peer holds its group slot before its connection shows up. */
const PENDING_MS = 30_000;

export class PeerGate implements ConnectionGater {
  private readonly denied = new Map<string, number>();
  private cut: ReadonlySet<string> = new Set();
  private readonly pending = new Map<string, { group: string | null; until: number }>();
  private connections: () => readonly Connection[] = () => [];

  constructor(
    readonly options: DiversityOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Gives the gater the host's live connections (the host exists only after the gater). */
  attach(connections: () => readonly Connection[]): void {
    this.connections = connections;
  }

  /** Refuses every connection with `peerId` for `ms` milliseconds. */
  deny(peerId: string, ms: number): void {
    this.denied.delete(peerId);
    this.denied.set(peerId, this.now() + ms);
    if (this.denied.size > MAX_DENIED) {
      let soonest: string | undefined;
      let until = Infinity;
      for (const [id, t] of this.denied) if (t < until) [soonest, until] = [id, t];
      if (soonest !== undefined) this.denied.delete(soonest);
    }
  }

  /**
   * Refuses every connection with these peers until the next call (a lab's partition): kept
   * apart from the deny list, so a heal does not pardon a peer banned for bad frames.
   */
  setCut(peerIds: Iterable<string>): void {
    this.cut = new Set(peerIds);
  }

  isCut(peerId: string): boolean {
    return this.cut.has(peerId);
  }

  isDenied(peerId: string): boolean {
    if (this.cut.has(peerId)) return true;
    const until = this.denied.get(peerId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.denied.delete(peerId);
    return false;
  }

  /** The group of every outbound peer: open connections and recently admitted ones. */
  outboundGroups(except?: string): Map<string, string | null> {
    const groups = new Map<string, string | null>();
    const t = this.now();
    for (const [peer, p] of this.pending) {
      if (p.until <= t) this.pending.delete(peer);
      else if (peer !== except) groups.set(peer, p.group);
    }
    for (const c of this.connections()) {
      const peer = c.remotePeer.toString();
      if (c.direction === 'outbound' && c.status === 'open' && peer !== except) {
        groups.set(peer, addressGroup(c.remoteAddr, this.options));
        this.pending.delete(peer);
      }
    }
    return groups;
  }

  private groupFull(peer: string | undefined, addr: Multiaddr): boolean {
    const group = addressGroup(addr, this.options);
    const others = this.outboundGroups(peer).values();
    return limitReached(group, others, this.options.maxOutboundPerGroup);
  }

  denyDialPeer(peerId: PeerId): boolean {
    return this.isDenied(peerId.toString());
  }

  denyDialMultiaddr(multiaddr: Multiaddr): boolean {
    const peer = peerIdOf(multiaddr);
    if (peer !== undefined && this.isDenied(peer)) return true;
    return this.groupFull(peer, multiaddr);
  }

  denyInboundConnection(maConn: MultiaddrConnection): boolean {
    const host = inboundHost(maConn.remoteAddr, this.options);
    const open = this.connections()
      .filter((c) => c.direction === 'inbound' && c.status === 'open')
      .map((c) => inboundHost(c.remoteAddr, this.options));
    const cap = this.options.maxInboundPerHost + (this.options.inboundVisitors ?? 0);
    return limitReached(host, open, cap);
  }

  denyInboundEncryptedConnection(peerId: PeerId): boolean {
    return this.isDenied(peerId.toString());
  }

  denyOutboundEncryptedConnection(peerId: PeerId): boolean {
    return this.isDenied(peerId.toString());
  }

  denyOutboundUpgradedConnection(peerId: PeerId, maConn: MultiaddrConnection): boolean {
    const peer = peerId.toString();
    if (this.isDenied(peer) || this.groupFull(peer, maConn.remoteAddr)) return true;
    const group = addressGroup(maConn.remoteAddr, this.options);
    this.pending.set(peer, { group, until: this.now() + PENDING_MS });
    maConn.addEventListener('close', () => this.pending.delete(peer), { once: true });
    return false;
  }
}
