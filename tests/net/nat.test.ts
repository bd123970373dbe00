import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeLvs, prepareLvs } from '../helpers/lvs-process';
import {
  miniupnpdAvailable,
  netnsSkip,
  Testnet,
  type LogRecord,
  type LvsHandle,
  type NetHost,
} from './netns';

/*
 * Through NAT, with real `lvs node` processes in namespaces (tests/net/netns.ts):
 *
 *   relay (public, 11.1.0.1, --relay-service on)
 *   ra --- a  (miniupnpd on ra; a runs --upnp)     rc --- c  (plain masquerade)
 *   rb --- b  (plain masquerade)                   rd --- d  (plain masquerade)
 *
 * Pair a-b: a dials b through the relay (b's /p2p-circuit address). a's UPnP mapping comes a few
 * seconds later; identify push tells b, and DCUtR on b (the inbound side of the relayed
 * connection) dials a's mapped address: a direct connection, and the relayed one is closed.
 * Pair c-d: no direct path exists (both behind masquerade, TCP, see docs/network.md), so the
 * session stays on the relay; the relay's limits (30 min, 64 MiB per relayed connection) must
 * not cut it. Both pairs run their drift sessions at 200 ms cycles for five minutes, at once.
 */

const skip = netnsSkip();
const upnpMissing = skip === null && !miniupnpdAvailable();
const CYCLE_MS = 200;
const RUN_MS = 5 * 60_000;

type Status = LogRecord & {
  cycle: number;
  network: { reachability: string; shareable: string[] };
  nat: { addresses: string[]; relayService: unknown };
  connections: { peer: string; addr: string; direct: boolean; limited: boolean }[];
  drift: { peer: string; addr: string; framesIn: number; framesOut: number }[];
};

const statuses = (h: LvsHandle): Status[] =>
  h.records().filter((r): r is Status => r.kind === 'status' && 'drift' in r);

async function peerIdOf(h: LvsHandle): Promise<string> {
  const rec = await h.waitForRecord(
    (r) => typeof r.msg === 'string' && r.msg.startsWith('listening on'),
    'its listening line',
  );
  return /\/p2p\/(\w+)/.exec(String(rec.msg))![1]!;
}

/** Waits for a status record that passes `test`. */
const waitStatus = (h: LvsHandle, test: (s: Status) => boolean, what: string, ms = 60_000) =>
  h.waitForRecord(
    (r) => r.kind === 'status' && 'drift' in r && test(r as Status),
    what,
    ms,
  ) as Promise<Status>;

/** The drift session with `peer` in a status record, if any. */
const session = (s: Status, peer: string) => s.drift.find((d) => d.peer === peer);

/** "session with <peer> closed" lines. */
const closings = (h: LvsHandle, peer: string) =>
  h
    .records()
    .filter((r) => typeof r.msg === 'string' && r.msg.startsWith(`session with ${peer} closed`));

describe.skipIf(skip !== null || upnpMissing)(
  `through NAT${skip ? ` (skipped: ${skip})` : upnpMissing ? ' (skipped: miniupnpd is not installed)' : ''}`,
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

    it(
      'moves a relayed drift session to a direct connection where UPnP gives a path, and keeps one on the relay where none exists, for five minutes at 200 ms',
      async () => {
        const relayHost = await net.publicHost('relay');
        const ra = await net.router('ra');
        const rb = await net.router('rb');
        const rc = await net.router('rc');
        const rd = await net.router('rd');
        const hosts: Record<string, NetHost> = {
          a: await net.privateHost('a', ra),
          b: await net.privateHost('b', rb),
          c: await net.privateHost('c', rc),
          d: await net.privateHost('d', rd),
        };
        await ra.startUpnp();
        const dir = await net.tempDir();
        const common = (name: string) => [
          '--no-mdns',
          '--json-logs',
          '--status-every',
          '1',
          '--cycle-ms',
          String(CYCLE_MS),
          '--port',
          '4001',
          '--data',
          `${dir}/${name}`,
        ];
        const relay = relayHost.spawnLvs([...common('relay'), '--relay-service', 'on']);
        const relayAddr = `/ip4/${relayHost.ip}/tcp/4001/p2p/${await peerIdOf(relay)}`;

        // b and d reserve a slot on the relay and advertise their relayed address.
        const b = hosts.b!.spawnLvs([...common('b'), '--bootstrap', relayAddr]);
        const d = hosts.d!.spawnLvs([...common('d'), '--bootstrap', relayAddr]);
        const [bId, dId] = [await peerIdOf(b), await peerIdOf(d)];
        for (const h of [b, d])
          await waitStatus(h, (s) => s.network.reachability === 'relayed', 'a relay reservation');
        const circuit = (id: string) => `${relayAddr}/p2p-circuit/p2p/${id}`;

        // a and c dial them through the relay.
        const a = hosts.a!.spawnLvs([
          ...common('a'),
          '--upnp',
          '--bootstrap',
          relayAddr,
          '--bootstrap',
          circuit(bId),
        ]);
        const c = hosts.c!.spawnLvs([
          ...common('c'),
          '--bootstrap',
          relayAddr,
          '--bootstrap',
          circuit(dId),
        ]);
        const startedAt = Date.now();
        const [aId, cId] = [await peerIdOf(a), await peerIdOf(c)];

        // First both sessions run through the relay: a connection with a /p2p-circuit address.
        const relayed = (peer: string) => (s: Status) =>
          s.connections.some(
            (x) => x.peer === peer && x.addr.includes('/p2p-circuit') && x.limited,
          ) && (session(s, peer)?.framesIn ?? 0) > 0;
        await waitStatus(a, relayed(bId), 'a drift session with b through the relay');
        const relayedAt = Date.now();
        await waitStatus(c, relayed(dId), 'a drift session with c-d through the relay');
        await waitStatus(c, (s) => s.network.reachability === 'relayed', 'c relayed');

        // Then DCUtR moves a-b to a direct connection: b dials a's UPnP-mapped address.
        const direct = (peer: string) => (s: Status) =>
          s.connections.some(
            (x) => x.peer === peer && x.direct && !x.addr.includes('/p2p-circuit'),
          ) &&
          !s.connections.some((x) => x.peer === peer && !x.direct) &&
          session(s, peer) !== undefined &&
          !session(s, peer)!.addr.includes('/p2p-circuit');
        const bDirect = await waitStatus(b, direct(aId), 'a direct connection from b to a', 90_000);
        expect(bDirect.connections.find((x) => x.peer === aId)!.addr).toContain(
          `/ip4/${ra.ip}/tcp/4001`,
        );
        await waitStatus(a, direct(bId), 'a direct connection at a', 30_000);
        const directAt = Date.now();
        await waitStatus(
          a,
          (s) => s.network.reachability === 'public',
          'a public through its mapping',
        );
        // The mapping is miniupnpd's: a DNAT rule on a's router.
        expect(await ra.mappings()).toMatch(
          new RegExp(`dport 4001 dnat ip to ${hosts.a!.ip}:4001`),
        );

        // Five minutes of cycles at 200 ms on both pairs.
        const start = Object.fromEntries(
          [a, b, c, d].map((h) => [h.name, statuses(h).at(-1)!]),
        ) as Record<string, Status>;
        const closedBefore = {
          ab: closings(a, bId).length + closings(b, aId).length,
          cd: closings(c, dId).length + closings(d, cId).length,
        };
        const deadline = Date.now() + RUN_MS;
        while (Date.now() < deadline) {
          await sleep(5_000);
          for (const h of [relay, a, b, c, d])
            if (!h.running) throw new Error(`${h.name} ended:\n${h.tail()}`);
        }
        const end = Object.fromEntries(
          [a, b, c, d].map((h) => [h.name, statuses(h).at(-1)!]),
        ) as Record<string, Status>;

        const pairs = [
          [a, aId, b, bId],
          [b, bId, a, aId],
          [c, cId, d, dId],
          [d, dId, c, cId],
        ] as const;
        const measured: string[] = [
          `a-b relayed ${((relayedAt - startedAt) / 1000).toFixed(1)} s after a started, direct ${((directAt - startedAt) / 1000).toFixed(1)} s after`,
        ];
        for (const [self, , peer, peerId] of pairs) {
          const s0 = session(start[self.name]!, peerId)!;
          const s1 = session(end[self.name]!, peerId);
          expect(s1, `${self.name} still has its session with ${peer.name}`).toBeDefined();
          // One session all along: its counters only grew (a new session would start from 0).
          expect(s1!.framesIn).toBeGreaterThan(s0.framesIn);
          // The peer sends one cycle frame per cycle: what arrived matches the cycles it ran.
          const peerCycles = end[peer.name]!.cycle - start[peer.name]!.cycle;
          const got = s1!.framesIn - s0.framesIn;
          measured.push(
            `${self.name} got ${got} frames from ${peer.name}, which ran ${peerCycles} cycles`,
          );
          expect(got, `${self.name} got frames from ${peer.name}`).toBeGreaterThanOrEqual(
            Math.floor(peerCycles * 0.9) - 10,
          );
          expect(got).toBeLessThanOrEqual(peerCycles + 10);
          // Five minutes at 200 ms is 1500 cycles; a loaded machine stretches cycles (low-power
          // mode runs them 4x slower while the event loop lags), hence the wide lower bound.
          expect(peerCycles).toBeGreaterThanOrEqual(RUN_MS / CYCLE_MS / 5);
          expect(peerCycles).toBeLessThanOrEqual((RUN_MS / CYCLE_MS) * 1.1);
        }
        // a-b stayed direct; c-d stayed on the relay, uncut by its limits.
        for (const [self, peerId] of [
          [a, bId],
          [b, aId],
        ] as const)
          expect(direct(peerId)(end[self.name]!), `${self.name} still direct`).toBe(true);
        for (const [self, peerId] of [
          [c, dId],
          [d, cId],
        ] as const) {
          expect(relayed(peerId)(end[self.name]!), `${self.name} still relayed`).toBe(true);
          expect(session(end[self.name]!, peerId)!.addr).toContain('/p2p-circuit');
        }
        console.log(`through NAT, measured: ${measured.join('; ')}`);
        expect(closings(a, bId).length + closings(b, aId).length).toBe(closedBefore.ab);
        expect(closings(c, dId).length + closings(d, cId).length).toBe(closedBefore.cd);
      },
      8 * 60_000,
    );

    it('starts the relay service on a public node once AutoNAT confirms its address (--relay-service auto)', async () => {
      const pub = await net.publicHost('auto');
      const rg = await net.router('rg');
      const g = await net.privateHost('g', rg);
      const dir = await net.tempDir();
      const args = (name: string) => [
        '--no-mdns',
        '--json-logs',
        '--status-every',
        '1',
        '--port',
        '4001',
        '--data',
        `${dir}/${name}`,
      ];
      const relay = pub.spawnLvs(args('auto'));
      const relayAddr = `/ip4/${pub.ip}/tcp/4001/p2p/${await peerIdOf(relay)}`;
      // Alone, it cannot know it is reachable: no relay service.
      await sleep(3_000);
      const alone = statuses(relay).at(-1)!;
      expect(alone.nat.relayService).toEqual({ mode: 'auto', active: false, reservations: 0 });
      // Once a peer behind NAT has dialled it back, it is public and relays for that peer.
      const ng = g.spawnLvs([...args('g'), '--bootstrap', relayAddr]);
      await waitStatus(
        relay,
        (s) => s.network.reachability === 'public',
        'the relay public',
        90_000,
      );
      await waitStatus(
        relay,
        (s) => (s.nat.relayService as { active: boolean }).active,
        'the relay service on',
      );
      await waitStatus(ng, (s) => s.network.reachability === 'relayed', 'g relayed', 60_000);
    }, 180_000);

    it('shows that a relay with tight limits does cut a relayed drift session', async () => {
      // The same relayed session, on a relay that allows 32 KiB per relayed connection: about
      // 15 s of drift traffic at 200 ms. The relay resets it, which is what RELAY_LIMITS avoid.
      const relayHost = await net.publicHost('tight');
      const re = await net.router('re');
      const rf = await net.router('rf');
      const e = await net.privateHost('e', re);
      const f = await net.privateHost('f', rf);
      const dir = await net.tempDir();
      const common = (name: string) => [
        '--no-mdns',
        '--json-logs',
        '--status-every',
        '1',
        '--cycle-ms',
        String(CYCLE_MS),
        '--port',
        '4001',
        '--data',
        `${dir}/${name}`,
      ];
      const relay = relayHost.spawnLvs([
        ...common('tight'),
        '--relay-service',
        'on',
        '--relay-limit-mib',
        '0.03125',
      ]);
      const relayAddr = `/ip4/${relayHost.ip}/tcp/4001/p2p/${await peerIdOf(relay)}`;
      const nf = f.spawnLvs([...common('f'), '--bootstrap', relayAddr]);
      const fId = await peerIdOf(nf);
      await waitStatus(nf, (s) => s.network.reachability === 'relayed', 'a relay reservation');
      const ne = e.spawnLvs([
        ...common('e'),
        '--bootstrap',
        relayAddr,
        '--bootstrap',
        `${relayAddr}/p2p-circuit/p2p/${fId}`,
      ]);
      await waitStatus(ne, (s) => (session(s, fId)?.framesIn ?? 0) > 0, 'a relayed session');
      const opened = Date.now();
      await ne.waitForRecord(
        (r) => typeof r.msg === 'string' && r.msg.startsWith(`session with ${fId} closed`),
        'the relay to cut the session',
        90_000,
      );
      // For docs/network.md: how long 32 KiB of drift traffic lasted.
      console.log(
        `tight relay cut the session after ${Math.round((Date.now() - opened) / 1000)} s`,
      );
    }, 150_000);
  },
);
