import { AddressError, MAX_ADDR_LENGTH, parseAddr } from './address-group';
import type { Rng } from '../random';
import { sipHash, sipKey, type SipKey } from './siphash';

/** Uniform numbers in [0, 1): a function, or the project's Rng (its `float`). */
export type Uniform = (() => number) | Rng;

/*
 * The address book: where a node keeps the addresses it may dial, in the spirit of Bitcoin Core's
 * address manager (addrman) and the defences of Heilman et al., "Eclipse Attacks on Bitcoin's
 * Peer-to-Peer Network" (2015). docs/network.md, "The address book", says what it defends
 * against and what it does not.
 *
 * Two tables of fixed-size buckets. Addresses learned from peers go into "new"; an address that
 * worked moves to "tried". Each entry holds exactly one slot, so the book can never hold more than
 * its slots. Where an entry goes is a keyed hash (SipHash under a per-node secret) of:
 *   new:   (its group, the source's group): one source group reaches at most
 *          bucketsPerSourceGroup new buckets, whatever addresses it makes up;
 *   tried: (the address, its group): one group reaches at most triedBucketsPerGroup tried buckets;
 *   slot in the bucket: (table, bucket, the address).
 * An occupied new slot is given up only by a "terrible" occupant (too old, too many failures).
 * On top of that (this node's own rule, not addrman's), no group holds more than maxPerGroup
 * entries in the two tables together.
 */

/** An address to dial: multiaddr text without the peer's own `/p2p/<id>` suffix, and its id. */
export interface PeerAddress {
  readonly addr: string;
  readonly peerId?: string;
}

/** What the book knows of one address. Times are the book's `now()` (ms); 0 means never. */
export interface BookEntry extends PeerAddress {
  /** The address's group (IPv4 /16, IPv6 /32, DNS by its last two labels; a relay's for circuits). */
  readonly group: string;
  /** The group of the peer that told us ('self' for user-given and bootstrap addresses). */
  readonly source: string;
  readonly tried: boolean;
  /** When a peer last told us of it, or it last worked. */
  readonly lastSeen: number;
  /** When a dial last started (attempt) or failed. */
  readonly lastTry: number;
  readonly lastSuccess: number;
  /** Failed dials since the last success. */
  readonly attempts: number;
}

export interface AddressBookOptions {
  /** 16 bytes, random per node, persisted with the book (toJSON keeps it). */
  readonly secret: Uint8Array;
  /** The clock, in ms (Date.now by default). */
  readonly now?: () => number;
  /** Buckets of the new table (default 256). */
  readonly newBuckets?: number;
  /** Buckets of the tried table (default 64). */
  readonly triedBuckets?: number;
  /** Slots per bucket, both tables (default 64). */
  readonly bucketSize?: number;
  /** New buckets one source group can reach (default 32). */
  readonly bucketsPerSourceGroup?: number;
  /** Tried buckets one address group can reach (default 4). */
  readonly triedBucketsPerGroup?: number;
  /** Entries (new + tried) one address group may hold (default 64). */
  readonly maxPerGroup?: number;
  /** Entries one `add` call looks at; the rest of the list is ignored (default 1000). */
  readonly maxPerAdd?: number;
}

type Sizes = Required<Omit<AddressBookOptions, 'secret' | 'now'>>;

/**
 * The defaults: 256 x 64 new slots and 64 x 64 tried slots, 20,480 entries in all; one source
 * group reaches 1/8 of the new table, one address group 1/16 of the tried table and at most 64
 * entries; a peer-exchange message adds at most 1000 (Bitcoin's ADDR limit).
 */
export const ADDRESS_BOOK_DEFAULTS: Readonly<Sizes> = Object.freeze({
  newBuckets: 256,
  triedBuckets: 64,
  bucketSize: 64,
  bucketsPerSourceGroup: 32,
  triedBucketsPerGroup: 4,
  maxPerGroup: 64,
  maxPerAdd: 1000,
});

/** The most addresses `sample` gives, whatever is asked (Bitcoin's ADDR limit). */
export const MAX_SAMPLE = 1000;
/**
 * The share of the book one `sample` gives at most (addrman's 23%): a peer that asks again and
 * again still needs many answers to map the whole book, and with it whom this node may dial.
 */
export const MAX_SAMPLE_SHARE = 0.23;
/**
 * The share is not applied below this many addresses: a young swarm's books are small, and a
 * node that joins one must learn its few members at once, not a quarter of them a minute. Mapping
 * a book this small tells an attacker nothing a few connections would not.
 */
export const MIN_SAMPLE_FLOOR = 32;
/** The snapshot format toJSON writes and fromJSON reads. */
export const SNAPSHOT_VERSION = 1;

// Time rules, from addrman's IsTerrible and GetChance (there in seconds, here in ms).
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The places in its new bucket an address may take (newSlotsOf). */
const NEW_SLOT_PROBES = 4;

/** A dial this recent keeps an entry from being terrible (it is being tried right now). */
const TRYING_MS = MINUTE;
/** Seen further in the future than this: the clock that said so is wrong or lying. */
const FUTURE_MS = 10 * MINUTE;
/** Not seen for this long: gone. */
const HORIZON_MS = 30 * DAY;
/** Failures, with no success ever, after which an address is given up. */
const RETRIES = 3;
/** Failures in a row, with no success for MIN_FAIL_MS, after which an address is given up. */
const MAX_FAILURES = 10;
const MIN_FAIL_MS = 7 * DAY;
/** A dial this recent makes select pass over the entry 99 times in 100. */
const RECENT_TRY_MS = 10 * MINUTE;
/** A peer telling us again of an address refreshes lastSeen at most this often. */
const SEEN_REFRESH_MS = HOUR;
/** The failure count is kept this small: it only feeds 0.66^min(attempts, 8). */
const MAX_ATTEMPTS = 1_000_000;
/** Draws select makes before it scans the whole book instead. */
const MAX_DRAWS = 256;

/** A constructor option out of range; `option` names it. */
export class AddressBookOptionError extends RangeError {
  override readonly name = 'AddressBookOptionError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`address book option ${option} must be ${allowed} (got ${String(value)})`);
  }
}

interface Entry {
  addr: string;
  /** parseAddr's key: one spelling per address; the book's map key. */
  key: string;
  peerId: string | undefined;
  group: string;
  source: string;
  tried: boolean;
  lastSeen: number;
  lastTry: number;
  lastSuccess: number;
  attempts: number;
  /** Index into the table's slots. */
  slot: number;
  /** Index into the table's dense list (select draws from it). */
  at: number;
}

interface Name {
  readonly name: string;
  refs: number;
  members: number;
}

/** One entry of a snapshot; BookEntry's fields less the group (derived from addr). */
export interface SnapshotEntry {
  readonly addr: string;
  readonly peerId?: string;
  readonly source: string;
  readonly tried: boolean;
  readonly lastSeen: number;
  readonly lastTry: number;
  readonly lastSuccess: number;
  readonly attempts: number;
  /** Which of its new-table places it holds, when not the first (absent: the first). */
  readonly probe?: number;
}

/** The book as plain JSON (what the node's store keeps). */
export interface AddressBookSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** The 16-byte secret as 32 hex digits: placement depends on it. */
  readonly secret: string;
  /** Tried entries first, then new ones, most recently seen first within each. */
  readonly entries: readonly SnapshotEntry[];
}

export interface FromJsonOptions extends Omit<AddressBookOptions, 'secret'> {
  /**
   * The secret to use when the snapshot has no usable one; a fresh random one (Web Crypto) if not
   * given. The caller should persist the book again when `freshSecret` says so.
   */
  readonly secret?: Uint8Array;
}

export interface Restored {
  readonly book: AddressBook;
  /** Snapshot entries not restored: malformed, duplicate, or with no room under these options. */
  readonly dropped: number;
  /** Whether the snapshot's secret was unusable and another one was taken. */
  readonly freshSecret: boolean;
  /** One line saying what was wrong with the snapshot as a whole, if anything. */
  readonly problem?: string;
}

/** Why add() did not keep an entry, beyond invalid addresses; for logs and tests. */
export interface AddStats {
  /** Invalid entries refused (bad address text, bad peer id, not an object). */
  readonly rejected: number;
  /** Entries past maxPerAdd in one call, not looked at. */
  readonly truncated: number;
  /** Valid new addresses refused because their group held maxPerGroup entries. */
  readonly groupFull: number;
  /** Valid new addresses refused because their slot held an entry that was not terrible. */
  readonly collisions: number;
}

const SOURCE_GROUP = /^(self|other|(ip4|ip6|dns|host):[a-z0-9.:-]{1,253})$/;
const PEER_ID = /^[A-Za-z0-9]{1,128}$/;
const HEX_SECRET = /^[0-9a-f]{32}$/;

function checkInt(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new AddressBookOptionError(option, value, `an integer in [${min}, ${max}]`);
  return value;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomSecret(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(16));
}

/**
 * A multiaddr as a peer or libp2p gives it (`.../tcp/4001/p2p/<id>`) split into the address the
 * book keeps and the peer id; an address without a final `/p2p/<id>` has no peer id. A relayed
 * address keeps its relay's id (`.../p2p/RELAY/p2p-circuit`) and gives the target's as peerId.
 */
export function splitPeerAddress(text: string): PeerAddress | AddressError {
  const parsed = parseAddr(text);
  if (parsed instanceof AddressError) return parsed;
  if (parsed.peerId === undefined) return { addr: text };
  // A relayed address reaches one peer behind its relay, and one relay serves many (the browser
  // nodes of a home network): the target's id stays part of the address, or the second browser
  // behind a relay would be taken for the first and refused as a duplicate.
  if (parsed.relay !== undefined) return { addr: text, peerId: parsed.peerId };
  return { addr: text.slice(0, text.lastIndexOf('/p2p/')), peerId: parsed.peerId };
}

/**
 * The address as told to others: with its peer's id at the end (once: a relayed address keeps
 * its target's id in `addr` already, and older books kept it apart).
 */
export function withPeerId(e: PeerAddress): string {
  if (e.peerId === undefined || e.addr.endsWith(`/p2p/${e.peerId}`)) return e.addr;
  return `${e.addr}/p2p/${e.peerId}`;
}

/** The group of the peer that told us: 'self', its address's group, or 'other' if unreadable. */
export function sourceGroupOf(source: string): string {
  if (source === 'self') return 'self';
  const parsed = typeof source === 'string' ? parseAddr(source) : null;
  return parsed === null || parsed instanceof AddressError ? 'other' : (parsed.group ?? 'other');
}

export class AddressBook {
  private readonly key: SipKey;
  private readonly secretHex: string;
  private readonly now: () => number;
  private readonly o: Sizes;
  private readonly byKey = new Map<string, Entry>();
  private readonly newSlots: (Entry | undefined)[];
  private readonly triedSlots: (Entry | undefined)[];
  private readonly newList: Entry[] = [];
  private readonly triedList: Entry[] = [];
  /**
   * Each group and source string once, shared by the entries that use it, with how many use it
   * (`refs`, as group or source) and how many are in that address group (`members`). One table
   * for both: in a swarm spread over the world most entries are alone in their /16, and a second
   * table would cost about 40 bytes an entry.
   */
  private readonly names = new Map<string, Name>();
  private readonly counts = { rejected: 0, truncated: 0, groupFull: 0, collisions: 0 };
  private lastError: AddressError | undefined;
  /** The hash input, reused; grown when an input does not fit. */
  private buf = new Uint8Array(1024);
  private readonly out: [number, number] = [0, 0];

  constructor(opts: AddressBookOptions) {
    this.key = sipKey(opts.secret);
    this.secretHex = hex(opts.secret);
    this.now = opts.now ?? Date.now;
    const o = { ...ADDRESS_BOOK_DEFAULTS };
    for (const k of Object.keys(o) as (keyof Sizes)[]) if (opts[k] !== undefined) o[k] = opts[k];
    // A small table given without its per-group share gets the whole table as that share.
    if (opts.bucketsPerSourceGroup === undefined)
      o.bucketsPerSourceGroup = Math.min(o.bucketsPerSourceGroup, o.newBuckets);
    if (opts.triedBucketsPerGroup === undefined)
      o.triedBucketsPerGroup = Math.min(o.triedBucketsPerGroup, o.triedBuckets);
    checkInt('newBuckets', o.newBuckets, 1, 65536);
    checkInt('triedBuckets', o.triedBuckets, 1, 65536);
    checkInt('bucketSize', o.bucketSize, 1, 1024);
    checkInt('bucketsPerSourceGroup', o.bucketsPerSourceGroup, 1, o.newBuckets);
    checkInt('triedBucketsPerGroup', o.triedBucketsPerGroup, 1, o.triedBuckets);
    checkInt('maxPerGroup', o.maxPerGroup, 1, 1 << 22);
    checkInt('maxPerAdd', o.maxPerAdd, 1, 100_000);
    // Slot tables are allocated up front: keep them to a few tens of MB at most.
    checkInt(
      '(newBuckets + triedBuckets) * bucketSize',
      (o.newBuckets + o.triedBuckets) * o.bucketSize,
      1,
      1 << 22,
    );
    this.o = Object.freeze(o);
    this.newSlots = new Array<Entry | undefined>(o.newBuckets * o.bucketSize).fill(undefined);
    this.triedSlots = new Array<Entry | undefined>(o.triedBuckets * o.bucketSize).fill(undefined);
  }

  /** The most entries the book can hold: one per slot. */
  get capacity(): number {
    return this.newSlots.length + this.triedSlots.length;
  }

  get size(): { readonly new: number; readonly tried: number } {
    return { new: this.newList.length, tried: this.triedList.length };
  }

  /** Invalid addresses refused since the book was made. */
  get rejected(): number {
    return this.counts.rejected;
  }

  /** The last invalid address refused, with the reason (for a log line). */
  get lastRejection(): AddressError | undefined {
    return this.lastError;
  }

  get stats(): AddStats {
    return { ...this.counts };
  }

  /** The sizes in force (defaults filled in). */
  get options(): Readonly<Sizes> {
    return this.o;
  }

  /** Entries of one address group now in the book. */
  groupCount(group: string): number {
    return this.names.get(group)?.members ?? 0;
  }

  /**
   * Learned addresses; `source` is the telling peer's address (multiaddr text) or 'self' for
   * user-given and bootstrap ones. Returns how many were new. Invalid ones are counted in
   * `rejected`; at most maxPerAdd entries of the list are looked at.
   */
  add(entries: readonly PeerAddress[], source: string): number {
    if (!Array.isArray(entries)) {
      this.reject(new AddressError(String(entries).slice(0, 80), 'is not a list of addresses'));
      return 0;
    }
    const sourceGroup = sourceGroupOf(source);
    const n = Math.min(entries.length, this.o.maxPerAdd);
    this.counts.truncated += entries.length - n;
    const now = this.now();
    let added = 0;
    for (let i = 0; i < n; i++) {
      const e: unknown = entries[i];
      const valid = this.check(e);
      if (valid instanceof AddressError) {
        this.reject(valid);
        continue;
      }
      const { key, group, addr, peerId } = valid;
      const known = this.byKey.get(key);
      if (known) {
        if (now - known.lastSeen > SEEN_REFRESH_MS) known.lastSeen = now;
        // A peer's claim never overrides an id that a connection (or an earlier claim) gave.
        if (known.peerId === undefined && peerId !== undefined) known.peerId = peerId;
        continue;
      }
      if (this.groupCount(group) >= this.o.maxPerGroup) {
        this.counts.groupFull++;
        continue;
      }
      const candidates = this.newSlotsOf(key, group, sourceGroup);
      let slot = candidates.find((c) => this.newSlots[c] === undefined);
      if (slot === undefined) {
        // Every place it may take is held: only a terrible occupant gives its place up.
        slot = candidates.find((c) => this.isTerrible(this.newSlots[c]!, now));
        if (slot === undefined) {
          this.counts.collisions++;
          continue;
        }
        this.unplace(this.newSlots[slot]!);
      }
      const entry: Entry = {
        addr,
        key: key === addr ? addr : key,
        peerId,
        group,
        source: sourceGroup,
        tried: false,
        lastSeen: now,
        lastTry: 0,
        lastSuccess: 0,
        attempts: 0,
        slot,
        at: 0,
      };
      this.place(entry);
      added++;
    }
    return added;
  }

  /** A dial to `addr` started. Returns whether the book knows the address. */
  attempt(addr: string): boolean {
    const e = this.find(addr);
    if (e) e.lastTry = this.now();
    return e !== undefined;
  }

  /** A dial to `addr` failed. Returns whether the book knows the address. */
  failed(addr: string): boolean {
    const e = this.find(addr);
    if (!e) return false;
    e.attempts = Math.min(e.attempts + 1, MAX_ATTEMPTS);
    if (e.lastTry === 0) e.lastTry = this.now();
    return true;
  }

  /**
   * A connection to `addr` worked: the entry moves to tried. Its tried slot's occupant, if any,
   * goes back to new (to the slot its own source gives it, whose occupant is dropped), as in
   * addrman. Returns whether the book knows the address (an unknown one is not added: add it
   * first, with its source).
   */
  good(addr: string, peerId?: string): boolean {
    const e = this.find(addr);
    if (!e) return false;
    const now = this.now();
    e.lastSeen = e.lastTry = e.lastSuccess = now;
    e.attempts = 0;
    if (typeof peerId === 'string' && PEER_ID.test(peerId)) e.peerId = peerId;
    if (e.tried) return true;
    this.unplace(e);
    e.tried = true;
    e.slot = this.triedSlot(e.key, e.group);
    const occupant = this.triedSlots[e.slot];
    if (occupant) {
      this.unplace(occupant);
      occupant.tried = false;
      const places = this.newSlotsOf(occupant.key, occupant.group, occupant.source);
      occupant.slot = places.find((c) => this.newSlots[c] === undefined) ?? places[0]!;
      const displaced = this.newSlots[occupant.slot];
      if (displaced) this.unplace(displaced);
      this.place(occupant);
    }
    this.place(e);
    return true;
  }

  /** Forgets `addr`. Returns whether it was there. */
  remove(addr: string): boolean {
    const e = this.find(addr);
    if (e) this.unplace(e);
    return e !== undefined;
  }

  /** The entry of `addr`, if the book has it. */
  get(addr: string): BookEntry | undefined {
    const e = this.find(addr);
    return e && view(e);
  }

  /**
   * One address to dial: new or tried with even odds (when both have entries), then an entry
   * drawn at random and taken with addrman's chance (x0.01 if tried in the last 10 minutes,
   * x0.66 per failure up to 8), the odds growing by 1.2 per refusal so that a book of bad entries
   * still yields one. Entries `exclude` rejects are passed over. After MAX_DRAWS draws the whole
   * book is scanned instead, so a strict `exclude` costs time, never an answer that exists.
   */
  select(uniform: Uniform, exclude?: (e: BookEntry) => boolean): BookEntry | undefined {
    const rng = unit(uniform);
    if (this.newList.length + this.triedList.length === 0) return undefined;
    const now = this.now();
    let factor = 1;
    for (let draw = 0; draw < MAX_DRAWS; draw++) {
      const useTried = this.newList.length === 0 || (this.triedList.length > 0 && rng() < 0.5);
      const list = useTried ? this.triedList : this.newList;
      const e = list[Math.floor(rng() * list.length)]!;
      const seen = view(e);
      if (exclude?.(seen)) continue;
      if (rng() < factor * chance(e, now)) return seen;
      factor *= 1.2;
    }
    // Most of the book is excluded: weigh what is left by its chance.
    const left: [BookEntry, number][] = [];
    let total = 0;
    for (const list of [this.triedList, this.newList])
      for (const e of list) {
        const seen = view(e);
        if (exclude?.(seen)) continue;
        const c = chance(e, now);
        left.push([seen, c]);
        total += c;
      }
    let r = rng() * total;
    for (const [seen, c] of left) if ((r -= c) < 0) return seen;
    return left.at(-1)?.[0];
  }

  /**
   * Up to `max` addresses to tell a peer (at most MAX_SAMPLE, and at most MAX_SAMPLE_SHARE of the
   * book, rounded up, or MIN_SAMPLE_FLOOR of a smaller book), a random sample without repeats,
   * never a terrible entry, tried entries and those seen in the last day each twice as likely to
   * come first (Efraimidis and Spirakis' weighted sampling: the smallest Exp(1)/weight keys win).
   */
  sample(max: number, uniform: Uniform): PeerAddress[] {
    const rng = unit(uniform);
    const held = this.newList.length + this.triedList.length;
    const share = Math.max(Math.ceil(held * MAX_SAMPLE_SHARE), Math.min(held, MIN_SAMPLE_FLOOR));
    const limit = Math.min(Math.floor(max), MAX_SAMPLE, share);
    if (!(limit > 0)) return [];
    const now = this.now();
    const keyed: [number, Entry][] = [];
    for (const list of [this.triedList, this.newList])
      for (const e of list) {
        if (this.isTerrible(e, now)) continue;
        const weight = (e.tried ? 2 : 1) * (now - e.lastSeen < DAY ? 2 : 1);
        keyed.push([-Math.log(1 - rng()) / weight, e]);
      }
    keyed.sort((a, b) => a[0] - b[0]);
    return keyed
      .slice(0, limit)
      .map(([, e]) =>
        e.peerId === undefined ? { addr: e.addr } : { addr: e.addr, peerId: e.peerId },
      );
  }

  /** Every entry, tried ones first. */
  entries(): readonly BookEntry[] {
    return [...this.triedList, ...this.newList].map(view);
  }

  /** Which table and slot `addr` holds (tests, and to show that a restored book is the same). */
  placement(addr: string): { readonly tried: boolean; readonly slot: number } | undefined {
    const e = this.find(addr);
    return e && { tried: e.tried, slot: e.slot };
  }

  /**
   * The book as plain JSON: version, secret, entries with their counters. `max` keeps the file
   * small: tried entries first, then new ones, most recently seen first within each.
   */
  toJSON(max = Infinity): AddressBookSnapshot {
    const order = (a: Entry, b: Entry) => b.lastSeen - a.lastSeen;
    const chosen = [...[...this.triedList].sort(order), ...[...this.newList].sort(order)].slice(
      0,
      Math.max(0, max),
    );
    return {
      version: SNAPSHOT_VERSION,
      secret: this.secretHex,
      entries: chosen.map((e) => ({
        addr: e.addr,
        ...(e.peerId === undefined ? {} : { peerId: e.peerId }),
        source: e.source,
        tried: e.tried,
        lastSeen: e.lastSeen,
        lastTry: e.lastTry,
        lastSuccess: e.lastSuccess,
        attempts: e.attempts,
        ...this.probeOf(e),
      })),
    };
  }

  /** Which of its places a new entry took, when not the first: a restored book places it there. */
  private probeOf(e: Entry): { probe?: number } {
    if (e.tried) return {};
    const probe = this.newSlotsOf(e.key, e.group, e.source).indexOf(e.slot);
    return probe > 0 ? { probe } : {};
  }

  /**
   * A book from a snapshot, checking everything and never throwing on bad data: each bad entry
   * (wrong types, bad address, counters that are not finite non-negative integers, a duplicate,
   * no room under these options) is dropped and counted. A snapshot that is not one at all (not
   * an object, another version) gives an empty book and says why in `problem`. Without a usable
   * secret the entries are still restored, placed by `opts.secret` or a fresh random one
   * (`freshSecret` is then true: persist the book again). Throws only for bad `opts`.
   */
  static fromJSON(raw: unknown, opts: FromJsonOptions = {}): Restored {
    const fallback = () => opts.secret ?? randomSecret();
    const empty = (problem: string, dropped = 0): Restored => ({
      book: new AddressBook({ ...opts, secret: fallback() }),
      dropped,
      freshSecret: true,
      problem,
    });
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return empty('the address book is not an object');
    const snap = raw as Record<string, unknown>;
    const listed = Array.isArray(snap.entries) ? (snap.entries as unknown[]) : null;
    if (snap.version !== SNAPSHOT_VERSION)
      return empty(
        `the address book's version is ${oneWord(snap.version)}, this version reads ${SNAPSHOT_VERSION}`,
        listed?.length ?? 0,
      );
    const problems: string[] = [];
    let secret: Uint8Array | undefined;
    if (typeof snap.secret === 'string' && HEX_SECRET.test(snap.secret))
      secret = Uint8Array.from(snap.secret.match(/../g)!, (h) => parseInt(h, 16));
    else problems.push('its secret is not 32 hex digits (placed the entries anew)');
    const book = new AddressBook({ ...opts, secret: secret ?? fallback() });
    let dropped = 0;
    if (listed === null) problems.push('its entries are not a list');
    else {
      // No more than the book can hold is even looked at.
      const n = Math.min(listed.length, book.capacity);
      dropped += listed.length - n;
      // Tried entries first, so that they get their tried slots before new ones fill the book.
      const tried = (x: unknown) =>
        typeof x === 'object' && x !== null && (x as SnapshotEntry).tried === true;
      const head = listed.slice(0, n);
      for (const x of [...head.filter(tried), ...head.filter((x) => !tried(x))])
        if (!book.restore(x)) dropped++;
    }
    return {
      book,
      dropped,
      freshSecret: secret === undefined,
      ...(problems.length > 0 ? { problem: `the address book: ${problems.join('; ')}` } : {}),
    };
  }

  /** Puts one snapshot entry back, if it is valid and has room. */
  private restore(raw: unknown): boolean {
    if (typeof raw !== 'object' || raw === null) return false;
    const x = raw as Record<string, unknown>;
    const valid = this.check(x);
    if (valid instanceof AddressError) return false;
    const time = (t: unknown): t is number =>
      typeof t === 'number' && Number.isSafeInteger(t) && t >= 0;
    if (
      typeof x.source !== 'string' ||
      !SOURCE_GROUP.test(x.source) ||
      typeof x.tried !== 'boolean' ||
      !time(x.lastSeen) ||
      !time(x.lastTry) ||
      !time(x.lastSuccess) ||
      !time(x.attempts) ||
      x.attempts > MAX_ATTEMPTS ||
      this.byKey.has(valid.key) ||
      this.groupCount(valid.group) >= this.o.maxPerGroup
    )
      return false;
    const source = x.source;
    const places = x.tried ? [] : this.newSlotsOf(valid.key, valid.group, source);
    // The place it had, if the snapshot says and it is free; else the first free one.
    const had = typeof x.probe === 'number' ? places[x.probe] : places[0];
    const slot = x.tried
      ? this.triedSlot(valid.key, valid.group)
      : had !== undefined && !this.newSlots[had]
        ? had
        : places.find((c) => !this.newSlots[c]);
    if (slot === undefined || (x.tried ? this.triedSlots : this.newSlots)[slot]) return false;
    this.place({
      addr: valid.addr,
      key: valid.key === valid.addr ? valid.addr : valid.key,
      peerId: valid.peerId,
      group: valid.group,
      source,
      tried: x.tried,
      lastSeen: x.lastSeen,
      lastTry: x.lastTry,
      lastSuccess: x.lastSuccess,
      attempts: x.attempts,
      slot,
      at: 0,
    });
    return true;
  }

  /** An entry's address and peer id checked, or why not. */
  private check(
    e: unknown,
  ): { addr: string; key: string; group: string; peerId: string | undefined } | AddressError {
    if (typeof e !== 'object' || e === null) return new AddressError(oneWord(e), 'is not an entry');
    const { addr, peerId } = e as { addr?: unknown; peerId?: unknown };
    if (typeof addr !== 'string') return new AddressError(oneWord(addr), 'is not text');
    if (peerId !== undefined && (typeof peerId !== 'string' || !PEER_ID.test(peerId)))
      return new AddressError(addr, `has a peer id that is not one (${oneWord(peerId)})`);
    const parsed = parseAddr(addr);
    if (parsed instanceof AddressError) return parsed;
    // A relayed address keeps its target's id (splitPeerAddress); any other gives it apart.
    if (parsed.peerId !== undefined && parsed.relay === undefined)
      return new AddressError(addr, 'ends with /p2p/<id>: give the peer id as peerId instead');
    if (parsed.peerId !== undefined && peerId !== undefined && peerId !== parsed.peerId)
      return new AddressError(addr, `reaches ${parsed.peerId}, not the peer id given (${peerId})`);
    // The book groups strictly (no loopback exemption), so a group is never null here.
    return {
      addr,
      key: parsed.key,
      group: parsed.group ?? 'other',
      peerId: (peerId as string | undefined) ?? parsed.peerId,
    };
  }

  private reject(err: AddressError): void {
    this.counts.rejected++;
    this.lastError = err;
  }

  private find(addr: string): Entry | undefined {
    if (typeof addr !== 'string' || addr.length > MAX_ADDR_LENGTH) return undefined;
    const direct = this.byKey.get(addr);
    if (direct) return direct;
    const parsed = parseAddr(addr);
    return parsed instanceof AddressError ? undefined : this.byKey.get(parsed.key);
  }

  private ref(name: string, member: number): string {
    let known = this.names.get(name);
    if (!known) this.names.set(name, (known = { name, refs: 0, members: 0 }));
    known.refs++;
    known.members += member;
    return known.name;
  }

  private unref(name: string, member: number): void {
    const known = this.names.get(name);
    if (!known) return;
    known.members -= member;
    if (--known.refs === 0) this.names.delete(name);
  }

  private place(e: Entry): void {
    const slots = e.tried ? this.triedSlots : this.newSlots;
    const list = e.tried ? this.triedList : this.newList;
    slots[e.slot] = e;
    e.group = this.ref(e.group, 1);
    e.source = this.ref(e.source, 0);
    e.at = list.length;
    list.push(e);
    this.byKey.set(e.key, e);
  }

  /** Takes an entry out of its table (and the book's indexes). */
  private unplace(e: Entry): void {
    const slots = e.tried ? this.triedSlots : this.newSlots;
    const list = e.tried ? this.triedList : this.newList;
    slots[e.slot] = undefined;
    const last = list.pop()!;
    if (last !== e) {
      list[e.at] = last;
      last.at = e.at;
    }
    this.byKey.delete(e.key);
    this.unref(e.group, 1);
    this.unref(e.source, 0);
  }

  private isTerrible(e: Entry, now: number): boolean {
    if (e.lastTry > 0 && now - e.lastTry < TRYING_MS) return false;
    if (e.lastSeen > now + FUTURE_MS) return true;
    if (now - e.lastSeen > HORIZON_MS) return true;
    if (e.lastSuccess === 0 && e.attempts >= RETRIES) return true;
    if (now - e.lastSuccess > MIN_FAIL_MS && e.attempts >= MAX_FAILURES) return true;
    return false;
  }

  /** Keyed hash of the parts, reduced to [0, n). */
  private hash(n: number, ...parts: (string | number)[]): number {
    let need = 0;
    for (const p of parts) need += typeof p === 'string' ? 3 + 2 * p.length : 5;
    if (need > this.buf.length) this.buf = new Uint8Array(need * 2);
    const b = this.buf;
    let at = 0;
    // Each part tagged and length-prefixed, so no two lists of parts give the same bytes.
    for (const p of parts) {
      if (typeof p === 'string') {
        b[at++] = 1;
        b[at++] = p.length >>> 8;
        b[at++] = p.length & 255;
        for (let i = 0; i < p.length; i++) {
          const c = p.charCodeAt(i);
          b[at++] = c >>> 8;
          b[at++] = c & 255;
        }
      } else {
        b[at++] = 2;
        b[at++] = p >>> 24;
        b[at++] = (p >>> 16) & 255;
        b[at++] = (p >>> 8) & 255;
        b[at++] = p & 255;
      }
    }
    const [hi, lo] = sipHash(this.key, b, at, this.out);
    // (hi * 2^32 + lo) mod n, exact in doubles because n < 2^21.
    return ((hi % n) * 4294967296 + lo) % n;
  }

  /**
   * The new slots an address may take, in order: one bucket from (group, source group), as
   * addrman's, and NEW_SLOT_PROBES places in it from the address. A source that tells of the
   * nodes of one network puts them all in one bucket of 64: with one place each, 8 of them lost
   * one or more to collisions in 37% of fresh books (1 - prod(1 - k/64, k < 8)); with four, in
   * at most 8 * (7/64)^4 = 0.1%. A bucket still holds no more than it holds, so one source group
   * fills no more of the table than before.
   */
  private newSlotsOf(key: string, group: string, source: string): number[] {
    const { newBuckets, bucketSize, bucketsPerSourceGroup } = this.o;
    const which = this.hash(bucketsPerSourceGroup, 'new', group, source);
    const bucket = this.hash(newBuckets, 'new-bucket', source, which);
    return Array.from(
      { length: Math.min(NEW_SLOT_PROBES, bucketSize) },
      (_, probe) => bucket * bucketSize + this.hash(bucketSize, 'new-slot', bucket, key, probe),
    );
  }

  /** The tried slot of an address: the bucket from (address, group), the slot from the address. */
  private triedSlot(key: string, group: string): number {
    const { triedBuckets, bucketSize, triedBucketsPerGroup } = this.o;
    const which = this.hash(triedBucketsPerGroup, 'tried', key);
    const bucket = this.hash(triedBuckets, 'tried-bucket', group, which);
    return bucket * bucketSize + this.hash(bucketSize, 'tried-slot', bucket, key);
  }
}

function unit(uniform: Uniform): () => number {
  return typeof uniform === 'function' ? uniform : () => uniform.float();
}

/** addrman's GetChance: how willing select is to take this entry now. */
function chance(e: Entry, now: number): number {
  let c = 1;
  if (now - e.lastTry < RECENT_TRY_MS) c *= 0.01;
  return c * 0.66 ** Math.min(e.attempts, 8);
}

function view(e: Entry): BookEntry {
  return {
    addr: e.addr,
    ...(e.peerId === undefined ? {} : { peerId: e.peerId }),
    group: e.group,
    source: e.source,
    tried: e.tried,
    lastSeen: e.lastSeen,
    lastTry: e.lastTry,
    lastSuccess: e.lastSuccess,
    attempts: e.attempts,
  };
}

/** A short printable form of a value that should have been something else. */
function oneWord(x: unknown): string {
  const text = typeof x === 'string' ? JSON.stringify(x) : String(x);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
