import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveParams } from '../../src-shared/drift/params';
import { multiaddr } from '@multiformats/multiaddr';
import { createHost, LOOPBACK_LAB } from '../../src-main/node/p2p/host';
import { encodeFrame, frameBytes } from '../../src-shared/protocol';
import { Frame } from '../../src-shared/protocol/drift';
import { PROTOCOL_ID } from '../../src-shared/protocol/messages';
import { seededRng } from '../../src-shared/random';
import { LvsNode, type NodeLog } from '../../src-main/node/lvs-node';

/*
 * Real nodes: libp2p over TCP on 127.0.0.1, drift engines in worker threads, stores on disk.
 * Cycles are short (40 ms) so that convergence takes seconds; assertions are on states, never
 * on timing.
 */

const CYCLE_MS = 40;
const running: LvsNode[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

function collector(lines: string[]): NodeLog {
  const put = (m: string) => void lines.push(m);
  return { info: put, warn: put, error: put, debug: () => undefined };
}

async function startNode(
  genesis: number[],
  params: Record<string, unknown>,
  lines: string[] = [],
): Promise<LvsNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lvs-node-'));
  folders.push(dataDir);
  const node = await LvsNode.start({
    dataDir,
    appVersion: 'test',
    params: resolveParams(params),
    cycleMs: CYCLE_MS,
    host: LOOPBACK_LAB,
    genesis,
    joinCycles: 1,
    seed: running.length + 1,
    persistMs: 200,
    log: collector(lines),
  });
  running.push(node);
  return node;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(CYCLE_MS);
  }
}

function spread(nodes: readonly LvsNode[]): number {
  const states = nodes.map((n) => n.state().S);
  const d = states[0]!.length;
  let total = 0;
  for (let c = 0; c < d; c++) {
    const mean = states.reduce((a, s) => a + s[c]!, 0) / states.length;
    total += states.reduce((a, s) => a + (s[c]! - mean) ** 2, 0) / states.length;
  }
  return Math.sqrt(total);
}

describe('LvsNode over real TCP', () => {
  it('two nodes converge', async () => {
    const params = { alpha: 0, beta: 0.3, weighting: 'uniform' };
    const a = await startNode([100, 100], params);
    const b = await startNode([104, 97], params);
    await until('both have a state', () => a.joined && b.joined);
    await b.connect(a.addresses()[0]!);
    const s0 = spread([a, b]);
    expect(s0).toBeGreaterThan(1);
    await until('they agree to 1e-3 of their start', () => spread([a, b]) < 1e-3 * s0);
    for (const c of [0, 1]) {
      const x = a.state().S[c]!;
      expect(x).toBeGreaterThanOrEqual(Math.min(100, c === 0 ? 104 : 97));
      expect(x).toBeLessThanOrEqual(Math.max(100, c === 0 ? 104 : 97));
    }
  });

  it('ten nodes in a ring with alpha = 0 converge inside the range of their initial states', async () => {
    const params = { alpha: 0, beta: 0.5, weighting: 'uniform' };
    const nodes: LvsNode[] = [];
    for (let i = 0; i < 10; i++) nodes.push(await startNode([100 + 2 * i, 120 - i], params));
    await until('all have a state', () => nodes.every((n) => n.joined));
    for (let i = 0; i < 10; i++) await nodes[i]!.connect(nodes[(i + 1) % 10]!.addresses()[0]!);
    await until('every node has its two ring peers', () =>
      nodes.every((n) => n.status().peers === 2),
    );
    const s0 = spread(nodes);
    await until(
      'the spread falls under 1e-3 of its start',
      () => spread(nodes) < 1e-3 * s0,
      60_000,
    );
    for (const n of nodes) {
      const [x, y] = n.state().S;
      expect(x).toBeGreaterThanOrEqual(100);
      expect(x).toBeLessThanOrEqual(118);
      expect(y).toBeGreaterThanOrEqual(111);
      expect(y).toBeLessThanOrEqual(120);
    }
  });

  it('a node started later takes its first state from its peers', async () => {
    const params = { alpha: 0, beta: 0.2, weighting: 'uniform' };
    const a = await startNode([50, 60], params);
    await until('the first node starts from genesis', () => a.joined);
    const lines: string[] = [];
    const dataDir = await mkdtemp(join(tmpdir(), 'lvs-node-'));
    folders.push(dataDir);
    const b = await LvsNode.start({
      dataDir,
      appVersion: 'test',
      params: resolveParams(params),
      cycleMs: CYCLE_MS,
      host: LOOPBACK_LAB,
      discovery: { bootstrap: a.addresses() },
      genesis: [999, 999],
      joinCycles: 50,
      persistMs: 200,
      log: collector(lines),
    });
    running.push(b);
    await until('the new node joins', () => b.joined);
    expect(b.state().S[0]).toBeCloseTo(50, 6);
    expect(b.state().S[1]).toBeCloseTo(60, 6);
    expect(lines.some((l) => l.startsWith('joined from 1 peer'))).toBe(true);
  });

  it('nodes of different dimensions refuse each other, and both log the reason', async () => {
    const la: string[] = [];
    const lb: string[] = [];
    const a = await startNode([1, 1], { dimensions: 2 }, la);
    const b = await startNode([1, 1, 1], { dimensions: 3 }, lb);
    await b.connect(a.addresses()[0]!).catch(() => undefined);
    await until(
      'both logged the refusal',
      () =>
        la.some((l) => /dimension 3, this node has 2/.test(l)) &&
        lb.some((l) => /dimension 2, this node has 3/.test(l)),
      10_000,
    );
    await sleep(5 * CYCLE_MS);
    expect(a.status().peers).toBe(0);
    expect(b.status().peers).toBe(0);
  });

  it('answers the node API and refuses a malformed request in one line', async () => {
    const a = await startNode([10, 10], {});
    await until('joined', () => a.joined);
    const status = await a.request({ op: 'status' });
    expect(status.sessionId).toBe(a.sessionId);
    await until('a few cycles are saved', () => a.history().length >= 3);
    const history = await a.request({ op: 'history', limit: 2 });
    expect(history).toHaveLength(2);
    expect(history[1]!.cycle).toBe(history[0]!.cycle + 1);
    expect(await a.request({ op: 'events' })).toEqual([]); // a lone node at rest: no intervention
    const params = await a.request({ op: 'set-params', params: { alpha: 0.02 } });
    expect(params.alpha).toBe(0.02);
    await expect(a.request({ op: 'set-params', params: { beta: 3 } })).rejects.toThrow(
      /beta must be in \(0, 1\]/,
    );
    await expect(a.handle({ op: 'format-disk' })).rejects.toThrow(/op must be one of/);
  });

  it('builds its status snapshot each cycle only while something listens for it', async () => {
    const a = await startNode([10, 10], {});
    await until('joined', () => a.joined);
    let built = 0;
    const status = a.status.bind(a);
    a.status = () => (built++, status());
    // The cycle read through the original, so that the test's own reads are not counted.
    const cycle = () => status().cycle;
    const cycle0 = cycle();
    // 20 cycles of 40 ms: a listener would have had 3 snapshots or more (one per 200 ms at most).
    await until('twenty cycles run with nobody listening', () => cycle() >= cycle0 + 20);
    expect(built).toBe(0);
    const seen: number[] = [];
    const listener = ({ status: s }: { status: { cycle: number } }) => seen.push(s.cycle);
    a.on('snapshot', listener);
    await until('three snapshots come to a listener', () => seen.length >= 3);
    expect(built).toBeGreaterThanOrEqual(3);
    // Each one is of its own cycle, in order.
    expect(seen.every((c, i) => i === 0 || c > seen[i - 1]!)).toBe(true);
    a.off('snapshot', listener);
    const after = built;
    const cycle1 = cycle();
    await until('twenty more cycles with nobody listening', () => cycle() >= cycle1 + 20);
    expect(built).toBe(after);
  });
});

describe('LvsNode with entropy', () => {
  it('keeps a ring of ten inside the noise floor docs/model.md gives, and never agrees exactly', async () => {
    const N = 10;
    const alpha = 0.05;
    const beta = 0.5;
    const nodes: LvsNode[] = [];
    for (let i = 0; i < N; i++)
      nodes.push(await startNode([100, 100], { alpha, beta, weighting: 'uniform' }));
    await until('all have a state', () => nodes.every((n) => n.joined));
    for (let i = 0; i < N; i++) await nodes[i]!.connect(nodes[(i + 1) % N]!.addresses()[0]!);
    await until('every node has its two ring peers', () =>
      nodes.every((n) => n.status().peers === 2),
    );
    // Theory (Xiao, Boyd & Kim 2007) for uniform weights on a ring: lambda_k = 1 - beta +
    // beta cos(2 pi k / N); per coordinate MSD = alpha^2 sigma^2 / N * sum 1 / (1 - lambda_k^2),
    // with sigma^2 = 1 - e^-1/2 for d = 2 (docs/model.md).
    const sigma2 = 1 - Math.exp(-0.5);
    let sum = 0;
    for (let k = 1; k < N; k++) {
      const lambda = 1 - beta + beta * Math.cos((2 * Math.PI * k) / N);
      sum += 1 / (1 - lambda * lambda);
    }
    const floor = (alpha * alpha * sigma2 * sum) / N;
    await sleep(30 * CYCLE_MS);
    let msd = 0;
    const samples = 120;
    for (let t = 0; t < samples; t++) {
      await sleep(CYCLE_MS);
      msd += spread(nodes) ** 2 / 2;
    }
    msd /= samples;
    // Real cycles run unsynchronised and read states up to a cycle old, which the synchronous
    // theory does not model: the floor holds to within a factor, not to the digit.
    expect(msd).toBeGreaterThan(floor / 2);
    expect(msd).toBeLessThan(2 * floor);
  });
});

describe('LvsNode and a hostile peer', () => {
  it('stays up with a finite, guarded state while the peer loses trust and is cut off', async () => {
    const node = await startNode([100, 100], { alpha: 0.05, beta: 0.2 });
    await until('joined', () => node.joined);
    const evil = await createHost(LOOPBACK_LAB);
    try {
      const evilId = evil.peerId.toString();
      const stream = await evil.libp2p.dialProtocol(multiaddr(node.addresses()[0]!), PROTOCOL_ID);
      stream.send(encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: CYCLE_MS }));
      const rng = seededRng(7);
      const frames = [
        frameBytes(new Uint8Array(64 * 1024).fill(0xaa)),
        frameBytes(Frame.encode({ sdm: { shard: 0, state: [1, NaN], weight: 1, cycle: 1 } })),
        frameBytes(Frame.encode({ sdm: { shard: 0, state: [1, 2, 3], weight: 1, cycle: 2 } })),
        frameBytes(Frame.encode({ sdm: { shard: 0, state: [1, 2], weight: -5, cycle: 3 } })),
        frameBytes(new Uint8Array(100).map(() => rng.int(256))),
      ];
      const trustOf = () => node.peers().find((p) => p.sessionId === evilId)?.trust ?? 1;
      const sendAll = async () => {
        for (const f of frames) {
          if (stream.status !== 'open') return;
          stream.send(f);
          await sleep(20);
        }
      };
      // Five bad frames: under the disconnection limit, so the peer is still there to be seen.
      await sendAll();
      await until('the hostile peer has lost trust', () => trustOf() < 0.5, 5_000);
      await sendAll();
      await sendAll();
      await until(
        'the hostile peer is disconnected',
        () => node.peers().every((p) => p.sessionId !== evilId),
        10_000,
      );
      const { S, D } = node.state();
      expect(S.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
      expect(Math.hypot(...D)).toBeLessThanOrEqual(resolveParams({}).maxDrift);
      const status = await node.request({ op: 'status' });
      expect(status.cycle).toBeGreaterThan(0);
    } finally {
      await evil.stop();
    }
  });
});
