import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, disposeLvs, prepareLvs } from '../helpers/lvs-process';
import { Testnet, netnsSkip, type LogRecord, type LvsHandle, type NetHost } from './netns';

/*
 * Bad peer-exchange input on real hosts, against a real `lvs node` at its defaults
 * (docs/protocol.md, "Peer exchange"). An attacker host (tests/net/pex-attacker.ts) first floods
 * the node with valid answers from 16 addresses of one /16: 32 fresh addresses in eight other
 * /16s each, coming back under new keys to be asked again. The book must keep at most 64 entries
 * of each of those groups (maxPerGroup), 512 in all, however many it is told, and node.json at
 * most its 256 entries. Then it sends four kinds of bad answer, one peer each: malformed (not JSON),
 * oversized (over 8,320 bytes), endless (answer frames back to back) and a trickle that never
 * completes; each of those peers then asks with a question it keeps talking on, and asks again
 * at once. Every one of those is a fault: logged by name, the peer's trust lowered, and the third
 * within 10 minutes denies the peer for 10 minutes and hangs up on it; node.json shows the trust
 * it lost.
 *
 * The node logs peer exchange at debug level, so it runs with --log-level debug; its limits are
 * the defaults.
 */

const skip = netnsSkip();
const PORT = 4001;
const KINDS = ['malformed', 'oversized', 'endless', 'trickle'] as const;
const FAULT_IPS = KINDS.map((_, k) => `11.70.0.${k + 1}`);
const FLOOD_IPS = Array.from({ length: 16 }, (_, k) => `11.71.0.${k + 1}`);
const FLOOD_S = 40;
const BAD_LIMIT = 3;
const DENY_MS = 600_000;
const TRUST_PRIOR = 0.5;
const TC_DROP = 0.5;
/** The flood's addresses lie in 11.200.0.0/16 to 11.207.0.0/16 (tests/net/pex-attacker.ts). */
const LIE_GROUPS = 8;
/** Entries the book keeps from one address group (maxPerGroup). */
const PER_GROUP = 64;
/** What the flood can put in the book: 64 from each of its 8 groups, below one source group's
 * 32 new buckets of 64 slots (2,048). */
const FLOOD_BOUND = Math.min(LIE_GROUPS * PER_GROUP, 32 * 64);
const STORED_BOOK = 256;

/** The first answer fault each kind must cause (the reason the node logs). */
const ANSWER_FAULT: Record<(typeof KINDS)[number], RegExp> = {
  malformed: /^not a UTF-8 JSON object$/,
  oversized: /^answer of \d+ bytes is over the 8320-byte limit$/,
  endless: /^(more than one frame in an answer|more bytes after the answer)$/,
  trickle: /^no answer within 10000 ms$/,
};

interface AttackEvent {
  readonly ev: string;
  readonly kind?: string;
  readonly peer?: string;
  readonly open?: boolean;
  readonly told?: number;
  readonly bytes?: number;
  readonly at: number;
}

const msg = (r: LogRecord) => String(r.msg ?? '');
const at = (r: LogRecord) => Date.parse(String(r.time));

/** Runs the attacker in its namespace and resolves with its events once it is done. */
function attack(host: NetHost, args: string[], timeoutMs: number): Promise<AttackEvent[]> {
  const child = host.spawn([
    process.execPath,
    '--import',
    'tsx',
    join(ROOT, 'tests/net/pex-attacker.ts'),
    ...args,
  ]);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{') && l.endsWith('}'))
      .map((l) => JSON.parse(l) as AttackEvent);
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the attacker did not finish within ${timeoutMs} ms:\n${out.slice(-3000)}`));
    }, timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      const got = events();
      if (got.some((e) => e.ev === 'done')) ok(got);
      else fail(new Error(`the attacker ended early:\n${out.slice(-3000)}`));
    });
  });
}

describe.skipIf(skip !== null)(
  `bad peer-exchange input on real hosts${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let net: Testnet;

    beforeAll(async () => {
      await prepareLvs();
      net = await Testnet.create();
    }, 60_000);

    afterAll(async () => {
      await net?.destroy();
      await disposeLvs();
    });

    it('malformed, oversized and endless messages are faults: logged, trust lowered, denied and cut off at the third; a flood leaves the book within its bounds', async () => {
      const targetHost = await net.publicHost('target');
      const evil = await net.publicHost('evil');
      await evil.exec(
        ['ip', '-batch', '-'],
        [...FAULT_IPS, ...FLOOD_IPS].map((ip) => `addr add ${ip}/8 dev eth0\n`).join(''),
      );
      const data = await net.tempDir();
      const node: LvsHandle = targetHost.spawnLvs([
        '--port',
        String(PORT),
        '--data',
        data,
        '--no-mdns',
        '--json-logs',
        '--status-every',
        '1',
        '--seed',
        '1',
        '--log-level',
        'debug',
      ]);
      await node.waitForRecord((r) => msg(r).startsWith('listening on'), 'listening', 60_000);
      // Trust lives in the drift engine, which a lone node starts after its join cycles: a fault
      // before then would cost nothing.
      await node.waitForRecord(
        (r) => msg(r).startsWith('no peers after'),
        'the genesis state',
        30_000,
      );
      const target = `/ip4/${targetHost.ip}/tcp/${PORT}`;

      // The flood: valid answers, far more addresses than the book may hold from one source.
      const t0 = Date.now();
      const flood = await attack(
        evil,
        ['flood', target, String(FLOOD_S), ...FLOOD_IPS],
        (FLOOD_S + 30) * 1000,
      );
      const told = flood.find((e) => e.ev === 'told')?.told ?? 0;
      const learned = node
        .records()
        .filter((r) => at(r) >= t0)
        .flatMap((r) => {
          const m = /^learned (\d+) new of (\d+) address\(es\) from /.exec(msg(r));
          return m ? [Number(m[1])] : [];
        });
      // Let a status record or two show the book after the last answer.
      const before = node.statuses().length;
      await node.waitForRecord(
        () => node.statuses().length > before + 1,
        'a status record after the flood',
        10_000,
      );
      const sizes = node.statuses().map((r) => {
        const book = (r.network as { book?: { new: number; tried: number } } | undefined)?.book;
        return book ? book.new + book.tried : 0;
      });
      const most = Math.max(...sizes);
      console.log(
        `bad-pex: flood told ${told} addresses in ${learned.length} answers, ${learned.reduce((a, b) => a + b, 0)} taken; the book held at most ${most} entries (bound ${FLOOD_BOUND})`,
      );
      expect(told).toBeGreaterThan(8 * FLOOD_BOUND);
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(FLOOD_BOUND);
      // Not a bound never reached: the flood filled what those groups may hold, and the last
      // quarter of its answers found no room at all.
      const lastQuarter = learned.slice(Math.floor((learned.length * 3) / 4));
      expect(lastQuarter.length).toBeGreaterThan(0);
      expect(lastQuarter.reduce((a, b) => a + b, 0)).toBe(0);

      // The four bad answerers, each followed by its two bad questions.
      const events = await attack(evil, ['faults', target, ...FAULT_IPS], 60_000);
      const peers = new Map(
        events.flatMap((e) => (e.ev === 'connected' ? [[e.kind!, e.peer!] as const] : [])),
      );
      expect([...peers.keys()].sort()).toEqual([...KINDS].sort());
      // The endless answer was cut off by the node, not by the attacker's own 10 s limit.
      const cut = events.find((e) => e.ev === 'endless-cut');
      console.log(`bad-pex: the endless answer was cut after ${cut?.bytes} bytes`);
      expect(cut?.open).toBe(false);
      const records = node.records();
      const thirdFaultAt = new Map<string, number>();
      for (const kind of KINDS) {
        const id = peers.get(kind)!;
        const faults = records.flatMap((r) => {
          const prefix = `bad peer-exchange message from ${id}: `;
          return msg(r).startsWith(prefix) ? [msg(r).slice(prefix.length)] : [];
        });
        console.log(`bad-pex: ${kind}: ${faults.join(' | ')}`);
        // Exactly the limit: the third fault ended the connection, so nothing more got through.
        expect(faults).toHaveLength(BAD_LIMIT);
        expect(faults[0]).toMatch(ANSWER_FAULT[kind]);
        expect(faults[1]).toBe('sent data on a peer-exchange question');
        expect(faults[2]).toMatch(/^asked again after \d+ ms \(at most once per 30000 ms\)$/);
        const denied = records.find(
          (r) =>
            msg(r) ===
            `disconnecting ${id}: ${BAD_LIMIT} bad peer-exchange messages within ${DENY_MS} ms; denied for ${DENY_MS} ms`,
        );
        expect(denied).toBeDefined();
        thirdFaultAt.set(kind, at(denied!));
        // Cut off: the attacker saw its connection close, and its key is not let back in.
        const seen = events.filter((e) => e.peer === id);
        expect(seen.some((e) => e.ev === 'closed' && e.at >= at(denied!) - 1_000)).toBe(true);
        expect(seen.find((e) => e.ev === 'redial')?.open).toBe(false);
      }

      // The engine takes a penalty into its trust table at once, and the store has it from the
      // next cycle's snapshot: let two cycles pass after the last fault (a busy node may be in
      // low-power mode, four times slower).
      const cycleNow = () => Number(node.lastStatus()?.cycle ?? 0);
      const lastCycle = cycleNow();
      await node.waitForRecord(
        () => cycleNow() >= lastCycle + 2,
        'two cycles after the faults',
        20_000,
      );

      // Stopped gracefully: the book and the trust as the node keeps them.
      const stoppedAt = Date.now();
      node.kill('SIGTERM');
      expect((await node.exited).code).toBe(0);
      const doc = JSON.parse(await readFile(join(data, 'node.json'), 'utf8')) as {
        addressBook: { entries: Array<{ addr: string }> };
        trust: Record<string, number>;
      };
      expect(doc.addressBook.entries.length).toBeLessThanOrEqual(STORED_BOOK);
      const byGroup = new Map<string, number>();
      for (const e of doc.addressBook.entries) {
        const group = /^\/ip4\/(\d+\.\d+)\./.exec(e.addr)?.[1] ?? e.addr;
        byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
      }
      for (const n of byGroup.values()) expect(n).toBeLessThanOrEqual(PER_GROUP);
      const trust = KINDS.map((k) => doc.trust[peers.get(k)!]);
      console.log(
        `bad-pex: node.json holds ${doc.addressBook.entries.length} book entries; trust in the faulty peers: ${trust.map((t) => t?.toFixed(3)).join(', ')}`,
      );
      // Each fault costs tcDrop (half) of the trust: three leave 0.5 x 0.5^3 = 0.0625. A peer
      // that sends nothing drifts back 2% of the way to the prior each cycle (1 s; docs/model.md,
      // "Trust between cycles"), so by the stop it may have regained that share of the gap for
      // each cycle since its third fault, and no more (two cycles' allowance for the timing).
      for (const [k, kind] of KINDS.entries()) {
        const t = trust[k];
        expect(t).toBeDefined();
        const third = thirdFaultAt.get(kind)!;
        const cycles = Math.ceil((stoppedAt - third) / 1000) + 2;
        const lowest = TRUST_PRIOR * (1 - TC_DROP) ** BAD_LIMIT;
        expect(t!).toBeGreaterThanOrEqual(lowest - 1e-6);
        expect(t!).toBeLessThanOrEqual(TRUST_PRIOR - (TRUST_PRIOR - lowest) * 0.98 ** cycles);
      }
    }, 150_000);
  },
);
