import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Stream } from '@libp2p/interface';
import { tcp, type TCPSocketOptions } from '@libp2p/tcp';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LOOPBACK_LAB,
  createHost,
  type Host,
  type HostOptions,
} from '../../src-main/node/p2p/host';
import type { EvictionEvent } from '../../src-main/node/p2p/inbound-eviction';
import { DriftProtocol, encodeFrame, type DriftProtocolOptions } from '../../src-shared/protocol';
import { sessionFacts } from '../../src-main/node/session-facts';
import { LvsNode, type NodeLog } from '../../src-main/node/lvs-node';
import { resolveParams } from '../../src-shared/drift/params';
import { PROTOCOL_ID } from '../../src-shared/protocol/messages';

/*
 * Squatters: peers that dial a node from their own addresses (127.0.1.x, all routed to lo on
 * Linux), say a real HELLO that claims a one-hour cycle, and then say nothing, to hold the
 * node's inbound slots. A node under them must still admit new honest peers (inbound eviction),
 * and must close the squatters by its own silence limit, not the one their HELLO asks for.
 *
 * The full node listens on 127.0.0.1 with the personal-node limits, not the lab's: loopback is
 * grouped (127.0/16, one group for everyone here) and limited per host like any address.
 */

const CYCLE_MS = 100;
const ONE_HOUR = 3_600_000;
const running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface FullNode {
  host: Host;
  drift: DriftProtocol;
  evictions: EvictionEvent[];
  /** Why each session closed, by peer. */
  closed: Map<string, string>;
  /** The most inbound connections ever open at once. */
  maxInbound(): number;
}

async function fullNode(
  hostOptions: HostOptions,
  drift: Partial<DriftProtocolOptions> = {},
): Promise<FullNode> {
  const host = await createHost({ host: '127.0.0.1', port: 0, ...hostOptions });
  running.push(host);
  const p = new DriftProtocol({ dimensions: 2, cycleMs: CYCLE_MS, ...drift });
  await p.start(host);
  running.push(p);
  // What LvsNode does: the evictor learns from the drift sessions what each peer has sent.
  host.inbound?.provide(() => p.sessions().map((s) => sessionFacts(s)));
  const evictions: EvictionEvent[] = [];
  host.inbound?.onEvict((e) => evictions.push(e));
  const closed = new Map<string, string>();
  p.addEventListener('session:close', (e) => closed.set(e.detail.peerId, e.detail.reason));
  let most = 0;
  host.libp2p.addEventListener('connection:open', () => {
    const inbound = host.libp2p
      .getConnections()
      .filter((c) => c.direction === 'inbound' && c.status === 'open').length;
    most = Math.max(most, inbound);
  });
  return { host, drift: p, evictions, closed, maxInbound: () => most };
}

interface Squatter {
  readonly id: string;
  /** Times it got a drift stream open to the target. */
  sessions: number;
  /** Dials it finished, opened or refused. */
  dials: number;
  /** Whether it dials again when its connection is closed. */
  persistent: boolean;
  dial(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A squatter: a bare libp2p node whose TCP dials leave from `localAddress`. It opens the drift
 * stream, sends a valid HELLO claiming a one-hour cycle, and never sends another byte. When
 * `persistent`, it dials again 300 ms after losing its connection, as a hostile probe would.
 */
async function squatter(localAddress: string, target: Multiaddr): Promise<Squatter> {
  const node: Libp2p = await createLibp2p({
    transports: [tcp({ dialOpts: { localAddress } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionMonitor: { enabled: false },
  });
  let stopped = false;
  const hello = encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: ONE_HOUR });
  const dial = async (): Promise<void> => {
    if (stopped) return;
    let stream: Stream;
    try {
      stream = await node.dialProtocol(target, PROTOCOL_ID);
    } catch {
      s.dials++;
      if (s.persistent && !stopped) setTimeout(() => void dial(), 300);
      return;
    }
    s.dials++;
    s.sessions++;
    stream.send(hello);
    stream.addEventListener('close', () => {
      if (s.persistent && !stopped) setTimeout(() => void dial(), 300);
    });
  };
  const s: Squatter = {
    id: node.peerId.toString(),
    sessions: 0,
    dials: 0,
    persistent: false,
    dial,
    stop: async () => {
      stopped = true;
      await node.stop();
    },
  };
  running.push(s);
  return s;
}

/** Starts `count` squatters from 127.0.1.1 on, `perStep` every 300 ms (the probe's pace). */
async function squat(
  count: number,
  target: Multiaddr,
  persistent: boolean,
  perStep = 5,
): Promise<Squatter[]> {
  const all: Squatter[] = [];
  for (let i = 0; i < count; i++) {
    const s = await squatter(`127.0.1.${i + 1}`, target);
    s.persistent = persistent;
    all.push(s);
  }
  for (let i = 0; i < count; i += perStep) {
    for (const s of all.slice(i, i + perStep)) void s.dial();
    await sleep(300);
  }
  return all;
}

/**
 * An honest peer: a drift host that sends an SDM every cycle and dials again whenever it has lost
 * `to` (what a peer manager does for an outbound slot). It dials from its own address, as an
 * honest node elsewhere would, not the one IP every test host shares (libp2p on the full node
 * lets one IP open 5 connections a second); the address is still in 127.0/16, the squatters'
 * group, so it has no group to protect it. A bare libp2p host, since createHost does not choose
 * the source address; the drift protocol needs only a deny list of it.
 */
async function honestPeer(to: Multiaddr, localAddress: string) {
  const libp2p: Libp2p = await createLibp2p({
    transports: [tcp({ dialOpts: { localAddress } as TCPSocketOptions })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionMonitor: { enabled: false },
  });
  running.push({ stop: async () => libp2p.stop() });
  const host = {
    libp2p,
    peerId: libp2p.peerId,
    gater: { deny: () => undefined, isDenied: () => false },
  };
  const drift = new DriftProtocol({ dimensions: 2, cycleMs: CYCLE_MS });
  await drift.start(host);
  running.push(drift);
  let cycle = 0;
  const beat = setInterval(() => {
    drift.broadcast({ kind: 'sdm', shard: 0, state: [5, 5], weight: 1, cycle: ++cycle });
    if (libp2p.getConnections().length === 0) libp2p.dial(to).catch(() => undefined);
  }, CYCLE_MS);
  running.push({ stop: async () => clearInterval(beat) });
  await libp2p.dial(to).catch(() => undefined);
  return { host, drift };
}

const inboundOf = (h: Host) =>
  h.libp2p.getConnections().filter((c) => c.direction === 'inbound' && c.status === 'open');

describe('inbound eviction', () => {
  it('weighs peers, not connections: a second connection of a peer already in evicts no one', async () => {
    // Two inbound slots (4 connections, 2 kept for outbound), both taken.
    const a = await fullNode({ maxConnections: 4, targetOutbound: 2 });
    const target = a.host.addresses()[0]!;
    const first = await honestPeer(target, '127.0.3.1');
    await honestPeer(target, '127.0.3.2');
    await vi.waitFor(() => expect(inboundOf(a.host)).toHaveLength(2), { timeout: 10_000 });
    // The first peer opens another connection, as an AutoNAT dial-back or a DCUtR upgrade does.
    await first.host.libp2p.dial(target, { force: true });
    await sleep(1_000);
    expect(a.evictions).toEqual([]);
    // Both peers are still in, the first on two connections.
    expect(new Set(inboundOf(a.host).map((c) => c.remotePeer.toString())).size).toBe(2);
    expect(first.host.libp2p.getConnections()).toHaveLength(2);
  }, 60_000);
});

describe('squatters', () => {
  it('cannot keep new honest peers out of a full node: the newest silent squatter is evicted', async () => {
    // A smaller node than the default, to keep the test short: 16 connections, 8 of them kept
    // for outbound peers, so 8 inbound slots, held by 16 squatters that dial again whenever they
    // are evicted. The silence limit cannot help here: it is the default (30 s, and 16 cycles of
    // at most max(8 x 100 ms, 10 s) for a claimed hour: 160 s).
    const a = await fullNode({ maxConnections: 16 });
    const target = a.host.addresses()[0]!;
    const squatters = await squat(16, target, true);
    await vi.waitFor(() => expect(inboundOf(a.host)).toHaveLength(8), { timeout: 10_000 });

    // Each slot changes hands once its squatter has been silent past its grace (5 s). A squatter
    // evicted once may not take a seat back for two minutes, so the honest peers (a dial every
    // 100 ms while out) soon face only squatters that never sat (16.5 s here, idle); the test allows 60 s.
    const honest = [await honestPeer(target, '127.0.2.1'), await honestPeer(target, '127.0.2.2')];
    const ids = honest.map((h) => h.host.peerId.toString());
    await vi.waitFor(
      () => {
        const open = new Set(a.drift.sessions().map((s) => s.peerId));
        for (const id of ids) expect(open.has(id)).toBe(true);
        for (const h of honest) expect(h.drift.sessions()).toHaveLength(1);
      },
      { timeout: 60_000, interval: 100 },
    );
    // Eighteen peers for eight slots: some were refused or evicted on the way.
    expect(a.evictions.length).toBeGreaterThan(0);
    // An evicted squatter that dials again at once is refused its seat back (READMIT_AFTER_MS):
    // that is what ends the lottery. On a busy machine the honest peers may be seated before the
    // first evicted squatter has dialled again; it keeps dialling, so its refusal follows.
    await vi.waitFor(
      () =>
        expect(
          a.evictions.some((e) => e.evicted === undefined && /re-admission/.test(e.reason)),
        ).toBe(true),
      { timeout: 20_000, interval: 100 },
    );
    // The squatters go on dialling for six seconds more, past their 5 s grace: any eviction is a
    // silent squatter's, and the honest peers, who speak every cycle, are protected and stay.
    const before = a.evictions.length;
    await sleep(6_000);
    const open = new Set(a.drift.sessions().map((s) => s.peerId));
    for (const id of ids) expect(open.has(id)).toBe(true);
    const later = a.evictions.slice(before).filter((e) => e.evicted !== undefined);
    const squatterIds = new Set(squatters.map((s) => s.id));
    for (const e of later) {
      expect(squatterIds.has(e.evicted!)).toBe(true);
      expect(e.reason).toContain('silent');
    }
    // Never more inbound connections than the 8 slots plus the newcomer being weighed.
    expect(a.maxInbound()).toBeLessThanOrEqual(9);
    expect(inboundOf(a.host).length).toBeLessThanOrEqual(8);
  }, 120_000);

  it('are closed by the node’s own silence limit, not the hour their HELLO claims', async () => {
    // Silence allowed: max(idleTimeoutMs 1000, idleCycles 2 x min(claimed 1 h, maxPeerCycleMs
    // 1000)) = 2000 ms. An honest peer, which speaks every cycle, stays.
    const a = await fullNode(
      { maxConnections: 16 },
      { idleTimeoutMs: 1_000, idleCycles: 2, maxPeerCycleMs: 1_000 },
    );
    const target = a.host.addresses()[0]!;
    const opened = new Map<string, number>();
    a.drift.addEventListener('session:open', (e) => opened.set(e.detail.peerId, Date.now()));
    const closedAt = new Map<string, number>();
    a.drift.addEventListener('session:close', (e) => closedAt.set(e.detail.peerId, Date.now()));
    // Six squatters and the honest peer fit in the 8 inbound slots: no eviction is involved.
    const squatters = await squat(6, target, false);
    const honest = await honestPeer(target, '127.0.2.1');
    await vi.waitFor(
      () => {
        for (const s of squatters) expect(a.closed.get(s.id)).toBe('silent for 2000 ms');
      },
      { timeout: 20_000, interval: 200 },
    );
    for (const s of squatters) {
      expect(s.sessions).toBe(1);
      expect(closedAt.get(s.id)! - opened.get(s.id)!).toBeGreaterThanOrEqual(2000);
    }
    await vi.waitFor(() =>
      expect(inboundOf(a.host).map((c) => c.remotePeer.toString())).toEqual([
        honest.host.peerId.toString(),
      ]),
    );
    expect(a.drift.sessions().map((s) => s.peerId)).toEqual([honest.host.peerId.toString()]);
    expect(a.evictions).toEqual([]);
  }, 60_000);

  it('65 of them, against the default limits, cannot keep two new honest peers out', async () => {
    // The probe of the issue: 65 silent peers from 127.0.1.x, five every 300 ms, claiming a one-
    // hour cycle, against a node with the default limits (64 connections, 8 for outbound, so 56
    // inbound slots). Two honest peers dial in after them and must both get their session.
    const a = await fullNode({});
    const target = a.host.addresses()[0]!;
    const squatters = await squat(65, target, false);
    await vi.waitFor(() => expect(squatters.every((s) => s.dials === 1)).toBe(true), {
      timeout: 30_000,
    });
    // 65 dialled for 56 slots: the ones that came while every slot was in its grace period were
    // refused, and so are the honest peers at first.
    // The node is full: 56 drift sessions, every one a squatter's.
    const squatterIds = new Set(squatters.map((s) => s.id));
    await vi.waitFor(
      () => {
        const held = a.drift.sessions().filter((s) => squatterIds.has(s.peerId));
        expect(held).toHaveLength(56);
        expect(inboundOf(a.host)).toHaveLength(56);
      },
      { timeout: 10_000 },
    );

    const honest = [await honestPeer(target, '127.0.2.1'), await honestPeer(target, '127.0.2.2')];
    const ids = honest.map((h) => h.host.peerId.toString());
    await vi.waitFor(
      () => {
        const open = new Set(a.drift.sessions().map((s) => s.peerId));
        for (const id of ids) expect(open.has(id)).toBe(true);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(inboundOf(a.host).length).toBeLessThanOrEqual(56);
    const evicted = a.evictions.flatMap((e) => (e.evicted === undefined ? [] : [e.evicted]));
    expect(evicted.length).toBeGreaterThanOrEqual(2);
    for (const id of evicted) expect(squatterIds.has(id)).toBe(true);
    expect(a.maxInbound()).toBeLessThanOrEqual(57);
  }, 90_000);

  it('an LvsNode tells its evictor who speaks: the silent squatter goes, not the newer honest node', async () => {
    // Node A: 11 connections, 8 kept for outbound peers, so 3 inbound slots. In come squatter 1,
    // squatter 2, then the honest node B, which sends a cycle frame every 100 ms. Once all three
    // are past their 5 s grace, squatter 3 dials in. Squatter 1 is its group's protected oldest;
    // B is protected for its useful frames, which A knows only through its drift sessions; so
    // squatter 2 goes. (Were the facts missing, B and squatter 2 would both look silent, and B,
    // the newest, would go.)
    const lines: string[] = [];
    const log: NodeLog = {
      info: (m) => void lines.push(m),
      warn: (m) => void lines.push(m),
      error: (m) => void lines.push(m),
      debug: () => undefined,
    };
    const start = async (host: HostOptions, seed: number): Promise<LvsNode> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'lvs-squat-'));
      const node = await LvsNode.start({
        dataDir,
        appVersion: 'test',
        params: resolveParams({}),
        cycleMs: CYCLE_MS,
        host,
        genesis: [1, 1],
        joinCycles: 1,
        seed,
        persistMs: 200,
        log,
      });
      running.push({
        stop: async () => {
          await node.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      });
      return node;
    };
    const a = await start({ host: '127.0.0.1', port: 0, maxConnections: 11 }, 1);
    const target = a.p2p.addresses()[0]!;
    const inSession = (id: string) => a.sessionPeers().includes(id);
    const [s1, s2, s3] = [
      await squatter('127.0.1.1', target),
      await squatter('127.0.1.2', target),
      await squatter('127.0.1.3', target),
    ] as const;
    for (const s of [s1, s2]) {
      await s.dial();
      await vi.waitFor(() => expect(inSession(s.id)).toBe(true), 10_000);
    }
    const b = await start(LOOPBACK_LAB, 2);
    await b.p2p.libp2p.dial(target);
    await vi.waitFor(() => {
      const seen = a.peers().find((p) => p.sessionId === b.sessionId);
      expect(seen?.lastCycle ?? null).not.toBeNull();
    }, 10_000);
    await sleep(5_500);
    await s3.dial();
    await vi.waitFor(() => expect(inSession(s3.id)).toBe(true), 10_000);
    await vi.waitFor(() => expect(inSession(s2.id)).toBe(false), 10_000);
    expect(inSession(s1.id)).toBe(true);
    expect(inSession(b.sessionId)).toBe(true);
    expect(lines).toContain(
      `evicted inbound peer ${s2.id} (silent, newest of 1 unprotected in group ip4:127.0) to admit ${s3.id}`,
    );
  }, 60_000);
});
