import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeLvs, prepareLvs } from '../helpers/lvs-process';
import { Testnet, netnsSkip, type LvsHandle, type NetHost } from './netns';

/*
 * A swarm on real hosts: 40 `lvs node` processes on 10 hosts, 4 public and 6 behind 3
 * masquerading routers (2 hosts each), 4 nodes per host. Every node is given one address only,
 * the same public bootstrap node's, with no /p2p/<id>. Within 60 s of the last start every node
 * must hold at least 6 peers, none more than 2 outbound peers in one address group (IPv4 /16), the
 * swarm must be one connected component and its spread under epsilon. Then the bootstrap host is
 * killed (all 4 of its nodes, SIGKILL) and 5 new nodes join, each told of one other node.
 */

const skip = netnsSkip();
const EPSILON = 0.5;
const NODES_PER_HOST = 4;
const BASE_PORT = 4001;

interface Conn {
  readonly peer: string;
  readonly addr: string;
  readonly direct: boolean;
  readonly direction: 'inbound' | 'outbound';
}

interface Member {
  readonly host: NetHost;
  readonly port: number;
  readonly node: LvsHandle;
  id: string;
}

/** The newest complete status record (read from the end: 40 nodes print a lot). */
function latest(node: LvsHandle): Record<string, unknown> | undefined {
  const out = node.out();
  let end = out.lastIndexOf('\n');
  while (end > 0) {
    const start = out.lastIndexOf('\n', end - 1) + 1;
    const line = out.slice(start, end);
    if (line.includes('"kind":"status"')) return JSON.parse(line) as Record<string, unknown>;
    end = start - 1;
  }
  return undefined;
}

function conns(m: Member): Conn[] {
  return (latest(m.node)?.connections as Conn[] | undefined) ?? [];
}

/** Distinct peers with an open connection. */
function peers(m: Member): number {
  return new Set(conns(m).map((c) => c.peer)).size;
}

/** The /16 of a connection's remote address; a relayed one counts as its relay's. */
function groupOf(addr: string): string {
  const ip = /^\/ip4\/(\d+)\.(\d+)\./.exec(addr);
  return ip ? `${ip[1]}.${ip[2]}` : addr;
}

/**
 * The most outbound peers in one group, over direct connections. Peers, not connections: an
 * AutoNAT dial-back opens a second, short-lived connection to a peer already counted. A relayed
 * connection's address is its relay's, which says nothing of the peer's own network, so relayed
 * peers are not counted in any group (docs/network.md: the gater groups them by their relay).
 */
function maxOutboundPerGroup(m: Member): number {
  const peers = new Map<string, Set<string>>();
  for (const c of conns(m).filter((x) => x.direction === 'outbound' && x.direct)) {
    const g = groupOf(c.addr);
    peers.set(g, (peers.get(g) ?? new Set()).add(c.peer));
  }
  return Math.max(0, ...[...peers.values()].map((s) => s.size));
}

/** Connected components of the graph of open connections between live members. */
function components(members: readonly Member[]): number {
  const ids = new Set(members.map((m) => m.id));
  const parent = new Map([...ids].map((id) => [id, id]));
  const find = (x: string): string => {
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const m of members)
    for (const c of conns(m)) if (ids.has(c.peer)) parent.set(find(m.id), find(c.peer));
  return new Set([...ids].map(find)).size;
}

function spread(members: readonly Member[]): number {
  const states = members
    .map((m) => latest(m.node)?.S as number[] | undefined)
    .filter((s): s is number[] => Array.isArray(s) && s.length > 0);
  if (states.length < members.length) return Infinity;
  const d = states[0]!.length;
  const mean = Array.from(
    { length: d },
    (_, c) => states.reduce((a, s) => a + s[c]!, 0) / states.length,
  );
  return Math.sqrt(
    states.reduce((a, s) => a + s.reduce((b, x, c) => b + (x - mean[c]!) ** 2, 0), 0) /
      states.length,
  );
}

async function until(what: string, test: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return Date.now() - t0;
}

describe.skipIf(skip !== null)(`a swarm on real hosts${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let net: Testnet;
  const publics: NetHost[] = [];
  const privates: NetHost[] = [];

  beforeAll(async () => {
    await prepareLvs();
    net = await Testnet.create();
    for (let k = 0; k < 4; k++) publics.push(await net.publicHost(`pub${k}`));
    for (let r = 0; r < 3; r++) {
      const router = await net.router(`nat${r}`);
      for (let h = 0; h < 2; h++) privates.push(await net.privateHost(`nat${r}h${h}`, router));
    }
  }, 120_000);

  afterAll(async () => {
    await net?.destroy();
    await disposeLvs();
  });

  const start = async (host: NetHost, port: number, bootstrap: string | null, genesis: number) => {
    const node = host.spawnLvs([
      '--port',
      String(port),
      '--data',
      await net.tempDir(),
      '--no-mdns',
      '--json-logs',
      '--status-every',
      '1',
      '--genesis',
      String(genesis),
      ...(bootstrap === null ? [] : ['--bootstrap', bootstrap]),
    ]);
    return { host, port, node, id: '' } as Member;
  };

  const listening = async (m: Member) => {
    const r = await m.node.waitForRecord(
      (x) => String(x.msg).startsWith('listening on'),
      'listening',
      90_000,
    );
    m.id = /\/p2p\/(\w+)/.exec(String(r.msg))?.[1] ?? '';
  };

  it('40 nodes, one bootstrap address each: 6+ peers, 2 outbound per group at most, one component, spread under epsilon; 5 join after the bootstrap host dies', async () => {
    const bootHost = publics[0]!;
    const boot = `/ip4/${bootHost.ip}/tcp/${BASE_PORT}`;
    const members: Member[] = [];
    // The bootstrap node first, then the rest in host order; genesis values differ, so nodes
    // that start before they hear anyone begin apart and must converge.
    const hosts = [...publics, ...privates];
    let g = 0;
    // Host by host, each host's 4 nodes once the previous host's listen: 40 processes starting
    // at once on two cores would measure the machine's start-up queue, not the swarm.
    for (const host of hosts) {
      const batch: Member[] = [];
      for (let i = 0; i < NODES_PER_HOST; i++) {
        const own = host === bootHost && i === 0;
        batch.push(await start(host, BASE_PORT + i, own ? null : boot, 95 + (g++ % 11)));
      }
      members.push(...batch);
      await Promise.all(batch.map(listening));
    }
    console.log(`swarm: 40 nodes listening`);
    const t0 = Date.now();

    const live = () => members.filter((m) => m.node.running);
    let peersOk = 0;
    try {
      peersOk = await until(
        'every node has 6+ peers, one component, spread under epsilon',
        () =>
          members.every((m) => peers(m) >= 6) &&
          components(members) === 1 &&
          spread(members) < EPSILON,
        60_000,
      );
    } finally {
      if (process.env.LVS_NET_DEBUG)
        members.forEach((m, i) =>
          writeFileSync(`/tmp/swarm-${i}-${m.host.name}.log`, m.node.out()),
        );
      const counts = members.map(peers).sort((a, b) => a - b);
      console.log(
        `swarm: peers per node min ${counts[0]} median ${counts[20]} max ${counts.at(-1)}; components ${components(members)}; spread ${spread(members).toPrecision(3)}`,
      );
    }
    console.log(
      `swarm: 6+ peers each, one component, spread < ${EPSILON} ${peersOk} ms after the last start`,
    );
    for (const m of members)
      expect(
        maxOutboundPerGroup(m),
        `${m.host.name}: ${JSON.stringify(conns(m))}`,
      ).toBeLessThanOrEqual(2);
    expect(Date.now() - t0).toBeLessThan(70_000);

    // The bootstrap host dies with its 4 nodes; 5 newcomers are each told of one other node.
    for (const m of members.filter((x) => x.host === bootHost)) m.node.kill('SIGKILL');
    const joiners: Member[] = [];
    for (let j = 0; j < 5; j++) {
      const host = hosts[1 + (j % (hosts.length - 1))]!;
      const told = members.find((m) => m.host === publics[1 + (j % 3)]! && m.port === BASE_PORT)!;
      joiners.push(
        await start(
          host,
          BASE_PORT + NODES_PER_HOST + j,
          `/ip4/${told.host.ip}/tcp/${told.port}`,
          100,
        ),
      );
    }
    await Promise.all(joiners.map(listening));
    const survivors = () => [...live(), ...joiners];
    const joined = await until(
      'the 5 newcomers have 6+ peers and the survivors are one component',
      () => joiners.every((m) => peers(m) >= 6) && components(survivors()) === 1,
      60_000,
    );
    console.log(
      `swarm: 5 newcomers with 6+ peers each, one component, ${joined} ms after they started`,
    );
    expect(survivors()).toHaveLength(36 + 5);
  }, 400_000);
});
