import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, disposeLvs, prepareLvs } from '../helpers/lvs-process';
import { Testnet, netnsSkip, type LvsHandle, type NetHost } from './netns';

/*
 * An eclipse attempt on real hosts. An honest node H joins a running swarm of honest peers on 6
 * hosts (2 nodes each, each host its own /16). The honest peers keep 2 outbound slots each: in a
 * swarm this small a node wanting 8 outbound peers dials nearly everyone, so most of H's honest
 * peers would reach H first (inbound) and leave H too few to dial; in a large swarm few of a
 * node's peers dial it. An attacker host holds 30 addresses in one /16 (11.50.0.0/16): from each
 * it connects to H, answers every peer-exchange question with 32 fresh addresses of that /16, and
 * asks H in turn. H must still keep at least 6 outbound peers outside the attacker's group, and
 * its address book must never hold more than its per-group limit (64) from that /16.
 */

const skip = netnsSkip();
const PER_GROUP_LIMIT = 64;
const ATTACK = '11.50';

interface Conn {
  readonly addr: string;
  readonly direction: 'inbound' | 'outbound';
}

function conns(node: LvsHandle): Conn[] {
  return (node.lastStatus()?.connections as Conn[] | undefined) ?? [];
}

const inAttack = (addr: string) => addr.startsWith(`/ip4/${ATTACK}.`);

describe.skipIf(skip !== null)(
  `an eclipse attempt on real hosts${skip ? ` (skipped: ${skip})` : ''}`,
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

    it('30 addresses of one /16 flooding peer exchange and inbound slots: 6+ honest outbound peers kept, at most 64 of that /16 in the book', async () => {
      const hHost = await net.publicHost('honest');
      const honest: NetHost[] = [];
      for (let k = 0; k < 6; k++) honest.push(await net.publicHost(`peer${k}`));
      const evil = await net.publicHost('evil');
      // The attacker's 30 addresses, all in 11.50.0.0/16 (the harness gave it another /16 first).
      const ips = Array.from({ length: 30 }, (_, i) => `${ATTACK}.0.${i + 1}`);
      for (const ip of ips) await evil.exec(['ip', 'addr', 'add', `${ip}/8`, 'dev', 'eth0']);

      const data = await net.tempDir();
      const common = ['--no-mdns', '--json-logs', '--status-every', '1', '--cycle-ms', '500'];
      // Honest peers: two nodes per host, each told of the next host's first node. H joins once
      // they hold their outbound peers, as a newcomer joins a running swarm.
      const peers: LvsHandle[] = [];
      for (const [k, host] of honest.entries())
        for (const port of [4001, 4002])
          peers.push(
            host.spawnLvs([
              '--port',
              String(port),
              '--data',
              await net.tempDir(),
              ...common,
              '--outbound',
              '2',
              '--bootstrap',
              `/ip4/${honest[(k + 1) % honest.length]!.ip}/tcp/4001`,
            ]),
          );
      const outboundOf = (n: LvsHandle) => conns(n).filter((c) => c.direction === 'outbound');
      const started = Date.now();
      while (peers.some((p) => outboundOf(p).length < 2)) {
        // Each honest node asks a peer again at most once a minute, so on a loaded machine a
        // node's second slot can take two rounds (70.8 s in one CI run): the swarm forming is
        // the setting, not what is tested.
        if (Date.now() - started > 180_000)
          throw new Error(
            `the honest swarm never formed: outbound peers ${peers.map((p) => outboundOf(p).length).join(' ')}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(
        `eclipse: the honest swarm held its outbound peers after ${Date.now() - started} ms`,
      );
      const h = hHost.spawnLvs([
        '--port',
        '4001',
        '--data',
        data,
        ...common,
        '--log-level',
        'debug',
        '--bootstrap',
        `/ip4/${honest[0]!.ip}/tcp/4001`,
      ]);
      await h.waitForRecord((r) => String(r.msg).startsWith('listening on'), 'listening', 60_000);

      // The honest swarm first: H holds 6 honest outbound peers before the attack starts.
      const honestOut = () =>
        conns(h).filter((c) => c.direction === 'outbound' && !inAttack(c.addr)).length;
      const formed = Date.now();
      while (honestOut() < 6) {
        if (Date.now() - formed > 90_000)
          throw new Error(
            `H never had 6 honest outbound peers: ${JSON.stringify(conns(h))}\n${JSON.stringify(h.lastStatus()?.network)}\n${h
              .records()
              .filter((r) => r.level === 20)
              .slice(-60)
              .map((r) => `${String(r.time)} ${String(r.msg)}`)
              .join('\n')}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
      console.log(
        `eclipse: H held 6 honest outbound peers ${Date.now() - formed} ms after listening`,
      );

      const attacker = evil.spawn([
        process.execPath,
        '--import',
        'tsx',
        join(ROOT, 'tests/net/eclipse-attacker.ts'),
        `/ip4/${hHost.ip}/tcp/4001`,
        ...ips,
      ]);
      let attackerOut = '';
      attacker.stdout!.on('data', (b: Buffer) => (attackerOut += b.toString()));
      attacker.stderr!.on('data', (b: Buffer) => (attackerOut += b.toString()));

      // Let the flood run: every attacker host connected and telling, for 40 s.
      const t0 = Date.now();
      while (!/attacker: 30 connected/.test(attackerOut)) {
        if (Date.now() - t0 > 60_000)
          throw new Error(`the attacker never got going:\n${attackerOut.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      let worst = Infinity;
      const flood = Date.now();
      while (Date.now() - flood < 40_000) {
        await new Promise((r) => setTimeout(r, 1000));
        const out = conns(h).filter((c) => c.direction === 'outbound');
        const honestOut = out.filter((c) => !inAttack(c.addr)).length;
        // The first seconds are the honest swarm forming; judge from the moment 6 are up.
        if (honestOut >= 6 || worst !== Infinity) worst = Math.min(worst, honestOut);
      }
      const told = Number(
        /(\d+) addresses told/.exec(attackerOut.split('\n').filter(Boolean).at(-1) ?? '')?.[1] ?? 0,
      );
      console.log(
        `eclipse: attacker told ${told} addresses; H's honest outbound peers never fell below ${worst}`,
      );
      expect(told).toBeGreaterThan(PER_GROUP_LIMIT * 4);
      expect(worst).toBeGreaterThanOrEqual(6);
      const outbound = conns(h).filter((c) => c.direction === 'outbound');
      expect(outbound.filter((c) => inAttack(c.addr)).length).toBeLessThanOrEqual(2);

      // The book, as H keeps it: stopped gracefully, read from its store.
      h.kill('SIGTERM');
      expect((await h.exited).code).toBe(0);
      const doc = JSON.parse(await readFile(join(data, 'node.json'), 'utf8')) as {
        addressBook: { entries: Array<{ addr: string }> };
      };
      const entries = doc.addressBook.entries;
      const fromAttack = entries.filter((e) => inAttack(e.addr)).length;
      console.log(
        `eclipse: H's book holds ${entries.length} entries, ${fromAttack} of them in ${ATTACK}.0.0/16`,
      );
      // Under the on-disk limit (256), so the file holds the whole book.
      expect(entries.length).toBeLessThan(256);
      expect(fromAttack).toBeLessThanOrEqual(PER_GROUP_LIMIT);
      expect(fromAttack).toBeGreaterThan(0);
    }, 420_000);
  },
);
