// End-to-end tests of `lvs node`: real processes, real TCP on 127.0.0.1, real signals. The CLI
// and the engine worker are bundled once with esbuild (packages stay in node_modules), so a
// start costs a fraction of a second instead of tsx's compile; without esbuild they run through
// tsx. Flag mistakes must cost one line on stderr and exit code 2 before anything starts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeLvs,
  expectUsageError,
  killAll,
  prepareLvs,
  run,
  start,
} from '../helpers/lvs-process';

let work = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lvs-node-cli-'));
  await prepareLvs();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

/** Flags every test node runs with: loopback, any port, no mDNS, fast cycles. */
const LAB = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--cycle-ms', '50'];

type Stored = { state: { cycle: number; S: number[] } };
const readStore = async (dir: string) =>
  JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as Stored;

const PEER = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWFBJEn3ZgfNBAkwpNyz34LQVnK73hHpV4X4Nyxz26991m';

/** Every flag of `lvs node` with wrong values; `allowed` is what the message must say. */
const BAD_FLAGS: readonly (readonly [flag: string, args: readonly string[], allowed: RegExp])[] = [
  ['--port', ['--port', 'http'], /number/],
  ['--port', ['--port', '-1'], /integer in 0\.\.65535/],
  ['--port', ['--port', '65536'], /integer in 0\.\.65535/],
  ['--port', ['--port', '80.5'], /integer in 0\.\.65535/],
  ['--ws-port', ['--ws-port', '70000'], /ws-port.*integer in 0\.\.65535/],
  ['--ws-port', ['--port', '4001', '--ws-port', '4001'], /--ws-port must differ from --port/],
  ['--host', ['--host', 'localhost'], /IP address/],
  ['--host', ['--host', '300.1.2.3'], /IP address/],
  ['--bootstrap', ['--bootstrap', 'not-a-multiaddr'], /a TCP multiaddr/],
  ['--bootstrap', ['--bootstrap', '/ip4/127.0.0.1/udp/4001'], /a TCP multiaddr/],
  [
    '--bootstrap',
    ['--bootstrap', `/ip4/127.0.0.1/tcp/1/p2p/${PEER.split('/').at(-1)}/p2p-circuit`],
    /relayed address/,
  ],
  ['--bootstrap', ['--bootstrap', PEER, '--bootstrap', '/ip4/1.2.3.4/tcp/x'], /multiaddr/],
  ['--dimensions', ['--dimensions', 'two'], /number/],
  ['--dimensions', ['--dimensions', '0'], /integer in 1\.\.64/],
  ['--dimensions', ['--dimensions', '65'], /integer in 1\.\.64/],
  ['--alpha', ['--alpha', '-0.1'], /\[0, 1\]/],
  ['--alpha', ['--alpha', 'x'], /number/],
  ['--beta', ['--beta', '0'], /\(0, 1\]/],
  ['--beta', ['--beta', '2'], /\(0, 1\]/],
  ['--aggregator', ['--aggregator', 'max'], /mean, trimmed, median/],
  ['--aggregator', ['--aggregator', 'trimmed:99'], /integer in 0\.\.32/],
  ['--aggregator', ['--aggregator', 'mean:2'], /trimmed:F/],
  ['--weights', ['--weights', 'metropolis'], /claimed, uniform.*cannot know/],
  ['--weights', ['--weights', 'equal'], /claimed, uniform/],
  ['--cycle-ms', ['--cycle-ms', '5'], /integer in 10\.\.3600000/],
  ['--cycle-ms', ['--cycle-ms', 'fast'], /number/],
  ['--cycle-ms', ['--cycle-ms', '3600001'], /integer in 10\.\.3600000/],
  ['--genesis', ['--genesis', 'x'], /one number >= 0/],
  ['--genesis', ['--genesis', '-5'], /one number >= 0/],
  ['--genesis', ['--genesis', '1,2,3'], /2 comma-separated/],
  ['--genesis', ['--dimensions', '3', '--genesis', '1,2'], /3 comma-separated/],
  ['--log-level', ['--log-level', 'verbose'], /fatal, error, warn, info, debug/],
  ['--status-every', ['--status-every', '-1'], /\[0, 86400\]/],
  ['--status-every', ['--status-every', 'often'], /number/],
  ['--seed', ['--seed', '-1'], /integer in 0\.\./],
  ['--seed', ['--seed', '0.5'], /integer in 0\.\./],
  ['--set', ['--set', 'colour=1'], /name=value.*maxDiff/],
  ['--set', ['--set', 'maxDiff=0'], /\(0, /],
  ['--set', ['--set', 'beta=0.5'], /use --beta/],
  ['--set', ['--set', 'maxDiff=100'], /must not exceed --set anomalyLimit/],
  ['--data', ['--data', ''], /folder/],
  ['--no-mdns', ['--no-mdns=yes'], /no-mdns/],
  ['--stable-key', ['--stable-key=yes'], /unknown option/],
  ['--json-logs', ['--json-logs=1'], /json-logs/],
];

/** NAT traversal flags (docs/network.md), checked in a test of their own to keep each short. */
const BAD_NAT_FLAGS: [string, string[], RegExp][] = [
  ['--relay-service', ['--relay-service', 'maybe'], /auto, on, off/],
  ['--relay-reservations', ['--relay-reservations', '0'], /integer in 1\.\.1024/],
  ['--relay-limit-s', ['--relay-limit-s', '1.5'], /integer in 1\.\.86400/],
  ['--relay-limit-mib', ['--relay-limit-mib', '0'], /\[0\.001, 4096\]/],
  ['--upnp', ['--no-nat', '--upnp'], /needs NAT traversal.*--no-nat/],
  ['--relay-service', ['--no-nat', '--relay-service', 'on'], /needs NAT traversal/],
  [
    '--relay-limit-s',
    ['--relay-service', 'off', '--relay-limit-s', '60'],
    /bounds the relay service/,
  ],
];

/** `--max-shards` (docs/shards.md, "Capacity"): an integer in 1..K, K from --set shards. */
const BAD_CAP_FLAGS: [string, string[], RegExp][] = [
  ['--max-shards', ['--max-shards', 'few'], /number/],
  ['--max-shards', ['--max-shards', '0'], /integer in 1\.\.64/],
  [
    '--max-shards',
    ['--dimensions', '4', '--set', 'shards=4', '--max-shards', '5'],
    /integer in 1\.\.4, as there are 4 shards \(got 5\)/,
  ],
  ['--max-shards', ['--max-shards', '2'], /must be 1 with shards 1/],
];

describe('lvs node flags', () => {
  it.each([
    ['every wrong value', BAD_FLAGS],
    ['every wrong NAT flag', BAD_NAT_FLAGS],
    ['every wrong shard cap', BAD_CAP_FLAGS],
  ] as const)(
    'refuses %s with one line naming the flag, exit 2, nothing started',
    async (_, cases) => {
      const data = join(work, 'never-created');
      const queue = [...cases];
      const failures: string[] = [];
      // A few at a time: each is a whole process.
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let c = queue.shift(); c; c = queue.shift()) {
            const [flag, args, allowed] = c;
            const withData = flag === '--data' ? args : ['--data', data, ...args];
            const r = await run(withData);
            try {
              expectUsageError(r, flag, allowed);
            } catch (err) {
              failures.push(
                `${args.join(' ')}: ${(err as Error).message.split('\n')[0]}\n${r.stderr}`,
              );
            }
          }
        }),
      );
      expect(failures).toEqual([]);
      expect(existsSync(data)).toBe(false);
    },
  );

  it('refuses a --data that is a file, and a port in use (the lock given back)', async () => {
    const file = join(work, 'a-file');
    await writeFile(file, 'x');
    expectUsageError(await run(['--data', file]), '--data', /not a folder/);

    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const dir = join(work, 'port-in-use');
      const r = await run([...LAB, '--port', String(port), '--data', dir]);
      expectUsageError(r, '--port', new RegExp(`${port} is in use`));
      expect(existsSync(join(dir, 'node.lock'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('lvs node --ws-port', () => {
  it('listens on WebSockets beside TCP, and names --ws-port when that port is taken', async () => {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const taken = (server.address() as AddressInfo).port;
    try {
      const r = await run([...LAB, '--ws-port', String(taken), '--data', join(work, 'ws-taken')]);
      expectUsageError(r, '--ws-port', new RegExp(`--ws-port ${taken} is in use`));
    } finally {
      server.close();
    }
    // Now free: the node listens there, and says so with its TCP address.
    const a = start([...LAB, '--ws-port', String(taken), '--data', join(work, 'ws')]);
    const [line] = await a.waitFor(/listening on [^\n]+\n/);
    expect(line).toMatch(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+/);
    expect(line).toContain(`/ip4/127.0.0.1/tcp/${taken}/ws/p2p/`);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
  });
});

describe('lvs node running', () => {
  it('prints where it listens and its status; a second node on the folder exits 3; SIGTERM saves and exits 0', async () => {
    const dir = join(work, 'run');
    const a = start([...LAB, '--data', dir, '--status-every', '0.2']);
    const [, addr] = await a.waitFor(/listening on (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\w+)\n/);
    expect(addr).toBeTruthy();
    await a.waitFor(
      /cycle ([5-9]|\d\d+) \| peers 0 \| spread to peers 0 \| mode active \| VaultGuard: /,
    );

    const b = await run([...LAB, '--data', dir]);
    expect(b.code).toBe(3);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/^lvs: [^\n]+\n$/);
    expect(b.stderr).toContain(dir);
    expect(b.stderr).toContain(`pid ${a.child.pid}`);

    a.child.kill('SIGTERM');
    const r = await a.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/SIGTERM: stopping/);
    expect(r.stdout).toMatch(/stopped at cycle \d+/);
    expect((await readStore(dir)).state.cycle).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'node.lock'))).toBe(false);
  });

  it('logs JSON lines with --json-logs, status as a record; SIGINT exits 0', async () => {
    const dir = join(work, 'json');
    const a = start([...LAB, '--data', dir, '--status-every', '0.2', '--json-logs']);
    await a.waitFor(/"kind":"status".*\n/);
    a.child.kill('SIGINT');
    const r = await a.done;
    expect(r.code, r.stderr).toBe(0);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.every((x) => typeof x.msg === 'string' && typeof x.level === 'number')).toBe(
      true,
    );
    const status = records.find((x) => x.kind === 'status')!;
    expect(status).toMatchObject({ peers: 0, mode: expect.any(String) as unknown });
    expect(typeof status.cycle).toBe('number');
    expect(records.some((x) => String(x.msg).startsWith('listening on /ip4/127.0.0.1/'))).toBe(
      true,
    );
  });

  it('resumes from its stored state after SIGKILL, not from genesis', async () => {
    const drift = [
      '--alpha',
      '0',
      '--beta',
      '0.05',
      '--weights',
      'uniform',
      '--status-every',
      '0.2',
    ];
    const dirA = join(work, 'resume-a');
    const dirB = join(work, 'resume-b');
    const a = start([...LAB, ...drift, '--data', dirA, '--genesis', '100']);
    const [, addrA] = await a.waitFor(/listening on (\S+)/);
    // B either joins from A's state (its bootstrap is dialled at once, so it usually hears A
    // within its first cycles) or, hearing nobody, starts from its genesis 106 and drifts toward
    // A; either way its state leaves the genesis. (States further apart than VaultGuard's anomaly
    // limit would never draw together: each excludes the other.)
    const bArgs = [...LAB, ...drift, '--data', dirB, '--genesis', '106', '--bootstrap', addrA!];
    const b = start(bArgs);
    await b.waitFor(/peers 1/);
    // Wait until B's saved state has moved away from genesis, then kill it without warning.
    let stored: Stored | null = null;
    for (const end = Date.now() + 15_000; Date.now() < end;) {
      await new Promise((r) => setTimeout(r, 100));
      const s = await readStore(dirB).catch(() => null);
      if (s && s.state.cycle > 0 && s.state.S[0]! < 105.5) {
        b.child.kill('SIGKILL');
        stored = s;
        break;
      }
    }
    expect(stored, b.out()).not.toBeNull();
    const killed = await b.done;
    expect(killed.signal).toBe('SIGKILL');
    // What is on disk after the kill: at least what was seen (a save may have landed since).
    const onDisk = await readStore(dirB);
    expect(onDisk.state.cycle).toBeGreaterThan(0);
    expect(onDisk.state.S[0]).toBeLessThan(106);
    expect(onDisk.state.S[0]).toBeGreaterThanOrEqual(100);

    const b2 = start(bArgs);
    const [, cycle, from, s] = await b2.waitFor(/resumed cycle (\d+) from (\S+): S = \[([^\]]*)\]/);
    expect(Number(cycle)).toBe(onDisk.state.cycle);
    expect(from).toBe('node.json');
    const S = s!.split(', ').map(Number);
    for (let c = 0; c < S.length; c++) expect(S[c]).toBeCloseTo(onDisk.state.S[c]!, 3);
    expect(b2.out()).toMatch(/took over the lock of LVS Node/);
    // It goes on counting from the stored cycle, so its SDMs stay newer than those it sent (its
    // first status line may come before its first new cycle: the stored cycle itself).
    const [, next] = await b2.waitFor(/cycle (\d+) \| peers/);
    expect(Number(next)).toBeGreaterThanOrEqual(onDisk.state.cycle);
    expect(b2.out()).not.toMatch(/genesis|joined from/);

    b2.child.kill('SIGTERM');
    a.child.kill('SIGTERM');
    expect((await b2.done).code).toBe(0);
    expect((await a.done).code).toBe(0);
  });

  it('keeps a corrupt node.json aside and starts; refuses a newer format, file untouched', async () => {
    const corrupt = join(work, 'corrupt');
    await mkdir(corrupt);
    await writeFile(join(corrupt, 'node.json'), '{"format": 1, "state": garbage');
    const a = start([...LAB, '--data', corrupt, '--status-every', '0']);
    const [line] = await a.waitFor(/.*node\.json in .* kept it as node\.json\.corrupt-\S+.*\n/);
    expect(line).toMatch(/started fresh/);
    await a.waitFor(/listening on/);
    a.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);

    const newer = join(work, 'newer');
    await mkdir(newer);
    const text = '{"format": 999, "writtenBy": "9.0.0", "future": true}\n';
    await writeFile(join(newer, 'node.json'), text);
    const r = await run([...LAB, '--data', newer]);
    expectUsageError(r, 'node.json', /newer LVS Node/);
    expect(await readFile(join(newer, 'node.json'), 'utf8')).toBe(text);
    expect(existsSync(join(newer, 'node.lock'))).toBe(false);
  });

  it('keeps its peer id across restarts with --stable-key, in a key file only its owner reads', async () => {
    const dir = join(work, 'stable');
    const id = async () => {
      const p = start([...LAB, '--data', dir, '--stable-key', '--status-every', '0']);
      const [, peer] = await p.waitFor(/listening on \S+\/p2p\/(\w+)/);
      p.child.kill('SIGTERM');
      expect((await p.done).code).toBe(0);
      return peer;
    };
    const first = await id();
    expect(await id()).toBe(first);
    const { statSync } = await import('node:fs');
    if (process.platform !== 'win32')
      expect(statSync(join(dir, 'node.key')).mode & 0o777).toBe(0o600);
  });
});
