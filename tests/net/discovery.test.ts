import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeLvs, prepareLvs } from '../helpers/lvs-process';
import { Testnet, netnsSkip, type LogRecord, type LvsHandle, type NetHost } from './netns';

/*
 * Discovery and self-healing between real `lvs node` processes on three hosts of a test network
 * (each host a namespace with its own address in its own /16). C is told of B only, B of A only;
 * what C learns of A comes from peer exchange. Then B is killed, and A restarts with a fresh key
 * and no bootstrap at all: what brings A and C together again is their stored address books.
 */

const skip = netnsSkip();
const PORT = 4001;

interface Connection {
  readonly peer: string;
  readonly addr: string;
  readonly direct: boolean;
}

/** The newest status record's open connections. */
function connections(node: LvsHandle): Connection[] {
  return ((node.lastStatus()?.connections as Connection[] | undefined) ?? []).filter(Boolean);
}

/** Whether `node` holds a direct (not relayed) connection to an address of `host`. */
function connectedTo(node: LvsHandle, host: NetHost): boolean {
  return connections(node).some((c) => c.direct && c.addr.startsWith(`/ip4/${host.ip}/`));
}

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now() - t0;
}

const peerIdOf = (r: LogRecord | undefined): string =>
  /\/p2p\/(\w+)/.exec(String(r?.msg ?? ''))?.[1] ?? '';

describe.skipIf(skip !== null)(
  `discovery on real hosts${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let net: Testnet;
    let hostA: NetHost;
    let hostB: NetHost;
    let hostC: NetHost;
    let dataA: string;

    const start = async (host: NetHost, data: string, extra: string[] = []) => {
      const node = host.spawnLvs([
        '--port',
        String(PORT),
        '--data',
        data,
        '--no-mdns',
        '--cycle-ms',
        '500',
        '--json-logs',
        '--status-every',
        '0.5',
        '--log-level',
        process.env.LVS_NET_DEBUG ? 'debug' : 'info',
        ...extra,
      ]);
      await node.waitForRecord((r) => String(r.msg).startsWith('listening on'), 'listening');
      return node;
    };

    beforeAll(async () => {
      await prepareLvs();
      net = await Testnet.create();
      hostA = await net.publicHost('a');
      hostB = await net.publicHost('b');
      hostC = await net.publicHost('c');
      dataA = await net.tempDir();
    }, 60_000);

    afterAll(async () => {
      await net?.destroy();
      await disposeLvs();
    });

    it('C, told only of B, finds A; killing B leaves A and C connected; A restarted with a fresh key and no bootstrap finds C again from its book', async () => {
      const a = await start(hostA, dataA);
      // Bootstrap by address alone: no /p2p/<id>, so the list outlives the key.
      const b = await start(hostB, await net.tempDir(), [
        '--bootstrap',
        `/ip4/${hostA.ip}/tcp/${PORT}`,
      ]);
      const c = await start(hostC, await net.tempDir(), [
        '--bootstrap',
        `/ip4/${hostB.ip}/tcp/${PORT}`,
      ]);

      const found = await until(
        'A and C hold a direct connection',
        () => connectedTo(a, hostC) && connectedTo(c, hostA),
        30_000,
      ).catch((err: unknown) => {
        for (const [n, h] of [
          ['A', a],
          ['B', b],
          ['C', c],
        ] as const)
          if (process.env.LVS_NET_DEBUG) writeFileSync(`/tmp/disc-${n}.log`, h.out());
        throw err;
      });
      console.log(`discovery: A and C connected ${found} ms after C started`);

      b.kill('SIGKILL');
      await b.exited;
      // Long enough for any session that depended on B to have failed (the idle limit is 16
      // cycles of 500 ms); A and C must still hold each other.
      await new Promise((r) => setTimeout(r, 9_000));
      expect(connectedTo(a, hostC)).toBe(true);
      expect(connectedTo(c, hostA)).toBe(true);
      expect(connections(c).some((x) => x.addr.startsWith(`/ip4/${hostB.ip}/`))).toBe(false);

      // A restarts gracefully with a fresh key (no --stable-key) and no bootstrap.
      const oldId = peerIdOf(a.records().find((r) => String(r.msg).startsWith('listening on')));
      a.kill('SIGTERM');
      expect((await a.exited).code).toBe(0);
      const stored = JSON.parse(await readFile(join(dataA, 'node.json'), 'utf8')) as {
        addressBook?: { entries?: Array<{ addr: string }> };
      };
      expect(stored.addressBook?.entries?.some((e) => e.addr.startsWith(`/ip4/${hostC.ip}/`))).toBe(
        true,
      );
      const a2 = await start(hostA, dataA);
      const newId = peerIdOf(a2.records().find((r) => String(r.msg).startsWith('listening on')));
      expect(newId).not.toBe(oldId);
      const healed = await until(
        'the restarted A and C hold a direct connection again',
        () => connectedTo(a2, hostC) && connectedTo(c, hostA),
        30_000,
      );
      console.log(`self-healing: A (new id) and C reconnected ${healed} ms after A restarted`);
      // Drift frames flow on the new connection: C's session with A's new id carries frames.
      await until(
        'drift frames between C and the new A',
        () => {
          const drift = c.lastStatus()?.drift as
            Array<{ peer: string; framesIn: number }> | undefined;
          return drift?.some((d) => d.peer === newId && d.framesIn > 2) ?? false;
        },
        15_000,
      );
    }, 150_000);

    it('a node told only of D by address dials D again when D restarts with a fresh key, also after D was away a while', async () => {
      const hostD = await net.publicHost('d');
      const hostE = await net.publicHost('e');
      const dataD = await net.tempDir();
      let d = await start(hostD, dataD);
      const e = await start(hostE, await net.tempDir(), [
        '--bootstrap',
        `/ip4/${hostD.ip}/tcp/${PORT}`,
      ]);
      await until('E connected to D', () => connectedTo(e, hostD), 30_000);
      for (const awayMs of [0, 8_000]) {
        d.kill('SIGKILL');
        await d.exited;
        // D's crash leaves E's session to its silence limit (16 cycles of 500 ms).
        await until('E notices D is gone', () => !connectedTo(e, hostD), 40_000);
        await new Promise((r) => setTimeout(r, awayMs));
        d = await start(hostD, dataD);
        const back = await until('E connected to the new D', () => connectedTo(e, hostD), 30_000);
        console.log(`redial: E reconnected to D ${back} ms after D came back (away ${awayMs} ms)`);
      }
    }, 150_000);
  },
);
