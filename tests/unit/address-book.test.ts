// The address book: its bounds under floods (one subnet, one source, random junk), the move to
// tried, select's preferences and the outbound filler's diversity, peer-exchange samples, and
// snapshots that survive damage. Seeds are fixed; bounds come from the bucket rules.
import { describe, expect, it } from 'vitest';
import { AddressError } from '../../src-shared/net/address-group';
import {
  AddressBook,
  AddressBookOptionError,
  MAX_SAMPLE,
  MAX_SAMPLE_SHARE,
  MIN_SAMPLE_FLOOR,
  splitPeerAddress,
  type AddressBookOptions,
  type BookEntry,
  type PeerAddress,
} from '../../src-shared/net/address-book';
import { seededRng } from '../../src-shared/random';

const SECRET = Uint8Array.from({ length: 16 }, (_, i) => i * 17 + 3);
const OTHER_SECRET = Uint8Array.from({ length: 16 }, (_, i) => 255 - i * 5);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A book on a clock the test moves (`clock.t`). */
function makeBook(opts: Partial<AddressBookOptions> = {}, clock = { t: 1_000 * DAY }) {
  const book = new AddressBook({ secret: SECRET, now: () => clock.t, ...opts });
  return { book, clock };
}

type R = ReturnType<typeof seededRng>;
const ip4 = (a: number, b: number, c: number, d: number, port = 4001) =>
  `/ip4/${a}.${b}.${c}.${d}/tcp/${port}`;
/** A random routable-looking IPv4 address (first octet 1..223). */
const randomIp4 = (rng: R) =>
  ip4(1 + rng.int(223), rng.int(256), rng.int(256), rng.int(256), 1 + rng.int(65535));
const group16 = (a: number, b: number) => `ip4:${a}.${b}`;

describe('bounds', () => {
  it('never holds more than its slots under a flood of 100,000 random adds', () => {
    const { book } = makeBook({
      newBuckets: 16,
      triedBuckets: 4,
      bucketSize: 8,
      bucketsPerSourceGroup: 4,
      triedBucketsPerGroup: 2,
      maxPerGroup: 1_000,
    });
    // 16 x 8 new slots and 4 x 8 tried slots: each entry holds exactly one.
    const rng = seededRng(1);
    let offered = 0;
    while (offered < 100_000) {
      const batch: PeerAddress[] = Array.from({ length: 100 }, () => ({ addr: randomIp4(rng) }));
      offered += batch.length;
      book.add(batch, randomIp4(rng));
      // Some dials work: their entries move to tried and push others back.
      const all = book.entries();
      for (let k = 0; k < 3; k++) book.good(all[rng.int(all.length)]!.addr);
      expect(book.size.new).toBeLessThanOrEqual(16 * 8);
      expect(book.size.tried).toBeLessThanOrEqual(4 * 8);
      expect(book.entries()).toHaveLength(book.size.new + book.size.tried);
    }
    expect(book.capacity).toBe(160);
    // The book filled up: an unbounded one would hold ~100,000.
    expect(book.size.new + book.size.tried).toBeGreaterThan(100);
  });

  it('holds the defaults within 20,480 entries when flooded with 100,000 addresses', () => {
    const { book } = makeBook({ maxPerGroup: 100_000 });
    const rng = seededRng(2);
    for (let i = 0; i < 100; i++)
      book.add(
        Array.from({ length: 1_000 }, () => ({ addr: randomIp4(rng) })),
        randomIp4(rng),
      );
    expect(book.capacity).toBe(256 * 64 + 64 * 64);
    expect(book.size.new).toBeLessThanOrEqual(256 * 64);
    // 100 sources, each reaching at most 32 x 64 slots: the new table can fill.
    expect(book.size.new).toBeGreaterThan(10_000);
  });

  it('keeps 30 attacker addresses in one /16, sent by many peers and by themselves, to maxPerGroup', () => {
    const { book } = makeBook({ maxPerGroup: 8 });
    const attackers = Array.from({ length: 30 }, (_, i) => ip4(66, 6, i >> 4, i & 15));
    // Each attacker connects in (its own address is learned from itself) and gossips all 30.
    for (const a of attackers) {
      book.add([{ addr: a }], a);
      book.add(
        attackers.map((addr) => ({ addr })),
        a,
      );
    }
    // ... and honest peers in other /16s pass them on too.
    for (let s = 0; s < 50; s++)
      book.add(
        attackers.map((addr) => ({ addr })),
        ip4(10 + s, 1, 1, 1),
      );
    expect(book.groupCount(group16(66, 6))).toBeLessThanOrEqual(8);
    // The limit is reached (30 offers into scattered slots), and refused offers were counted.
    expect(book.groupCount(group16(66, 6))).toBe(8);
    expect(book.stats.groupFull).toBeGreaterThan(0);
    // Dials that work move them to tried without making room for more.
    for (const e of book.entries()) book.good(e.addr);
    book.add(
      attackers.map((addr) => ({ addr })),
      ip4(99, 1, 1, 1),
    );
    expect(book.groupCount(group16(66, 6))).toBe(8);
    // Honest addresses still get in.
    expect(book.add([{ addr: ip4(20, 1, 1, 1) }], 'self')).toBe(1);
  });

  it('keeps 5,000 addresses of one /16 from 1,000 sources to the default maxPerGroup (64)', () => {
    const { book } = makeBook();
    const rng = seededRng(3);
    for (let s = 0; s < 1_000; s++) {
      const batch = Array.from({ length: 5 }, (_, k) => ({
        addr: ip4(66, 6, (s * 5 + k) >> 8, (s * 5 + k) & 255),
      }));
      book.add(batch, randomIp4(rng));
      if (s % 10 === 0) book.good(batch[0]!.addr);
      expect(book.groupCount(group16(66, 6))).toBeLessThanOrEqual(64);
    }
    expect(book.groupCount(group16(66, 6))).toBe(64);
    expect(book.entries().filter((e) => e.group === group16(66, 6))).toHaveLength(64);
  });

  it('lets one source group fill at most bucketsPerSourceGroup x bucketSize new slots', () => {
    // A new entry's bucket is H(source, H(group, source) mod 4) mod 64: whatever addresses one
    // source group makes up, they land in at most 4 buckets of 8 slots, 32 entries.
    const sizes = { newBuckets: 64, bucketSize: 8, bucketsPerSourceGroup: 4, maxPerGroup: 100_000 };
    const { book } = makeBook(sizes);
    const rng = seededRng(4);
    // 30 hosts of one /16 (one source group), 20,000 addresses over thousands of groups.
    for (let i = 0; i < 20; i++)
      book.add(
        Array.from({ length: 1_000 }, () => ({ addr: randomIp4(rng) })),
        ip4(66, 6, 0, i % 30),
      );
    expect(book.size.new).toBeLessThanOrEqual(4 * 8);
    const buckets = new Set(
      book.entries().map((e) => Math.floor(book.placement(e.addr)!.slot / 8)),
    );
    expect(buckets.size).toBeLessThanOrEqual(4);
    // A second source group gets its own buckets: the first one did not take the table.
    const before = book.size.new;
    book.add(
      Array.from({ length: 1_000 }, () => ({ addr: randomIp4(rng) })),
      ip4(77, 7, 0, 1),
    );
    expect(book.size.new).toBeGreaterThan(before);
    expect(book.size.new).toBeLessThanOrEqual(2 * 4 * 8);
  });

  it('looks at no more than maxPerAdd entries of one call', () => {
    const { book } = makeBook({ maxPerAdd: 100, maxPerGroup: 1_000 });
    const list = Array.from({ length: 150 }, (_, i) => ({ addr: ip4(11, i, 0, 1) }));
    expect(book.add(list, 'self')).toBeLessThanOrEqual(100);
    expect(book.stats.truncated).toBe(50);
    expect(book.get(ip4(11, 120, 0, 1))).toBeUndefined();
  });
});

describe('consistency', () => {
  it('keeps its tables, indexes and group counts in step under random operations', () => {
    const clock = { t: 1_000 * DAY };
    const opts = {
      newBuckets: 8,
      triedBuckets: 4,
      bucketSize: 4,
      bucketsPerSourceGroup: 2,
      triedBucketsPerGroup: 2,
      maxPerGroup: 3,
    };
    let { book } = makeBook(opts, clock);
    const rng = seededRng(15);
    // A small world of addresses in 6 /16s, so that groups fill and slots collide often.
    const world = Array.from({ length: 60 }, (_, i) => ip4(31 + (i % 6), 1, i >> 2, i & 3));
    const any = () => world[rng.int(world.length)]!;
    let full = 0;
    let tried = 0;
    for (let step = 0; step < 3_000; step++) {
      clock.t += rng.int(3) * DAY + rng.int(20) * MINUTE;
      switch (rng.int(7)) {
        case 0:
        case 1:
          book.add(
            Array.from({ length: 1 + rng.int(5) }, () => ({ addr: any() })),
            rng.int(4) === 0 ? 'self' : ip4(90 + rng.int(3), 1, 1, 1),
          );
          break;
        case 2:
          book.good(any(), rng.int(2) === 0 ? `Qm${rng.int(9)}` : undefined);
          break;
        case 3:
          book.attempt(any());
          book.failed(any());
          break;
        case 4:
          book.remove(any());
          break;
        case 5:
          book.select(rng.float.bind(rng));
          break;
        default:
          if (rng.int(10) === 0)
            ({ book } = AddressBook.fromJSON(JSON.parse(JSON.stringify(book.toJSON())), {
              ...opts,
              now: () => clock.t,
            }));
      }
      const all = book.entries();
      expect(all).toHaveLength(book.size.new + book.size.tried);
      expect(all.filter((e) => e.tried)).toHaveLength(book.size.tried);
      const slots = new Set(all.map((e) => `${e.tried}:${book.placement(e.addr)!.slot}`));
      expect(slots.size).toBe(all.length);
      const groups = new Map<string, number>();
      for (const e of all) groups.set(e.group, (groups.get(e.group) ?? 0) + 1);
      for (const [g, count] of groups) {
        expect(book.groupCount(g)).toBe(count);
        expect(count).toBeLessThanOrEqual(3);
        if (count === 3) full++;
      }
      tried = Math.max(tried, book.size.tried);
      expect(new Set(all.map((e) => e.addr)).size).toBe(all.length);
    }
    // The walk did reach the bounds it checks.
    expect(full).toBeGreaterThan(100);
    expect(tried).toBeGreaterThan(3);
  });
});

describe('bad input', () => {
  it('skips and counts invalid entries, keeping the valid ones and the reason', () => {
    const { book } = makeBook();
    const junk = [
      { addr: 'junk' },
      5,
      null,
      { addr: '/ip4/1.2.3.4/tcp/1/p2p/QmPeer' },
      { addr: '/ip4/1.2.3.4/tcp/1', peerId: 'not an id' },
      { addr: `/dns4/${'a'.repeat(300)}.com/tcp/1` },
      { addr: ['/ip4/1.2.3.4/tcp/1'] },
    ] as unknown as PeerAddress[];
    const good = { addr: '/ip4/1.2.3.4/tcp/1', peerId: 'QmPeer' };
    expect(book.add([...junk, good], '/ip4/9.9.9.9/tcp/1')).toBe(1);
    expect(book.rejected).toBe(junk.length);
    expect(book.lastRejection).toBeInstanceOf(AddressError);
    expect(book.get('/ip4/1.2.3.4/tcp/1')).toMatchObject({ peerId: 'QmPeer', source: 'ip4:9.9' });
    expect(book.add('nope' as unknown as PeerAddress[], 'self')).toBe(0);
    expect(book.rejected).toBe(junk.length + 1);
  });

  it('splits a peer id off the end of an address, as the book wants it', () => {
    expect(splitPeerAddress('/ip4/1.2.3.4/tcp/1/p2p/QmPeer')).toEqual({
      addr: '/ip4/1.2.3.4/tcp/1',
      peerId: 'QmPeer',
    });
    expect(splitPeerAddress('/ip4/1.2.3.4/tcp/1')).toEqual({ addr: '/ip4/1.2.3.4/tcp/1' });
    // A relayed address reaches one peer behind the relay: its target's id stays in it.
    expect(splitPeerAddress('/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit/p2p/T')).toEqual({
      addr: '/ip4/1.2.3.4/tcp/1/p2p/R/p2p-circuit/p2p/T',
      peerId: 'T',
    });
    expect(splitPeerAddress('/ip4/1.2.3.4/udp/1')).toBeInstanceOf(AddressError);
    const { book } = makeBook();
    const split = splitPeerAddress('/ip4/1.2.3.4/tcp/1/p2p/QmPeer') as PeerAddress;
    expect(book.add([split], 'self')).toBe(1);
    // Two peers behind one relay are two entries, not one taken for the other.
    const behind = ['T1', 'T2'].map(
      (t) => splitPeerAddress(`/ip4/5.6.7.8/tcp/1/p2p/R/p2p-circuit/p2p/${t}`) as PeerAddress,
    );
    expect(book.add(behind, 'self')).toBe(2);
    expect(book.rejected).toBe(0);
    // A relayed address whose target is not the peer id given is refused.
    book.add([{ addr: '/ip4/5.6.7.8/tcp/1/p2p/R/p2p-circuit/p2p/T3', peerId: 'T4' }], 'self');
    expect(book.rejected).toBe(1);
  });

  it('files an unreadable source under one shared group, so it cannot escape the source bound', () => {
    const { book } = makeBook();
    book.add([{ addr: ip4(12, 1, 1, 1) }], 'garbage');
    book.add([{ addr: ip4(12, 2, 1, 1) }], '/ip4/9.9.9.9/tcp/1/p2p/QmSource');
    expect(book.get(ip4(12, 1, 1, 1))?.source).toBe('other');
    expect(book.get(ip4(12, 2, 1, 1))?.source).toBe('ip4:9.9');
  });

  it('refuses options out of range with an error naming the option', () => {
    expect(() => new AddressBook({ secret: new Uint8Array(8) })).toThrow(RangeError);
    try {
      new AddressBook({ secret: SECRET, bucketSize: 0 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AddressBookOptionError);
      expect((err as AddressBookOptionError).option).toBe('bucketSize');
    }
    expect(() => new AddressBook({ secret: SECRET, bucketsPerSourceGroup: 300 })).toThrow(
      AddressBookOptionError,
    );
  });
});

describe('new and tried', () => {
  it('moves an address that worked to tried, and select then returns it', () => {
    const { book, clock } = makeBook();
    const rng = seededRng(5);
    book.add(
      Array.from({ length: 50 }, (_, i) => ({ addr: ip4(30 + i, 1, 1, 1) })),
      'self',
    );
    // 'self' reaches 32 buckets of 64 slots: one or two of the 50 may have collided.
    const held = book.size.new;
    expect(held).toBeGreaterThan(45);
    const chosen = book.entries()[17]!.addr;
    expect(book.good(chosen, 'QmChosen')).toBe(true);
    expect(book.size).toEqual({ new: held - 1, tried: 1 });
    expect(book.get(chosen)).toMatchObject({ tried: true, peerId: 'QmChosen', attempts: 0 });
    // A success counts as a try: for 10 minutes select takes it only 1 time in 100.
    clock.t += 11 * MINUTE;
    // Tried is drawn from half the time: missing it 20 times in a row has odds 2^-20.
    const picks = Array.from({ length: 20 }, () => book.select(rng.float.bind(rng))?.addr);
    expect(picks).toContain(chosen);
    // The project's Rng serves as well as a function.
    expect(book.select(rng)).toBeDefined();
    expect(book.sample(3, rng)).toHaveLength(3);
    expect(book.good(ip4(200, 1, 1, 1))).toBe(false);
  });

  it('sends the tried occupant of a slot back to new, as addrman does', () => {
    // One tried slot (1 bucket of 1): the second good() displaces the first.
    const { book } = makeBook({ triedBuckets: 1, bucketSize: 1 });
    const [a, b] = [ip4(40, 1, 1, 1), ip4(41, 1, 1, 1)];
    book.add([{ addr: a }, { addr: b }], 'self');
    expect(book.size).toEqual({ new: 2, tried: 0 });
    book.good(a);
    expect(book.size).toEqual({ new: 1, tried: 1 });
    book.good(b);
    // a goes back to its own new slot (empty since it left), b holds the tried slot.
    expect(book.size).toEqual({ new: 1, tried: 1 });
    expect(book.get(a)).toMatchObject({ tried: false, attempts: 0 });
    expect(book.get(a)!.lastSuccess).toBeGreaterThan(0);
    expect(book.get(b)?.tried).toBe(true);
  });

  it('finds an IPv6 entry however its address is spelled', () => {
    const { book } = makeBook();
    book.add([{ addr: '/ip6/2001:db8::7/tcp/1' }], 'self');
    expect(book.add([{ addr: '/ip6/2001:0db8:0:0::7/tcp/1' }], 'self')).toBe(0);
    expect(book.good('/ip6/2001:DB8:0::7/tcp/1')).toBe(true);
    expect(book.size).toEqual({ new: 0, tried: 1 });
    expect(book.remove('/ip6/2001:db8:0:0:0:0:0:7/tcp/1')).toBe(true);
    expect(book.size).toEqual({ new: 0, tried: 0 });
  });
});

describe('select', () => {
  it('fills 8 outbound slots with at most 2 per group against an attacker with 1,000 addresses', () => {
    const { book } = makeBook({ maxPerGroup: 2_000 });
    // The attacker's 1,000 addresses in 66.6/16, each told by a peer in another /16.
    for (let i = 0; i < 1_000; i++)
      book.add([{ addr: ip4(66, 6, i >> 8, i & 255) }], ip4(100 + (i % 100), i >> 2, 0, 1));
    const attackerHeld = book.groupCount(group16(66, 6));
    expect(attackerHeld).toBeGreaterThan(900);
    // 20 honest groups with 5 addresses each.
    for (let g = 0; g < 20; g++)
      book.add(
        Array.from({ length: 5 }, (_, k) => ({ addr: ip4(20 + g, 1, 0, k + 1) })),
        'self',
      );
    // Honest addresses collide with attacker ones now and then; most get in.
    const honestHeld = book.size.new - attackerHeld;
    expect(honestHeld).toBeGreaterThan(80);
    expect(new Set(book.entries().map((e) => e.group)).size).toBe(21);
    const rng = seededRng(6);
    const pick = (perGroup: number) => {
      const picked: BookEntry[] = [];
      for (let n = 0; n < 8; n++) {
        const e = book.select(
          rng.float.bind(rng),
          (c) =>
            picked.some((p) => p.addr === c.addr) ||
            picked.filter((p) => p.group === c.group).length >= perGroup,
        );
        if (e) picked.push(e);
      }
      return picked;
    };
    for (let round = 0; round < 20; round++) {
      const picked = pick(2);
      expect(picked).toHaveLength(8);
      expect(picked.filter((e) => e.group === group16(66, 6)).length).toBeLessThanOrEqual(2);
      expect(new Set(picked.map((e) => e.group)).size).toBeGreaterThanOrEqual(4);
    }
    // Without the group rule the attacker, with ~91% of the book, takes most slots: the rule is
    // what keeps it out (P[at most 4 of 8] under Binomial(8, 0.9) is below 0.5%).
    const loose = pick(8);
    expect(loose.filter((e) => e.group === group16(66, 6)).length).toBeGreaterThan(4);
  });

  it('prefers addresses that have not failed, by the odds addrman gives them', () => {
    const clock = { t: 1_000 * DAY };
    const { book } = makeBook({}, clock);
    const fresh = Array.from({ length: 100 }, (_, i) => ({ addr: ip4(50 + (i % 50), i, 1, 1) }));
    const failing = Array.from({ length: 100 }, (_, i) => ({ addr: ip4(150 + (i % 50), i, 2, 2) }));
    book.add([...fresh, ...failing], 'self');
    // Those that collided with another are not in the book: count what is.
    const nFresh = fresh.filter((f) => book.get(f.addr)).length;
    const nFailing = failing.filter((f) => book.get(f.addr)).length;
    expect(nFresh + nFailing).toBeGreaterThan(190);
    for (const { addr } of failing)
      for (let k = 0; k < 3; k++) {
        book.attempt(addr);
        book.failed(addr);
      }
    // An hour later, the failures are no longer "recent" (no x0.01): chance is 0.66^3.
    clock.t += 60 * MINUTE;
    // Each draw is failing with odds q (its share of the book); a fresh one is always taken, a
    // failing one with a_k = min(1, 1.2^k x 0.66^3) at draw k. P(failing) = sum_k r_k q a_k,
    // with r_0 = 1 and r_(k+1) = r_k q (1 - a_k). (Uniform choice would give q, about 1/2.)
    const q = nFailing / (nFresh + nFailing);
    const c = 0.66 ** 3;
    let p = 0;
    let reach = 1;
    for (let k = 0; k < 100; k++) {
      const a = Math.min(1, 1.2 ** k * c);
      p += reach * q * a;
      reach *= q * (1 - a);
    }
    expect(p).toBeGreaterThan(0.2);
    expect(p).toBeLessThan(0.3);
    const rng = seededRng(8);
    const trials = 4_000;
    let failed = 0;
    const failingSet = new Set(failing.map((f) => f.addr));
    for (let i = 0; i < trials; i++)
      if (failingSet.has(book.select(rng.float.bind(rng))!.addr)) failed++;
    const sigma = Math.sqrt((p * (1 - p)) / trials);
    expect(Math.abs(failed / trials - p)).toBeLessThan(4 * sigma);
  });

  it('passes over entries dialled in the last 10 minutes 99 times in 100', () => {
    const clock = { t: 1_000 * DAY };
    const { book } = makeBook({}, clock);
    book.add([{ addr: ip4(60, 1, 1, 1) }, { addr: ip4(61, 1, 1, 1) }], 'self');
    book.attempt(ip4(60, 1, 1, 1));
    clock.t += MINUTE;
    const rng = seededRng(9);
    let recent = 0;
    for (let i = 0; i < 2_000; i++)
      if (book.select(rng.float.bind(rng))!.addr === ip4(60, 1, 1, 1)) recent++;
    // Same sum as above with c = 0.01: below 1%.
    expect(recent / 2_000).toBeLessThan(0.02);
  });

  it('returns nothing from an empty book, or when everything is excluded', () => {
    const { book } = makeBook();
    const rng = seededRng(10);
    expect(book.select(rng.float.bind(rng))).toBeUndefined();
    book.add([{ addr: ip4(70, 1, 1, 1) }], 'self');
    expect(book.select(rng.float.bind(rng), () => true)).toBeUndefined();
  });
});

describe('sample (peer exchange)', () => {
  it('never tells terrible addresses, never repeats, and prefers tried ones', () => {
    const clock = { t: 1_000 * DAY };
    const { book } = makeBook({}, clock);
    const tried = Array.from({ length: 50 }, (_, i) => ({ addr: ip4(80, i, 1, 1) }));
    const fresh = Array.from({ length: 50 }, (_, i) => ({ addr: ip4(81, i, 1, 1) }));
    const dead = Array.from({ length: 10 }, (_, i) => ({ addr: ip4(82, i, 1, 1) }));
    book.add([...tried, ...fresh, ...dead], 'self');
    for (const { addr } of tried) book.good(addr);
    for (const { addr } of dead) for (let k = 0; k < 3; k++) book.failed(addr);
    clock.t += 2 * MINUTE; // past the minute in which a tried address is not yet terrible
    const deadSet = new Set(dead.map((d) => d.addr));
    const triedSet = new Set(tried.map((d) => d.addr));
    const rng = seededRng(11);
    const trials = 2_000;
    let firstTried = 0;
    for (let i = 0; i < trials; i++) {
      const s = book.sample(20, rng.float.bind(rng));
      expect(s).toHaveLength(20);
      expect(new Set(s.map((x) => x.addr)).size).toBe(20);
      expect(s.some((x) => deadSet.has(x.addr))).toBe(false);
      if (triedSet.has(s[0]!.addr)) firstTried++;
    }
    // Weights 2 (tried) and 1 (new), all seen today: the first is tried with odds 100/150.
    const p = 2 / 3;
    expect(Math.abs(firstTried / trials - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / trials));
    // At most 23% of the book (rounded up) at once, but never fewer than 32 from a book that has them.
    const held = book.size.new + book.size.tried;
    expect(held).toBeGreaterThan(100);
    expect(book.sample(5_000, rng.float.bind(rng))).toHaveLength(
      Math.max(Math.ceil(0.23 * held), 32),
    );
    expect(book.sample(0, rng.float.bind(rng))).toEqual([]);
    expect(MAX_SAMPLE).toBe(1000);
    expect(MAX_SAMPLE_SHARE).toBe(0.23);
    // A book of 20 (a young swarm) is told whole: the share applies from MIN_SAMPLE_FLOOR on.
    const small = makeBook().book;
    small.add(
      Array.from({ length: 20 }, (_, k) => ({ addr: ip4(60 + k, 1, 1, 1) })),
      ip4(9, 9, 9, 9),
    );
    expect(small.sample(32, rng.float.bind(rng))).toHaveLength(20);
    expect(MIN_SAMPLE_FLOOR).toBe(32);
  });

  it('forgets nothing it was not told to: an address unseen for 30 days is no longer told', () => {
    const clock = { t: 1_000 * DAY };
    const { book } = makeBook({}, clock);
    book.add([{ addr: ip4(90, 1, 1, 1) }], 'self');
    clock.t += 29 * DAY;
    expect(book.sample(10, Math.random)).toHaveLength(1);
    clock.t += 2 * DAY;
    expect(book.sample(10, Math.random)).toHaveLength(0);
    expect(book.size.new).toBe(1);
  });
});

describe('snapshots', () => {
  function populated() {
    const clock = { t: 1_000 * DAY };
    const { book } = makeBook({}, clock);
    const rng = seededRng(12);
    for (let s = 0; s < 40; s++)
      book.add(
        Array.from({ length: 25 }, (_, k) => ({
          addr: randomIp4(rng),
          ...(k % 3 === 0 ? { peerId: `QmPeer${s}x${k}` } : {}),
        })),
        s % 5 === 0 ? 'self' : randomIp4(rng),
      );
    const all = book.entries();
    for (let i = 0; i < 200; i++) {
      const e = all[rng.int(all.length)]!;
      book.attempt(e.addr);
      clock.t += 1_000;
      if (i % 3 === 0) book.failed(e.addr);
      else book.good(e.addr);
    }
    return { book, clock };
  }
  const byAddr = (a: BookEntry, b: BookEntry) => (a.addr < b.addr ? -1 : 1);

  it('round-trips entries, counters and bucket placement through JSON', () => {
    const { book, clock } = populated();
    expect(book.size.tried).toBeGreaterThan(50);
    const text = JSON.stringify(book.toJSON());
    const restored = AddressBook.fromJSON(JSON.parse(text), { now: () => clock.t });
    expect(restored.dropped).toBe(0);
    expect(restored.freshSecret).toBe(false);
    expect(restored.problem).toBeUndefined();
    const again = restored.book;
    expect(again.size).toEqual(book.size);
    expect([...again.entries()].sort(byAddr)).toEqual([...book.entries()].sort(byAddr));
    for (const e of book.entries()) expect(again.placement(e.addr)).toEqual(book.placement(e.addr));
    expect(again.toJSON()).toEqual(book.toJSON());
  });

  it('keeps tried entries first when a snapshot is cut to size', () => {
    const { book } = populated();
    const cut = book.toJSON(30);
    expect(cut.entries).toHaveLength(30);
    expect(cut.entries.every((e) => e.tried)).toBe(true);
  });

  it('drops exactly the damaged entries of a snapshot and never throws', () => {
    const { book, clock } = populated();
    const snap = structuredClone(book.toJSON()) as unknown as {
      entries: Record<string, unknown>[];
    } & Record<string, unknown>;
    const n = snap.entries.length;
    const damage: ((e: Record<string, unknown>) => void)[] = [
      (e) => (e.addr = 5),
      (e) => (e.lastSeen = NaN),
      (e) => (e.attempts = -1),
      (e) => (e.lastTry = 1.5),
      (e) => (e.tried = 'yes'),
      (e) => (e.addr = '/ip4/999.1.1.1/tcp/1'),
      (e) => (e.addr = '/ip4/1.2.3.4/tcp/1/p2p/QmSelf'),
      (e) => (e.source = 'x'.repeat(300)),
      (e) => (e.peerId = 'not valid!'),
      (e) => (e.lastSuccess = Infinity),
      (e) => delete e.lastSeen,
    ];
    damage.forEach((hurt, i) => hurt(snap.entries[i]!));
    snap.entries.push(structuredClone(snap.entries[20]!)); // a duplicate
    snap.entries.push(null as never, 'text' as never, [] as never);
    const restored = AddressBook.fromJSON(snap, { now: () => clock.t });
    expect(restored.dropped).toBe(damage.length + 4);
    expect(restored.book.size.new + restored.book.size.tried).toBe(n - damage.length);
    expect(restored.problem).toBeUndefined();
  });

  it('looks at no more entries than the book can hold', () => {
    const { book } = populated();
    const snap = { ...book.toJSON(), entries: new Array(1_000_000).fill(book.toJSON().entries[0]) };
    const small = { newBuckets: 4, triedBuckets: 4, bucketSize: 4 };
    const restored = AddressBook.fromJSON(snap, small);
    expect(restored.book.size.new + restored.book.size.tried).toBe(1);
    expect(restored.dropped).toBe(1_000_000 - 1);
  });

  it('gives an empty book and a one-line reason for a snapshot that is not one', () => {
    const fallback = OTHER_SECRET;
    for (const [raw, reason] of [
      [null, /not an object/],
      ['text', /not an object/],
      [[1, 2], /not an object/],
      [{}, /version is undefined/],
      [
        { version: 2, secret: '00'.repeat(16), entries: [{}] },
        /version is 2, this version reads 1/,
      ],
    ] as const) {
      const r = AddressBook.fromJSON(raw, { secret: fallback });
      expect(r.book.size).toEqual({ new: 0, tried: 0 });
      expect(r.freshSecret).toBe(true);
      expect(r.problem).toMatch(reason);
      expect(r.problem).not.toContain('\n');
    }
    expect(AddressBook.fromJSON({ version: 2, entries: [1, 2, 3] }).dropped).toBe(3);
    expect(
      AddressBook.fromJSON({ version: 1, secret: '00'.repeat(16), entries: 7 }).problem,
    ).toMatch(/entries are not a list/);
  });

  it('restores the entries under a new secret when the stored one is damaged', () => {
    const { book, clock } = populated();
    const snap = { ...book.toJSON(), secret: 'zz' };
    const r = AddressBook.fromJSON(snap, { now: () => clock.t, secret: OTHER_SECRET });
    expect(r.freshSecret).toBe(true);
    expect(r.problem).toMatch(/secret is not 32 hex digits/);
    // Placement changes, so a few entries may collide; nearly all come back.
    expect(r.book.size.new + r.book.size.tried + r.dropped).toBe(book.size.new + book.size.tried);
    expect(r.book.size.new + r.book.size.tried).toBeGreaterThan(
      0.9 * (book.size.new + book.size.tried),
    );
    expect(r.book.toJSON().secret).toBe(Buffer.from(OTHER_SECRET).toString('hex'));
  });

  it('survives random junk without throwing', () => {
    const rng = seededRng(13);
    const junk = (depth: number): unknown => {
      switch (rng.int(depth > 2 ? 6 : 8)) {
        case 0:
          return null;
        case 1:
          return rng.float() * 1e6 - 5e5;
        case 2:
          return ['/ip4/1.2.3.4/tcp/1', 'self', 'ip4:1.2', '', 'x'][rng.int(5)];
        case 3:
          return rng.int(2) === 0;
        case 4:
          return [NaN, Infinity, -0, 2 ** 60][rng.int(4)];
        case 5:
          return undefined;
        case 6:
          return Array.from({ length: rng.int(5) }, () => junk(depth + 1));
        default: {
          const keys = ['version', 'secret', 'entries', 'addr', 'tried', 'source', 'lastSeen'];
          return Object.fromEntries(
            keys.filter(() => rng.int(2) === 0).map((k) => [k, junk(depth + 1)]),
          );
        }
      }
    };
    for (let i = 0; i < 1_000; i++) {
      const raw = junk(0);
      expect(() => AddressBook.fromJSON(raw, { secret: SECRET })).not.toThrow();
      if (raw && typeof raw === 'object' && !Array.isArray(raw))
        expect(() =>
          AddressBook.fromJSON({ version: 1, secret: '00'.repeat(16), entries: [raw, raw] }),
        ).not.toThrow();
    }
  });

  it('places entries differently under a different secret', () => {
    const rng = seededRng(14);
    const a = makeBook().book;
    const b = new AddressBook({ secret: OTHER_SECRET });
    for (let s = 0; s < 20; s++) {
      const batch = Array.from({ length: 25 }, () => ({ addr: randomIp4(rng) }));
      const source = randomIp4(rng);
      a.add(batch, source);
      b.add(batch, source);
    }
    let same = 0;
    let both = 0;
    for (const e of a.entries()) {
      const pb = b.placement(e.addr);
      if (!pb) continue;
      both++;
      if (pb.slot === a.placement(e.addr)!.slot) same++;
    }
    expect(both).toBeGreaterThan(450);
    // Independent placements agree with odds 1/16,384 each: about 0.03 of 500 expected.
    expect(same).toBeLessThanOrEqual(2);
  });
});

describe('one network told by one source', () => {
  it('keeps all 8 nodes of one /16 told by one peer, in nearly every book', () => {
    // All 8 land in one bucket of 64 (one source group, one address group). With one place per
    // address, a book lost at least one in 1 - prod(1 - k/64, k < 8) = 37% of cases; with four
    // places, an address is lost only when all four are taken: at most 8 * (7/64)^4 = 0.1%.
    const rng = seededRng(2026, 12);
    const books = 2_000;
    let short = 0;
    for (let b = 0; b < books; b++) {
      const secret = Uint8Array.from({ length: 16 }, () => rng.int(256));
      const book = new AddressBook({ secret });
      const told = Array.from({ length: 8 }, (_, k) => ({
        addr: `/ip4/192.168.1.${k + 2}/tcp/4002/ws`,
      }));
      book.add(told, '/ip4/192.168.1.2/tcp/4001');
      if (book.entries().length < 8) short++;
    }
    expect(short / books).toBeLessThan(0.01);
  });
});
