import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, disposeLvs, prepareLvs } from '../helpers/lvs-process';
import { Testnet, netnsSkip, type LogRecord, type LvsHandle, type NetHost } from './netns';

/*
 * Squatters on real hosts: the probe of docs/network.md ("Inbound slots and eviction") against a
 * real `lvs node` with the personal-node defaults. A squatter host holds 65 addresses in five
 * /16s (13 each, so neither the per-host limit of 8 nor a single group refuses them); from each
 * it dials the full node, five every 300 ms, sends a real HELLO claiming a one-hour cycle and then
 * says nothing (tests/net/squatter.ts). Once the node's 56 inbound slots are all squatters', two
 * new honest `lvs node`s, each on a host of its own and told only of the full node, must each get
 * a drift session with it within 20 s. Then the squatters still seated must be closed by the full
 * node's own silence limit, 160 s, not the sixteen hours their claimed cycle would once have
 * bought them. Everything the node did is read from its JSON log.
 *
 * The expected figures are the documented defaults (docs/network.md, docs/protocol.md):
 * 64 connections of which 8 are kept for outbound peers, so 56 inbound slots; and for a peer
 * claiming one hour, silence allowed = max(idleTimeoutMs 30 s, idleCycles 16 x the claim counted
 * as at most maxPeerCycleMs = max(8 x 1 s cycle, 10 s)) = 160 s. The second test therefore takes
 * about two and a half minutes: no flag of `lvs node` shortens that limit, and a real node at its
 * defaults is what the issue asks to see.
 */

const skip = netnsSkip();
const PORT = 4001;
const SQUATTERS = 65;
const GROUPS = 5;
const INBOUND_SLOTS = 64 - 8;
const ADMIT_WITHIN_MS = 20_000;
/** When the eviction policy calls a peer silent: no useful frame for max(10 s, 8 cycles). */
const SILENT_MS = 10_000;
const COUNTED_CYCLE_MS = 10_000;
const SILENCE_LIMIT_MS = 16 * COUNTED_CYCLE_MS;
// The node checks for silence every few seconds, on a machine that may be busy: a squatter must
// go within this long after its limit (and never before it).
const SILENCE_SLACK_MS = 10_000;

/** The squatters' addresses: 11.60.0.0/16 to 11.64.0.0/16, 13 in each. */
const SQUAT_IPS = Array.from(
  { length: SQUATTERS },
  (_, i) => `11.${60 + (i % GROUPS)}.0.${Math.floor(i / GROUPS) + 1}`,
);

interface SquatEvent {
  readonly ev: 'open' | 'failed' | 'closed' | 'dialled';
  readonly ip?: string;
  readonly peer?: string;
  readonly at: number;
}

interface Conn {
  readonly peer: string;
  readonly addr: string;
  readonly direction: 'inbound' | 'outbound';
}

const msg = (r: LogRecord) => String(r.msg ?? '');
const at = (r: LogRecord) => Date.parse(String(r.time));
const peerIdOf = (r: LogRecord): string => /\/p2p\/(\w+)/.exec(msg(r))?.[1] ?? '';
const inboundOf = (r: LogRecord) =>
  ((r.connections as Conn[] | undefined) ?? []).filter((c) => c.direction === 'inbound');
const driftPeers = (r: LogRecord | undefined) =>
  ((r?.drift as Array<{ peer: string }> | undefined) ?? []).map((d) => d.peer);

/** The node's evictions, from its log: who went, why, and whom it made room for. */
function evictions(n: LvsHandle): Array<{ evicted: string; reason: string; newcomer: string }> {
  return n.records().flatMap((r) => {
    const m = /^evicted inbound peer (\S+) \((.*)\) to admit (\S+)$/.exec(msg(r));
    return m ? [{ evicted: m[1]!, reason: m[2]!, newcomer: m[3]! }] : [];
  });
}

/** Waits until `test` passes; `what` (text, or a function for the state at the time) says why not. */
async function until(
  what: string | (() => string),
  test: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`not within ${timeoutMs} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(skip !== null)(
  `squatters on real hosts${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let net: Testnet;
    let fullHost: NetHost;
    let honestHosts: NetHost[];
    let squatHost: NetHost;
    let full: LvsHandle | undefined;
    let fullId = '';
    let honest: LvsHandle[] = [];
    let honestIds: string[] = [];
    const squatEvents: SquatEvent[] = [];
    let squatOut = '';

    const squatterIds = () =>
      new Set(squatEvents.flatMap((e) => (e.ev === 'open' && e.peer ? [e.peer] : [])));

    const start = async (host: NetHost, seed: number, extra: string[] = []) => {
      const node = host.spawnLvs([
        '--port',
        String(PORT),
        '--data',
        await net.tempDir(),
        '--no-mdns',
        '--json-logs',
        '--status-every',
        '1',
        '--seed',
        String(seed),
        ...extra,
      ]);
      return node;
    };
    const listening = (n: LvsHandle) =>
      n.waitForRecord((r) => msg(r).startsWith('listening on'), 'listening', 60_000);

    beforeAll(async () => {
      await prepareLvs();
      net = await Testnet.create();
      fullHost = await net.publicHost('full');
      honestHosts = [await net.publicHost('honest1'), await net.publicHost('honest2')];
      squatHost = await net.publicHost('squat');
      // One `ip -batch` for the 65 addresses (the harness gave the host 11.4.0.1 first).
      await squatHost.exec(
        ['ip', '-batch', '-'],
        SQUAT_IPS.map((ip) => `addr add ${ip}/8 dev eth0\n`).join(''),
      );
    }, 60_000);

    afterAll(async () => {
      await net?.destroy();
      await disposeLvs();
    });

    it(`${SQUATTERS} silent squatters fill the ${INBOUND_SLOTS} inbound slots; two new honest nodes each get a session with the full node within 20 s, squatters evicted to make room`, async () => {
      full = await start(fullHost, 1);
      fullId = peerIdOf(await listening(full));
      expect(fullId).not.toBe('');

      const squatter = squatHost.spawn([
        process.execPath,
        '--import',
        'tsx',
        join(ROOT, 'tests/net/squatter.ts'),
        `/ip4/${fullHost.ip}/tcp/${PORT}`,
        ...SQUAT_IPS,
      ]);
      let partial = '';
      squatter.stdout!.setEncoding('utf8').on('data', (s: string) => {
        squatOut += s;
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines)
          if (line.startsWith('{')) squatEvents.push(JSON.parse(line) as SquatEvent);
      });
      squatter.stderr!.setEncoding('utf8').on('data', (s: string) => (squatOut += s));

      // Every squatter has dialled, and the node is full: 56 drift sessions, all squatters'.
      const answered = () =>
        new Set(squatEvents.filter((e) => e.ev === 'open' || e.ev === 'failed').map((e) => e.ip))
          .size;
      await until(
        `all ${SQUATTERS} squatters dialled (${answered()} did):\n${squatOut.slice(-2000)}`,
        () => answered() === SQUATTERS,
        45_000,
      );
      const seatedBySquatters = () => {
        const last = full!.lastStatus();
        const ids = squatterIds();
        return driftPeers(last).filter((p) => ids.has(p)).length;
      };
      await until(
        `the full node full of squatters (${seatedBySquatters()} sessions)`,
        () =>
          seatedBySquatters() === INBOUND_SLOTS &&
          inboundOf(full!.lastStatus()!).length === INBOUND_SLOTS,
        15_000,
      );
      const opened = squatEvents.filter((e) => e.ev === 'open').length;
      // The honest nodes come once the squatters have settled in: every seat held past its grace
      // and silent (the policy's silentMs, 10 s at a 1 s cycle), the state a squatter attack is
      // there to keep. A newcomer that finds every seat still in its grace is refused by design
      // (docs/network.md), and its peer manager then leaves that address alone for 15 s or more,
      // which would measure that wait, not eviction.
      const newestSquatter = Math.max(
        ...squatEvents.filter((e) => e.ev === 'open').map((e) => e.at),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, newestSquatter + SILENT_MS - Date.now())));

      // Two honest newcomers, each on a host of its own, told only of the full node.
      const spawned = Date.now();
      honest = await Promise.all(
        honestHosts.map((h, k) =>
          start(h, 2 + k, ['--bootstrap', `/ip4/${fullHost.ip}/tcp/${PORT}`]),
        ),
      );
      honestIds = (await Promise.all(honest.map(listening))).map(peerIdOf);
      const sessionAt = await Promise.all(
        honest.map((h) =>
          h
            .waitForRecord(
              (r) => msg(r) === `session open with ${fullId}`,
              'a session with the full node',
              ADMIT_WITHIN_MS + 10_000,
            )
            .then((r) => at(r) - spawned),
        ),
      );
      console.log(
        `squatters: ${opened} of ${SQUATTERS} got a drift stream, ${INBOUND_SLOTS} seated; honest nodes in session with the full node ${sessionAt.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')} after they started`,
      );
      for (const ms of sessionAt) expect(ms).toBeLessThanOrEqual(ADMIT_WITHIN_MS);

      // The full node's side: a session with each, and room made by evicting squatters, at least
      // one per honest node (the squatters dial once, so no seat frees itself before 160 s). An
      // honest node may cost more than one: a second connection of its own to the full node is
      // weighed like any newcomer, and when it closes, its seat can go to the other honest node
      // without an eviction.
      await until(
        'the full node logs both honest sessions',
        () =>
          honestIds.every((id) =>
            full!.records().some((r) => msg(r) === `session open with ${id}`),
          ),
        5_000,
      );
      const evicted = evictions(full);
      const ids = squatterIds();
      console.log(
        `squatters: evictions: ${evicted.map((e) => `${e.evicted.slice(-6)} (${e.reason}) for ${e.newcomer.slice(-6)}`).join('; ')}`,
      );
      expect(evicted.length).toBeGreaterThanOrEqual(honestIds.length);
      for (const e of evicted) expect(ids.has(e.evicted)).toBe(true);
      expect(evicted.some((e) => honestIds.includes(e.newcomer))).toBe(true);
      // Never more inbound connections than the slots plus the newcomer being weighed.
      const most = Math.max(...full.statuses().map((r) => inboundOf(r).length));
      expect(most).toBeLessThanOrEqual(INBOUND_SLOTS + 1);
    }, 120_000);

    it(`the squatters left are closed by the full node's own silence limit (${SILENCE_LIMIT_MS / 1000} s), not the hour they claim; the honest nodes stay`, async () => {
      if (!full || honest.length === 0) throw new Error('needs the full node of the test above');
      const ids = squatterIds();
      const records = () => full!.records();
      // Each squatter's HELLO: its claim is counted as maxPeerCycleMs, and said so.
      const sessions = new Map(
        records().flatMap((r) => {
          const m = /^session open with (\S+)$/.exec(msg(r));
          return m && ids.has(m[1]!) ? [[m[1]!, at(r)] as const] : [];
        }),
      );
      for (const id of sessions.keys())
        expect(
          records().some(
            (r) =>
              msg(r) ===
              `${id} claims a cycle of 3600000 ms; counted as ${COUNTED_CYCLE_MS} ms (maxPeerCycleMs)`,
          ),
        ).toBe(true);
      const evicted = new Set(evictions(full).map((e) => e.evicted));
      const left = [...sessions.keys()].filter((id) => !evicted.has(id));
      expect(left.length).toBeGreaterThanOrEqual(INBOUND_SLOTS - evicted.size);

      const closedSilent = (id: string) =>
        records().find(
          (r) => msg(r) === `session with ${id} closed: silent for ${SILENCE_LIMIT_MS} ms`,
        );
      const lastOpen = Math.max(...sessions.values());
      // What the node said about the squatters' sessions ending, for a failure message.
      const endings = () => {
        const counts = new Map<string, number>();
        for (const r of records()) {
          const m = /^session with (\S+) closed: (.*)$/.exec(msg(r));
          if (m && ids.has(m[1]!)) counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + 1);
        }
        const squatterClosed = squatEvents.filter((e) => e.ev === 'closed').length;
        return `${JSON.stringify([...counts])}; the squatters saw ${squatterClosed} closed; the full node ${full!.running ? 'runs' : 'ended'}:\n${full!.tail(10)}`;
      };
      await until(
        () =>
          `every seated squatter closed for silence (${left.filter((id) => closedSilent(id)).length} of ${left.length}); endings: ${endings()}`,
        () => left.every((id) => closedSilent(id) !== undefined),
        Math.max(0, lastOpen + SILENCE_LIMIT_MS + SILENCE_SLACK_MS - Date.now()) + 5_000,
      );

      // Silent from the node's HELLO to its close: never sooner than the limit, soon after it.
      const held = left.map((id) => at(closedSilent(id)!) - sessions.get(id)!);
      // And as the squatters saw it: the connection they held, from their HELLO to its end.
      const seen = (ev: 'open' | 'closed', id: string) =>
        squatEvents.find((e) => e.ev === ev && e.peer === id)?.at;
      await until(
        'the squatters see their connections closed',
        () => left.every((id) => seen('closed', id) !== undefined),
        5_000,
      );
      const lived = left.map((id) => seen('closed', id)! - seen('open', id)!);
      const range = (xs: number[]) =>
        `${(Math.min(...xs) / 1000).toFixed(1)} to ${(Math.max(...xs) / 1000).toFixed(1)} s`;
      console.log(
        `squatters: ${left.length} closed for silence ${range(held)} after their HELLO (node's log), connections held ${range(lived)} (squatters' clock); ${evicted.size} evicted before`,
      );
      for (const ms of held) {
        expect(ms).toBeGreaterThanOrEqual(SILENCE_LIMIT_MS);
        expect(ms).toBeLessThanOrEqual(SILENCE_LIMIT_MS + SILENCE_SLACK_MS);
      }
      for (const ms of lived) {
        expect(ms).toBeGreaterThanOrEqual(SILENCE_LIMIT_MS);
        expect(ms).toBeLessThanOrEqual(SILENCE_LIMIT_MS + SILENCE_SLACK_MS);
      }

      // The honest nodes, which speak every cycle, are still in session with the full node, and
      // no squatter holds a connection to it any more.
      const before = full.statuses().length;
      await until('a fresh status record', () => full!.statuses().length > before + 1, 5_000);
      const last = full.statuses().at(-1)!;
      for (const id of honestIds) expect(driftPeers(last)).toContain(id);
      for (const h of honest)
        expect(h.records().some((r) => msg(r).startsWith(`session with ${fullId} closed`))).toBe(
          false,
        );
      expect(
        inboundOf(last).filter((c) => SQUAT_IPS.some((ip) => c.addr.startsWith(`/ip4/${ip}/`))),
      ).toEqual([]);
    }, 240_000);
  },
);
