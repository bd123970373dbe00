import type { Connection, Libp2p } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { AddressError, isRelayedOnly, isWebRtcAddr } from './address-group';
import {
  withPeerId,
  splitPeerAddress,
  type AddressBook,
  type BookEntry,
  type PeerAddress,
} from './address-book';
import { PEX_MAX_ADDRS } from '../protocol/peer-exchange';
import { addressGroup, peerIdOf, type GroupOptions } from './multiaddr-group';
import { DialBook } from './dial-book';
import type { PeerExchange } from '../protocol/pex-protocol';
import { errorMessage } from '../error-message';
import { unrefTimer } from '../timers';

/*
 * The peer manager keeps a personal node in a swarm (docs/network.md): it fills the outbound
 * slots from the bootstrap list and the address book, at most `maxOutboundPerGroup` per address
 * group, replaces peers that go, dials the bootstrap addresses and known peers again with a
 * doubling wait after each failure, and feeds the book by peer exchange.
 *
 * A bootstrap address may name no peer id: the id is learned in the handshake, so a list of
 * addresses stays valid while the nodes behind them restart with fresh keys. The book is dialled
 * by address for the same reason; only a relayed address needs its target's id.
 */

export interface PeerManagerOptions {
  readonly libp2p: Libp2p;
  readonly book: AddressBook;
  readonly exchange: PeerExchange;
  /** Multiaddr texts, with or without /p2p/<id>; dialled whenever they are not connected. */
  readonly bootstrap?: readonly string[];
  /** Outbound peers to keep (default 8). */
  readonly targetOutbound?: number;
  readonly maxOutboundPerGroup?: number;
  readonly groups: GroupOptions;
  /** The groups of the outbound peers open or just admitted (the gater's view). */
  readonly outboundGroups: () => Map<string, string | null>;
  /** How often the slots are checked (default 1 s). */
  readonly tickMs?: number;
  /** Ask one peer for addresses this often (default 2 min), and every new peer once. */
  readonly exchangeEveryMs?: number;
  /** Dials under way at most (default 4). */
  readonly maxDialsInFlight?: number;
  /** The wait after a first failure; it doubles with each (default 1 s, at most `maxWaitMs`). */
  readonly retryBaseMs?: number;
  readonly maxWaitMs?: number;
  readonly rng?: () => number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /**
   * Whether this node's transports can dial an address (its text, as the book keeps it): a
   * desktop node has no WebRTC, a browser node no TCP. Others are kept and passed on to peers
   * that ask, but never dialled here (default: every address).
   */
  readonly dialable?: (addr: string) => boolean;
}

/**
 * While outbound slots are empty, a peer is asked for addresses every HUNGRY_MIN_MS; each of
 * these asks whose answer adds nothing new doubles the wait, up to HUNGRY_MAX_MS, and any answer
 * that adds an address brings it back. A growing swarm keeps being learned; a small one whose
 * members all know each other is asked rarely (asked every second, it cost each node about 8 KB a
 * minute in answers). The answers to the question every new peer is asked do not lengthen the
 * wait: in a swarm that is still forming, the first peers know little yet, and three such answers
 * once left a newcomer waiting 2 minutes to ask again while its slots stayed empty.
 */
const HUNGRY_MIN_MS = 15_000;
const HUNGRY_MAX_MS = 5 * 60_000;
/** A peer is asked at most this often (twice the interval its answering side enforces). */
const REASK_MS = 60_000;
/**
 * An outbound connection the peer closes within SHORT_LIVED_MS says "not you, not now": a full
 * node's visit (inbound-eviction.ts: 10 s for a newcomer from a crowded address, as every node
 * behind one NAT or carrier-grade NAT is), or an eviction. Dialled again after the usual second
 * it would be let in and closed again, each round a handshake, identify and a peer-exchange
 * answer both ways (measured behind NAT in a 40-node swarm: 8 such rounds a minute, about 20 KB).
 * A short connection may also be a peer that crashed or restarted, which should be dialled again
 * at once; a restarted node answers with a fresh key. So the second short connection in a row to
 * the same peer at one address makes the address wait, from 2 x SHORT_LIVED_WAIT_MS doubling to
 * SHORT_LIVED_MAX_WAIT_MS, while other addresses fill the slot. A connection that lasts clears
 * the count.
 */
const SHORT_LIVED_MS = 20_000;
const SHORT_LIVED_WAIT_MS = 5_000;
const SHORT_LIVED_MAX_WAIT_MS = 10 * 60_000;
/** Dial keys whose short connections are counted at most (the oldest is forgotten first). */
const MAX_SHORT_LIVED_KEYS = 4096;

export const PEER_MANAGER_DEFAULTS = {
  targetOutbound: 8,
  maxOutboundPerGroup: 2,
  tickMs: 1000,
  exchangeEveryMs: 120_000,
  maxDialsInFlight: 4,
  retryBaseMs: 1000,
  maxWaitMs: 30_000,
} as const;

/** What the peer manager is doing, for `lvs node`'s status and the monitor. */
export interface PeerManagerStatus {
  readonly outbound: number;
  readonly inbound: number;
  readonly dialling: number;
  readonly book: { readonly new: number; readonly tried: number };
  readonly bootstrap: number;
  /** Addresses that may be dialled (bootstrap and book) once their wait is over. */
  readonly known: number;
  /** When the next dial may start, if every known address is waiting (ms since the epoch). */
  readonly nextTryAt: number | null;
  /** Open connections by address group (`ip4:203.0`, `relay`, ...). */
  readonly peersByGroup: Readonly<Record<string, number>>;
}

interface Bootstrap {
  readonly text: string;
  readonly ma: Multiaddr;
  /** The id it answered with last (it changes when the node behind it restarts). */
  peerId: string | undefined;
}

/** The multiaddr to dial for a book entry: by address alone, except a relayed one. */
export function dialAddress(e: PeerAddress): Multiaddr | undefined {
  const relayed = e.addr.includes('/p2p-circuit');
  if (relayed && e.peerId === undefined) return undefined;
  return multiaddr(relayed ? withPeerId(e) : e.addr);
}

function ipOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((c) => c.name === 'ip4' || c.name === 'ip6')?.value;
}

function isLoopback(ma: Multiaddr): boolean {
  const ip = ipOf(ma);
  return ip !== undefined && (ip.startsWith('127.') || ip === '::1');
}

function isLinkLocal(ma: Multiaddr): boolean {
  const ip = ipOf(ma)?.toLowerCase();
  return ip !== undefined && (ip.startsWith('169.254.') || ip.startsWith('fe80'));
}

export class PeerManager {
  private readonly o: Required<Omit<PeerManagerOptions, 'log' | 'bootstrap'>>;
  private readonly log: (line: string) => void;
  private readonly bootstrap: Bootstrap[];
  private readonly dials: DialBook;
  /** Groups of the dials under way, by dial key. */
  private readonly dialling = new Map<string, string | null>();
  /** The outbound connections this manager made, by connection id: its dial key and when. */
  private readonly made = new Map<string, { key: string; at: number }>();
  /** Short connections in a row to one peer, by dial key (cleared by one that lasts). */
  private readonly shortLived = new Map<string, { peer: string; inARow: number }>();
  /** When each peer was last asked for addresses. */
  private readonly askedAt = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastExchange = 0;
  private hungryWaitMs = HUNGRY_MIN_MS;
  /** Addresses the book has taken from answers since start (tells a hungry ask's worth). */
  private addedTotal = 0;
  private changed = false;
  private stopped = false;

  constructor(options: PeerManagerOptions) {
    this.o = {
      ...PEER_MANAGER_DEFAULTS,
      rng: Math.random,
      now: Date.now,
      dialable: () => true,
      ...options,
    };
    this.log = options.log ?? (() => undefined);
    this.bootstrap = (options.bootstrap ?? []).map((text) => {
      const ma = multiaddr(text);
      return { text, ma, peerId: peerIdOf(ma) };
    });
    this.dials = new DialBook(this.o.maxDialsInFlight, this.o.retryBaseMs / 2, this.o.maxWaitMs);
  }

  start(): void {
    const { libp2p } = this.o;
    libp2p.addEventListener('connection:open', this.onOpen);
    libp2p.addEventListener('connection:close', this.onClose);
    libp2p.addEventListener('peer:identify', this.onIdentify);
    this.timer = setInterval(() => this.tick(), this.o.tickMs);
    unrefTimer(this.timer);
    for (const c of libp2p.getConnections()) this.onOpen(new CustomEvent('open', { detail: c }));
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.o.libp2p.removeEventListener('connection:open', this.onOpen);
    this.o.libp2p.removeEventListener('connection:close', this.onClose);
    this.o.libp2p.removeEventListener('peer:identify', this.onIdentify);
  }

  /** Marks the book as changed, so the next save writes it (a book restored with a new secret). */
  markChanged(): void {
    this.changed = true;
  }

  /** Whether the book changed since the last call (the node then saves it). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }

  /** What a peer that asks is told: this node's own addresses, then a sample of the book. */
  advertise(askerId: string): string[] {
    const { libp2p } = this.o;
    const asker = libp2p.getConnections().find((c) => c.remotePeer.toString() === askerId);
    const local = asker !== undefined && isLoopback(asker.remoteAddr);
    const own = libp2p
      .getMultiaddrs()
      .filter((ma) => (local || !isLoopback(ma)) && !isLinkLocal(ma))
      .map(String)
      .slice(0, PEX_MAX_ADDRS / 2);
    // A browser node's WebRTC address lives as long as its page: it is told on only while that
    // page is a peer of this node, so that a closed page's address is not dialled in vain by
    // every page that hears of it.
    const peers = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()));
    const others = this.o.book
      .sample(PEX_MAX_ADDRS - own.length, this.o.rng)
      .filter((e) => e.peerId !== askerId)
      .filter((e) => !isWebRtcAddr(e.addr) || (e.peerId !== undefined && peers.has(e.peerId)))
      .map(withPeerId);
    return [...own, ...others].filter((a) => a.length <= 256).slice(0, PEX_MAX_ADDRS);
  }

  /** What a peer told us: its addresses and others', into the book (the book bounds them). */
  learned(peerId: string, source: string, addrs: readonly string[]): void {
    const self = this.o.libp2p.peerId.toString();
    const fromLoopback = isLoopback(multiaddr(source));
    const entries: PeerAddress[] = [];
    for (const text of addrs) {
      // The peer-exchange checks let only well-formed addresses through; this is the book's word.
      const entry = splitPeerAddress(text);
      if (entry instanceof AddressError) continue;
      const ma = multiaddr(entry.addr);
      // Our own addresses come back from peers; a loopback address is only of use on this host.
      if (entry.peerId === self || (!fromLoopback && isLoopback(ma))) continue;
      entries.push(entry);
    }
    const added = this.o.book.add(entries, source);
    if (added > 0) {
      this.changed = true;
      this.addedTotal += added;
      this.hungryWaitMs = HUNGRY_MIN_MS;
    }
    this.log(`learned ${added} new of ${entries.length} address(es) from ${peerId}`);
  }

  status(): PeerManagerStatus {
    const conns = this.o.libp2p.getConnections().filter((c) => c.status === 'open');
    const byGroup: Record<string, number> = {};
    for (const c of conns) {
      const addr = c.remoteAddr.toString();
      const g = isRelayedOnly(addr)
        ? 'relay'
        : (addressGroup(c.remoteAddr, this.o.groups) ?? 'loopback');
      byGroup[g] = (byGroup[g] ?? 0) + 1;
    }
    const size = this.o.book.size;
    const keys = [
      ...this.bootstrap.map((b) => b.text),
      ...this.o.book.entries().map((e) => e.addr),
    ];
    const now = this.o.now();
    let next: number | null = null;
    for (const k of keys) {
      const at = this.dials.waitUntil(k);
      if (at === undefined || at <= now) {
        next = null;
        break;
      }
      next = next === null ? at : Math.min(next, at);
    }
    return {
      outbound: conns.filter((c) => c.direction === 'outbound').length,
      inbound: conns.filter((c) => c.direction === 'inbound').length,
      dialling: this.dialling.size,
      book: { new: size.new, tried: size.tried },
      bootstrap: this.bootstrap.length,
      known: keys.length,
      nextTryAt: next,
      peersByGroup: byGroup,
    };
  }

  private readonly onClose = (evt: CustomEvent<Connection>): void => {
    const made = this.made.get(evt.detail.id);
    if (!made) return;
    this.made.delete(evt.detail.id);
    const now = this.o.now();
    if (now - made.at >= SHORT_LIVED_MS) {
      this.shortLived.delete(made.key);
      this.dials.forget(made.key);
      return;
    }
    // Counted per peer: a restart comes back with a fresh key (keys are ephemeral by default),
    // a full node's visit with the same one.
    const peer = evt.detail.remotePeer.toString();
    const last = this.shortLived.get(made.key);
    const inARow = last?.peer === peer ? last.inARow + 1 : 1;
    this.shortLived.delete(made.key);
    this.shortLived.set(made.key, { peer, inARow });
    if (this.shortLived.size > MAX_SHORT_LIVED_KEYS) {
      const oldest = this.shortLived.keys().next().value;
      if (oldest !== undefined) this.shortLived.delete(oldest);
    }
    if (inARow >= 2)
      this.dials.failedAt(made.key, now, SHORT_LIVED_WAIT_MS, SHORT_LIVED_MAX_WAIT_MS);
  };

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const c = evt.detail;
    // Identify runs first on a new connection; asking a moment later finds the peer settled.
    const t = setTimeout(() => void this.exchange(c), 500);
    unrefTimer(t);
  };

  /**
   * A peer's addresses change while it is connected: a browser node, or a node behind NAT, gains
   * its relayed addresses only once a relay holds its reservation, after it connected here, and
   * tells its peers by identify push. Read then, they are learned at once instead of at the next
   * connection.
   */
  private readonly onIdentify = (evt: CustomEvent<{ connection: Connection }>): void => {
    const c = evt.detail.connection;
    if (!this.stopped && c.status === 'open') void this.observed(c);
  };

  /**
   * The addresses a peer announced in identify that match where it connects from (the same IP,
   * any port), or that are relayed: a claim the connection itself bears out. A peer behind NAT
   * announces private addresses that match nothing and are not taken.
   */
  private async observed(c: Connection): Promise<void> {
    const remoteIp = ipOf(c.remoteAddr);
    if (remoteIp === undefined) return;
    const known = await this.o.libp2p.peerStore.get(c.remotePeer).catch(() => undefined);
    const peerId = c.remotePeer.toString();
    const entries: PeerAddress[] = [];
    for (const { multiaddr: ma } of known?.addresses ?? []) {
      const relayed = ma.getComponents().some((x) => x.name === 'p2p-circuit');
      if (!relayed && ipOf(ma) !== remoteIp) continue;
      const split = splitPeerAddress(ma.toString());
      if (!(split instanceof AddressError)) entries.push({ addr: split.addr, peerId });
    }
    if (entries.length > 0 && this.o.book.add(entries, c.remoteAddr.toString()) > 0)
      this.changed = true;
  }

  private async exchange(c: Connection): Promise<void> {
    if (this.stopped || c.status !== 'open') return;
    await this.observed(c);
    const peer = c.remotePeer.toString();
    const last = this.askedAt.get(peer);
    const now = this.o.now();
    if (last !== undefined && now - last < REASK_MS) return;
    this.askedAt.set(peer, now);
    if (this.askedAt.size > 4096) {
      const oldest = this.askedAt.keys().next().value;
      if (oldest !== undefined) this.askedAt.delete(oldest);
    }
    this.lastExchange = now;
    await this.o.exchange.ask(c).catch(() => 0);
  }

  /**
   * Asks a connected peer for addresses every `exchangeEveryMs`, or more often while outbound
   * slots are empty (see HUNGRY_MIN_MS): the peer asked longest ago, never one asked within
   * REASK_MS.
   */
  private maybeExchange(conns: readonly Connection[], hungry: boolean, now: number): void {
    const wait = hungry
      ? Math.min(this.hungryWaitMs, this.o.exchangeEveryMs)
      : this.o.exchangeEveryMs;
    if (now - this.lastExchange < wait) return;
    let pick: Connection | undefined;
    let oldest = Infinity;
    for (const c of conns) {
      const at = this.askedAt.get(c.remotePeer.toString()) ?? -Infinity;
      if (now - at >= REASK_MS && at < oldest) [pick, oldest] = [c, at];
    }
    if (!pick) return;
    this.lastExchange = now;
    const before = this.addedTotal;
    void this.exchange(pick).then(() => {
      if (hungry && this.addedTotal === before)
        this.hungryWaitMs = Math.min(HUNGRY_MAX_MS, this.hungryWaitMs * 2);
    });
  }

  private tick(): void {
    if (this.stopped) return;
    const { libp2p, book } = this.o;
    const now = this.o.now();
    const conns = libp2p.getConnections().filter((c) => c.status === 'open');
    const outbound = conns.filter((c) => c.direction === 'outbound').length;

    let missing = this.o.targetOutbound - outbound - this.dialling.size;
    this.maybeExchange(conns, missing > 0, now);
    // Full, as a node is nearly all the time: this tick runs every second, in a browser on the
    // page's main thread, so it does nothing more.
    if (missing <= 0) return;
    const connected = new Set(conns.map((c) => c.remotePeer.toString()));
    const connectedAddrs = new Set(conns.map((c) => stripPeer(c.remoteAddr)));

    for (const b of this.bootstrap) {
      if (missing <= 0 || !this.dials.open) break;
      if (b.peerId !== undefined && connected.has(b.peerId)) continue;
      if (connectedAddrs.has(stripPeer(b.ma)) || !this.dials.mayDial(b.text, now)) continue;
      this.dial(b.text, b.ma, addressGroup(b.ma, this.o.groups), (peer) => {
        b.peerId = peer;
        // A bootstrap address that worked is as good as any the book has tried: peers that ask
        // learn it, and it survives a restart with an empty --bootstrap.
        const addr = stripPeer(b.ma);
        book.add([{ addr, peerId: peer }], 'self');
        book.good(addr, peer);
      });
      missing--;
    }

    const self = libp2p.peerId.toString();
    const own = new Set(libp2p.getMultiaddrs().map(stripPeer));
    const groups = new Map<string, number>();
    for (const g of [...this.o.outboundGroups().values(), ...this.dialling.values()])
      if (g !== null) groups.set(g, (groups.get(g) ?? 0) + 1);
    // A peer the book can reach directly is not dialled through a relay: DCUtR would later turn
    // that relayed connection into a direct one in the peer's own group, past the group limit.
    // A page (a peer with a WebRTC address) is dialled by WebRTC or not at all: reached by the
    // plain circuit, every frame would go through the relay for good (a page listens on no port,
    // so DCUtR has nothing to upgrade to), spending the relay's limits and the page's CPU on a
    // peer the page did not choose. So a desktop node, which has no WebRTC, never dials a page;
    // pages dial desktops (WebSockets) and one another (WebRTC).
    const direct = new Set<string>();
    const webrtc = new Set<string>();
    for (const e of book.entries()) {
      if (e.peerId === undefined) continue;
      if (isWebRtcAddr(e.addr)) webrtc.add(e.peerId);
      else if (!e.addr.includes('/p2p-circuit') && this.o.dialable(e.addr)) direct.add(e.peerId);
    }
    const exclude = (e: BookEntry): boolean =>
      e.peerId === self ||
      !this.o.dialable(e.addr) ||
      (e.peerId !== undefined && e.addr.includes('/p2p-circuit') && direct.has(e.peerId)) ||
      (e.peerId !== undefined && isRelayedOnly(e.addr) && webrtc.has(e.peerId)) ||
      (e.peerId !== undefined && connected.has(e.peerId)) ||
      connectedAddrs.has(e.addr) ||
      own.has(e.addr) ||
      (groups.get(e.group) ?? 0) >= this.o.maxOutboundPerGroup ||
      !this.dials.mayDial(e.addr, now);
    while (missing > 0 && this.dials.open) {
      const e = book.select(this.o.rng, exclude);
      if (!e) break;
      const ma = dialAddress(e);
      if (!ma) {
        book.failed(e.addr);
        continue;
      }
      book.attempt(e.addr);
      const group = addressGroup(ma, this.o.groups);
      if (group !== null) groups.set(group, (groups.get(group) ?? 0) + 1);
      this.dial(e.addr, ma, group, (peer) => book.good(e.addr, peer));
      this.changed = true;
      missing--;
    }
  }

  private dial(
    key: string,
    ma: Multiaddr,
    group: string | null,
    ok: (peerId: string) => void,
  ): void {
    this.dials.started(key);
    this.dialling.set(key, group);
    this.o.libp2p
      .dial(ma, { signal: AbortSignal.timeout(20_000) })
      .then((c) => {
        this.dials.connected(key);
        this.made.set(c.id, { key, at: this.o.now() });
        ok(c.remotePeer.toString());
        this.changed = true;
      })
      .catch((err: unknown) => {
        this.dials.failedAt(key, this.o.now());
        // A page's WebRTC address names a session that never comes back once the page closes:
        // one failure drops it (a live page's address comes back by peer exchange).
        if (isWebRtcAddr(key)) this.o.book.remove(key);
        else if (this.o.book.entries().some((e) => e.addr === key)) this.o.book.failed(key);
        this.log(`dial ${ma.toString()} failed: ${errorMessage(err)}`);
      })
      .finally(() => this.dialling.delete(key));
  }
}

/** A connection's or listener's address without the trailing /p2p/<id>. */
function stripPeer(ma: Multiaddr): string {
  const comps = ma.getComponents();
  return comps.at(-1)?.name === 'p2p' && !ma.toString().includes('/p2p-circuit')
    ? multiaddr(comps.slice(0, -1)).toString()
    : ma.toString();
}
