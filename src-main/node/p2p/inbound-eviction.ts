import { createHash, randomBytes } from 'node:crypto';
import type { Connection, Libp2p } from '@libp2p/interface';
import {
  addressGroup,
  inboundHost,
  type GroupOptions,
} from '../../../src-shared/net/multiaddr-group';

/*
 * Inbound slots that cannot be squatted. When every inbound slot is taken and another peer dials
 * in, one inbound peer is evicted to make room for it, chosen the way Bitcoin Core chooses
 * (net.cpp's inbound eviction, reimplemented here from its description): first a share of the
 * peers is protected, each share for a property an attacker finds hard to fake in numbers —
 *
 *   - newcomers still in their grace period (`graceMs`), which have not yet had the time to say
 *     anything useful: without it, an attacker dialling in again and again evicts every honest
 *     newcomer before its first frame arrives (it is always the newest). With it, a slot changes
 *     hands at most once per grace period, however fast the attacker dials, and a newcomer that
 *     finds every slot in grace or protected is refused, not admitted at someone's cost;
 *   - peers from distinct address groups, the groups ranked by a keyed hash this node keeps
 *     secret (an attacker cannot choose an address whose group wins),
 *   - the peers that most recently sent a useful frame (a new EP or SDM that was kept),
 *   - half of the rest that are not silent, longest connected first;
 *
 * then, among the unprotected, peers that sent bad frames or hold low trust go first, silent peers
 * before speaking ones, and of those the address group with the most peers loses its newest.
 * An attacker who fills the slots with silent connections thus holds none of them against a
 * newcomer: its connections are the unprotected ones, and the newest of its crowded group goes.
 *
 * The policy is a pure function over descriptors; `InboundEvictor` is the small piece that wires it
 * to a libp2p host. It learns what each peer sent from a provider it is given (the node passes
 * the drift protocol's session info), so the p2p layer never imports the protocol.
 */

/** What the policy knows of one inbound connection. */
export interface EvictionCandidate {
  /** The connection's id (unique; a peer may have more than one). */
  readonly id: string;
  readonly peerId: string;
  /** Address group (IPv4 /16, IPv6 /32); null for an exempt address. */
  readonly group: string | null;
  /** When the connection opened (ms, this node's clock). */
  readonly connectedAt: number;
  /** When the peer's newest useful frame (an EP or SDM that was kept) arrived; none yet: absent. */
  readonly lastUsefulFrameAt?: number | undefined;
  /** Frames received from the peer. */
  readonly framesIn: number;
  /** Bad frames received from the peer. */
  readonly badFrames: number;
  /** The node's trust in the peer (0..1), when it has one. */
  readonly trust?: number | undefined;
}

export interface EvictionPolicy {
  /** A peer connected less than this long, with no useful frame and no bad one, is protected. */
  readonly graceMs: number;
  /** Peers protected for their distinct address groups (one per group). */
  readonly protectByGroup: number;
  /** Peers protected for the most recent useful frames. */
  readonly protectByUseful: number;
  /** Share of the remaining speaking peers protected for being connected longest. */
  readonly protectOldestShare: number;
  /** A peer without a useful frame for this long is silent: never protected but by its group. */
  readonly silentMs: number;
  /** Trust below this marks a peer as preferred for eviction, as bad frames do. */
  readonly lowTrust: number;
}

export const EVICTION_DEFAULTS: EvictionPolicy = {
  // A few cycles of a personal node (its first frame comes one cycle after HELLO).
  graceMs: 5_000,
  protectByGroup: 4,
  protectByUseful: 8,
  protectOldestShare: 0.5,
  silentMs: 10_000,
  lowTrust: 0.2,
};

/** The policy's answer: the connection to close, and why it was the one. */
export interface EvictionChoice {
  readonly victim: EvictionCandidate;
  readonly reason: string;
}

/** Ranks a group name; a keyed hash, so an attacker cannot aim for a protected rank. */
export type GroupRank = (group: string | null) => number;

/** A GroupRank under `key` (keep it secret and random in a node; fixed in tests). */
export function keyedGroupRank(key: Uint8Array): GroupRank {
  return (group) =>
    createHash('sha256')
      .update(key)
      .update(group ?? '\0exempt')
      .digest()
      .readUInt32BE(0);
}

/** Newest first; ties broken by connection id, so the choice never depends on input order. */
const newestFirst = (a: EvictionCandidate, b: EvictionCandidate): number =>
  b.connectedAt - a.connectedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The inbound connection to evict to admit a newcomer, or null when every candidate is protected
 * (the newcomer is then the one refused). `candidates` are the open inbound connections, not the
 * newcomer's.
 */
export function chooseEvictionVictim(
  candidates: readonly EvictionCandidate[],
  now: number,
  rank: GroupRank,
  policy: EvictionPolicy = EVICTION_DEFAULTS,
): EvictionChoice | null {
  const silent = (c: EvictionCandidate) =>
    c.lastUsefulFrameAt === undefined || now - c.lastUsefulFrameAt > policy.silentMs;
  const inGrace = (c: EvictionCandidate) =>
    now - c.connectedAt < policy.graceMs && c.lastUsefulFrameAt === undefined && c.badFrames === 0;
  let rest = candidates.filter((c) => !inGrace(c)).sort(newestFirst);

  // Distinct groups: the `protectByGroup` best-ranked groups keep their longest-connected peer.
  const groups = new Map<string | null, EvictionCandidate>();
  for (const c of rest) groups.set(c.group, c); // newest first, so the oldest is set last
  const protectedIds = new Set(
    [...groups.entries()]
      .sort(([a], [b]) => rank(b) - rank(a) || String(a).localeCompare(String(b)))
      .slice(0, policy.protectByGroup)
      .map(([, c]) => c.id),
  );
  rest = rest.filter((c) => !protectedIds.has(c.id));

  // The most recent useful frames.
  const useful = rest
    .filter((c) => !silent(c))
    .sort((a, b) => b.lastUsefulFrameAt! - a.lastUsefulFrameAt! || -newestFirst(a, b))
    .slice(0, policy.protectByUseful);
  for (const c of useful) protectedIds.add(c.id);
  rest = rest.filter((c) => !protectedIds.has(c.id));

  // Longest connected, of those still speaking.
  const speaking = rest.filter((c) => !silent(c));
  const oldest = speaking
    .slice()
    .reverse()
    .slice(0, Math.floor(speaking.length * policy.protectOldestShare));
  for (const c of oldest) protectedIds.add(c.id);
  rest = rest.filter((c) => !protectedIds.has(c.id));
  if (rest.length === 0) return null;

  const why: string[] = [];
  const offenders = rest.filter(
    (c) => c.badFrames > 0 || (c.trust !== undefined && c.trust < policy.lowTrust),
  );
  if (offenders.length > 0) {
    rest = offenders;
    why.push('bad frames or low trust');
  }
  const quiet = rest.filter(silent);
  if (quiet.length > 0) {
    rest = quiet;
    why.push('silent');
  }
  // The most crowded group; of equals, the one with the newest peer. Its newest peer goes.
  const members = new Map<string | null, EvictionCandidate[]>();
  for (const c of rest) members.set(c.group, [...(members.get(c.group) ?? []), c]);
  let crowded: EvictionCandidate[] = [];
  for (const list of members.values()) {
    if (
      list.length > crowded.length ||
      (list.length === crowded.length && newestFirst(list[0]!, crowded[0]!) < 0)
    )
      crowded = list;
  }
  const victim = crowded[0]!;
  why.push(`newest of ${crowded.length} unprotected in group ${victim.group ?? 'exempt'}`);
  return { victim, reason: why.join(', ') };
}

/** What the node tells the evictor about a peer (from its drift session and its trust). */
export interface PeerFacts {
  readonly peerId: string;
  readonly lastUsefulFrameAt?: number | undefined;
  readonly framesIn: number;
  readonly badFrames: number;
  readonly trust?: number | undefined;
}

export interface InboundEvictorOptions extends GroupOptions {
  /** Inbound connections kept at most; a newcomer beyond evicts one (or is refused). */
  readonly inboundSlots: number;
  /**
   * Inbound connections one host (IP address) keeps; a newcomer beyond them (the gater lets a
   * few in) stays `visitMs` and is closed: long enough for identify and a peer-exchange answer.
   */
  readonly maxInboundPerHost?: number;
  readonly visitMs?: number;
  /** How long an evicted address is refused a seat while the node is full (READMIT_AFTER_MS). */
  readonly readmitAfterMs?: number;
  readonly policy?: Partial<EvictionPolicy>;
  /** Secret key of the group ranking; random when absent. */
  readonly groupKey?: Uint8Array;
  /** One line per eviction or refusal. */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

/** One eviction or refusal, as reported to listeners. */
export interface EvictionEvent {
  /** The inbound peer admitted (its connection kept) or refused. */
  readonly newcomer: string;
  /** The peer whose connection was closed for it; absent when the newcomer was refused. */
  readonly evicted?: string;
  readonly reason: string;
}

/**
 * Keeps a host's inbound connections within `inboundSlots` by evicting per
 * `chooseEvictionVictim` whenever an inbound connection opens beyond them. libp2p must let the
 * newcomer in first (its own maxConnections set above this node's), since only an open
 * connection can be weighed against the others.
 */
/**
 * An evicted address may not take a seat back for this long while the node is full: otherwise a
 * squatter that dials again at once wins every other freed seat from the honest newcomer, and
 * admission is a lottery between them.
 */
export const READMIT_AFTER_MS = 2 * 60_000;
/** Evicted addresses remembered at most. */
const MAX_BARRED = 4096;

/** How long a newcomer from a host past its share stays (identify, then a peer-exchange answer). */
export const VISIT_MS = 10_000;

export class InboundEvictor {
  private readonly policy: EvictionPolicy;
  private readonly rank: GroupRank;
  private readonly now: () => number;
  private facts: () => Iterable<PeerFacts> = () => [];
  private libp2p: Libp2p | undefined;
  /** Connections this evictor closed and libp2p has not yet dropped (bounded by its list). */
  private readonly closing = new WeakSet<Connection>();
  private readonly listeners = new Set<(e: EvictionEvent) => void>();
  /** Addresses evicted lately, until when they may not take a seat back (oldest first). */
  private readonly evictedUntil = new Map<string, number>();

  constructor(readonly options: InboundEvictorOptions) {
    this.policy = { ...EVICTION_DEFAULTS, ...options.policy };
    this.rank = keyedGroupRank(options.groupKey ?? randomBytes(32));
    this.now = options.now ?? Date.now;
  }

  /** Where the evictor learns what each peer has sent (the node's drift sessions). */
  provide(facts: () => Iterable<PeerFacts>): void {
    this.facts = facts;
  }

  /** Calls `listener` after every eviction or refusal; returns the unsubscribe. */
  onEvict(listener: (e: EvictionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Whether the newcomer's host is past its share: then it is only visiting, closed after
   * `visitMs` and counted in no slot meanwhile.
   */
  private visiting(newcomer: Connection, inbound: readonly Connection[]): boolean {
    const share = this.options.maxInboundPerHost;
    const host = inboundHost(newcomer.remoteAddr, this.options);
    if (share === undefined || host === null) return false;
    const fromHost = inbound.filter(
      (c) => c !== newcomer && inboundHost(c.remoteAddr, this.options) === host,
    ).length;
    if (fromHost < share) return false;
    this.closing.add(newcomer);
    const visitMs = this.options.visitMs ?? VISIT_MS;
    this.log(
      `${host} holds its ${share} inbound connections: ${newcomer.remotePeer.toString()} may visit for ${visitMs} ms`,
    );
    setTimeout(
      () => void newcomer.close().catch(() => newcomer.abort(new Error('visit over'))),
      visitMs,
    ).unref?.();
    return true;
  }

  attach(libp2p: Libp2p): void {
    this.libp2p = libp2p;
    libp2p.addEventListener('connection:open', this.onOpen);
  }

  detach(): void {
    this.libp2p?.removeEventListener('connection:open', this.onOpen);
    this.libp2p = undefined;
  }

  private readonly onOpen = (evt: CustomEvent<Connection>): void => {
    const newcomer = evt.detail;
    const libp2p = this.libp2p;
    if (!libp2p || newcomer.direction !== 'inbound') return;
    // A second connection of a peer already here takes no seat: an AutoNAT dial-back this node
    // asked for, a direct connection DCUtR opens beside a relayed one. Weighed as a newcomer, it
    // evicted someone else for a connection that closes a moment later.
    const peer = newcomer.remotePeer;
    if (libp2p.getConnections(peer).some((c) => c !== newcomer && c.status === 'open')) return;
    const inbound = libp2p
      .getConnections()
      .filter((c) => c.direction === 'inbound' && c.status === 'open' && !this.closing.has(c));
    if (this.visiting(newcomer, inbound)) return;
    if (!inbound.includes(newcomer)) inbound.push(newcomer);
    if (inbound.length <= this.options.inboundSlots) return;

    const facts = new Map<string, PeerFacts>();
    for (const f of this.facts()) facts.set(f.peerId, f);
    const candidates = inbound
      .filter((c) => c !== newcomer)
      .map((c): EvictionCandidate => {
        const peerId = c.remotePeer.toString();
        const f = facts.get(peerId);
        return {
          id: c.id,
          peerId,
          group: addressGroup(c.remoteAddr, this.options),
          connectedAt: c.timeline.open,
          lastUsefulFrameAt: f?.lastUsefulFrameAt,
          framesIn: f?.framesIn ?? 0,
          badFrames: f?.badFrames ?? 0,
          trust: f?.trust,
        };
      });
    const newId = newcomer.remotePeer.toString();
    const slots = this.options.inboundSlots;
    const newHost = inboundHost(newcomer.remoteAddr, this.options) ?? newId;
    const barred = this.evictedUntil.get(newHost) ?? 0;
    const choice =
      barred > this.now()
        ? null
        : chooseEvictionVictim(candidates, this.now(), this.rank, this.policy);
    let event: EvictionEvent;
    let close: Connection;
    if (barred > this.now()) {
      close = newcomer;
      event = { newcomer: newId, reason: 'its address was evicted within the re-admission wait' };
      this.log(`inbound slots full (${slots}): refused ${newId}, whose address was just evicted`);
    } else if (choice) {
      this.bar(
        inboundHost(connectionById(inbound, choice.victim.id).remoteAddr, this.options) ??
          choice.victim.peerId,
      );
      close = connectionById(inbound, choice.victim.id);
      event = { newcomer: newId, evicted: choice.victim.peerId, reason: choice.reason };
      this.log(
        `inbound slots full (${slots}): evicted ${choice.victim.peerId} (${choice.reason}) to admit ${newId}`,
      );
    } else {
      close = newcomer;
      event = { newcomer: newId, reason: 'every inbound peer is protected' };
      this.log(`inbound slots full (${slots}), every peer protected: refused ${newId}`);
    }
    this.closing.add(close);
    close.close().catch((err: unknown) => close.abort(err as Error));
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's fault is its own; eviction has happened either way.
      }
    }
  };

  /** Bars an evicted address from taking a seat back while the node is full. */
  private bar(host: string): void {
    this.evictedUntil.delete(host);
    this.evictedUntil.set(host, this.now() + (this.options.readmitAfterMs ?? READMIT_AFTER_MS));
    if (this.evictedUntil.size > MAX_BARRED) {
      const oldest = this.evictedUntil.keys().next().value;
      if (oldest !== undefined) this.evictedUntil.delete(oldest);
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function connectionById(inbound: readonly Connection[], id: string): Connection {
  return inbound.find((c) => c.id === id)!;
}
