// npm run bench:net: the network on real hosts (Linux network namespaces, as root; the harness of
// tests/net/netns.ts). Measures how long a node joining a 40-node swarm takes to its first peer
// and to 6, how long a node takes to reconnect after its peer restarts with a fresh key, the bytes
// a node behind NAT sends and receives per minute in that swarm with every protocol counted, and
// the address book's memory at 10,000 entries; writes the figures into docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LvsHandle, Testnet, netnsAvailable, type NetHost } from '../tests/net/netns';
import { disposeLvs, lvsArgv, prepareLvs } from '../tests/helpers/lvs-process';
import { machineLine, median, writeSection } from './bench/report';

const root = join(import.meta.dirname, '..');
const why = netnsAvailable();
if (why) {
  console.error(`bench:net builds real hosts in network namespaces and cannot run here: ${why}`);
  process.exit(2);
}

const ROUNDS = 5;
const MEASURE_S = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Conn {
  readonly peer: string;
  readonly direction: string;
  readonly direct: boolean;
}

/** Status records with their time (ms since the epoch) and distinct peers. */
function timeline(node: LvsHandle): Array<{ at: number; peers: number; conns: Conn[] }> {
  return node.statuses().map((r) => {
    const conns = (r.connections as Conn[] | undefined) ?? [];
    return {
      at: Date.parse(String(r.time)),
      peers: new Set(conns.map((c) => c.peer)).size,
      conns,
    };
  });
}

async function until(test: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(200);
  }
  return true;
}

const net = await Testnet.create();
try {
  await prepareLvs();
  const common = ['--no-mdns', '--json-logs'];
  const start = async (host: NetHost, port: number, extra: string[], every = '1') => {
    const node = host.spawnLvs([
      '--port',
      String(port),
      '--data',
      await net.tempDir(),
      ...common,
      '--status-every',
      every,
      ...extra,
    ]);
    await node.waitForRecord((r) => String(r.msg).startsWith('listening on'), 'listening', 90_000);
    return node;
  };

  // 1. Reconnect after a peer restarts with a fresh key: B was told A's address (no id).
  const hostA = await net.publicHost('a');
  const hostB = await net.publicHost('b');
  const dataA = await net.tempDir();
  const startA = () =>
    hostA
      .spawnLvs(['--port', '4001', '--data', dataA, ...common, '--status-every', '5'])
      .waitForRecord((r) => String(r.msg).startsWith('listening on'), 'listening', 60_000)
      .then(() => net.handles.at(-1)!);
  let a = await startA();
  const b = await start(hostB, 4001, ['--bootstrap', `/ip4/${hostA.ip}/tcp/4001`], '0.2');
  const toA = () =>
    timeline(b)
      .at(-1)
      ?.conns.some((c) => a.records().some((r) => String(r.msg).includes(c.peer))) ?? false;
  await until(toA, 30_000);
  const reconnects: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.kill('SIGTERM');
    await a.exited;
    const t0 = Date.now();
    a = await startA();
    if (await until(toA, 60_000)) reconnects.push(Date.now() - t0);
  }
  a.kill('SIGTERM');
  b.kill('SIGTERM');
  console.log(`reconnect after a restart (ms from the restart's spawn): ${reconnects.join(', ')}`);

  // 2. The 40-node swarm of tests/net/swarm.test.ts, host by host.
  const publics: NetHost[] = [];
  const privates: NetHost[] = [];
  for (let k = 0; k < 4; k++) publics.push(await net.publicHost(`pub${k}`));
  for (let r = 0; r < 3; r++) {
    const router = await net.router(`nat${r}`);
    for (let h = 0; h < 2; h++) privates.push(await net.privateHost(`nat${r}h${h}`, router));
  }
  const boot = `/ip4/${publics[0]!.ip}/tcp/4001`;
  const swarm: LvsHandle[] = [];
  for (const host of [...publics, ...privates]) {
    const batch = [0, 1, 2, 3].map((i) =>
      start(host, 4001 + i, host === publics[0] && i === 0 ? [] : ['--bootstrap', boot]),
    );
    swarm.push(...(await Promise.all(batch)));
  }
  const settled = await until(
    () => swarm.every((n) => (timeline(n).at(-1)?.peers ?? 0) >= 6),
    120_000,
  );
  console.log(`swarm of 40 ${settled ? 'settled (6+ peers each)' : 'did not settle within 120 s'}`);

  // 3. Joining: a new node told of one public node, on a public host and behind a NAT in turn.
  const first: number[] = [];
  const six: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const host = i % 2 === 0 ? publics[1 + (i % 3)]! : privates[i % privates.length]!;
    const t0 = Date.now();
    const node = await start(
      host,
      4100 + i,
      ['--bootstrap', `/ip4/${publics[2]!.ip}/tcp/4002`],
      '0.2',
    );
    await until(() => (timeline(node).at(-1)?.peers ?? 0) >= 6, 60_000);
    const t = timeline(node);
    const at1 = t.find((x) => x.peers >= 1)?.at;
    const at6 = t.find((x) => x.peers >= 6)?.at;
    if (at1 !== undefined) first.push(at1 - t0);
    if (at6 !== undefined) six.push(at6 - t0);
    node.kill('SIGTERM');
  }
  console.log(`join: first peer ${first.join(', ')} ms; 6 peers ${six.join(', ')} ms`);

  // 4. Bytes per minute of a node behind NAT in the swarm, every protocol counted at its sockets.
  const reportDir = await mkdtemp(join(tmpdir(), 'lvs-bench-net-'));
  const report = join(reportDir, 'sockets.json');
  const counter = join(root, 'scripts', 'bench', 'socket-counter.mjs');
  const [exe, ...rest] = lvsArgv([
    'node',
    '--port',
    '4200',
    '--data',
    await net.tempDir(),
    ...common,
    '--status-every',
    '1',
    '--bootstrap',
    boot,
  ]);
  process.env.LVS_SOCKET_REPORT = report;
  const measured = new LvsHandle(
    'measured',
    privates[0]!.spawn([exe!, '--import', counter, ...rest]),
  );
  delete process.env.LVS_SOCKET_REPORT;
  if (!(await until(() => (timeline(measured).at(-1)?.peers ?? 0) >= 8, 120_000)))
    console.log(`the measured node has fewer than 8 peers: ${measured.tail(3)}`);
  const read = () =>
    JSON.parse(readFileSync(report, 'utf8')) as { read: number; written: number; at: number };
  /** Bytes per minute over the next MEASURE_S seconds, sent and received, in KB. */
  const perMinute = async () => {
    const s0 = read();
    await sleep(MEASURE_S * 1000);
    const s1 = read();
    const minutes = (s1.at - s0.at) / 60_000;
    return {
      sent: (s1.written - s0.written) / 1000 / minutes,
      recv: (s1.read - s0.read) / 1000 / minutes,
    };
  };
  // A first minute after a 20 s warm-up (the join's exchanges and handshakes settle), and one
  // from 3 minutes on, when only the steady traffic is left (as bench:node measures).
  const joinedAt = Date.now();
  await sleep(20_000);
  const firstMinute = await perMinute();
  await sleep(Math.max(0, joinedAt + 180_000 - Date.now()));
  const settledMinute = await perMinute();
  const last = timeline(measured).at(-1);
  const peersNow = last?.peers ?? 0;
  const outbound = new Set(last?.conns.filter((c) => c.direction === 'outbound').map((c) => c.peer))
    .size;
  const kb = (x: number) => `${x.toFixed(1)} KB`;
  console.log(
    `bytes per minute at ${peersNow} peers: first minute sent ${kb(firstMinute.sent)}, received ${kb(firstMinute.recv)}; from 3 min on sent ${kb(settledMinute.sent)}, received ${kb(settledMinute.recv)}`,
  );

  // 5. The address book at 10,000 entries (its own process: it needs --expose-gc).
  const book = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        join(root, 'scripts/bench-address-book.ts'),
        '10000',
        '--json',
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n')
      .at(-1)!,
  ) as { bytes: number; bytesPerEntry: number; snapshotBytes: number };
  console.log(`address book at 10,000 entries: ${(book.bytes / 2 ** 20).toFixed(2)} MiB`);

  const med = (xs: number[]) => (xs.length ? `${(median(xs) / 1000).toFixed(2)} s` : 'n/a');
  const range = (xs: number[]) =>
    xs.length
      ? `${(Math.min(...xs) / 1000).toFixed(2)}-${(Math.max(...xs) / 1000).toFixed(2)} s`
      : '';
  await writeSection(
    'net',
    `## Network on real hosts (\`npm run bench:net\`)

Real \`lvs node\` processes in Linux network namespaces (tests/net/netns.ts): an isolated
"internet" bridge, public hosts each in their own /16, masquerading routers. The swarm is the one
of tests/net/swarm.test.ts: 40 nodes on 10 hosts, 4 public and 6 behind 3 NATs, every node told of
one bootstrap address only. ${ROUNDS} rounds of each timing, medians with their range. Bytes are
counted at the measured node's TCP sockets: drift frames, peer exchange, identify, AutoNAT, the
relay reservation and every other libp2p message, Noise and Yamux included.

Machine: ${machineLine()}; ${new Date().toISOString().slice(0, 10)}. All 40 nodes and the measured
one share these cores.

| measure | median | range | target |
| --- | ---: | ---: | ---: |
| joining the swarm: first peer | ${med(first)} | ${range(first)} | |
| joining the swarm: 6 peers | ${med(six)} | ${range(six)} | |
| reconnect after a peer restarts with a fresh key | ${med(reconnects)} | ${range(reconnects)} | |
| bytes sent per minute, node behind NAT, first minute | ${kb(firstMinute.sent)} | | |
| bytes received per minute, same node, first minute | ${kb(firstMinute.recv)} | | |
| bytes sent per minute, same node from 3 min on, at ${peersNow} peers (${outbound} outbound) | ${kb(settledMinute.sent)} | | <= 30 KB |
| bytes received per minute, same node from 3 min on | ${kb(settledMinute.recv)} | | |
| address book at 10,000 entries (heap) | ${(book.bytes / 2 ** 20).toFixed(2)} MiB (${book.bytesPerEntry.toFixed(0)} B each) | | |
| its snapshot as JSON | ${(book.snapshotBytes / 1000).toFixed(0)} kB (node.json keeps 256 entries) | | |

The join and reconnect times are from the new process's spawn, so they include its start-up
(about 0.6 s on an idle machine, more here with 40 other nodes on the same cores) and are read from
status records written every 0.2 s. The swarm ${settled ? 'had settled' : 'had NOT settled'} before the joins.

The measured node shares its router's address with eight other nodes of the swarm, so full public
nodes let it in only for visits (docs/network.md, "Visits from a crowded address"). Until a
visited address was made to wait (docs/network.md, "Dialling again") it was let in and closed
again about 8 times a minute, and sent 60 KB a minute; counted per protocol then, peer exchange
and identify on those fresh connections were most of it.`,
  );
  console.log('written to docs/benchmarks.md');
} finally {
  await net.destroy();
  await disposeLvs();
}
