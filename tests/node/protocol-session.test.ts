import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOOPBACK_LAB, createHost, type Host } from '../../src-main/node/p2p/host';
import {
  DriftProtocol,
  encodeFrame,
  type DriftProtocolOptions,
  type SessionEnd,
} from '../../src-shared/protocol';
import { PROTOCOL_ID, type StateDiffMessage } from '../../src-shared/protocol/messages';

/*
 * Two real libp2p hosts over TCP on 127.0.0.1, speaking the drift protocol: one stream, HELLO,
 * frames both ways, the newest-SDM rules, and refusal of a peer of another dimension.
 */

const running: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

interface Node {
  host: Host;
  drift: DriftProtocol;
  id: string;
  logs: string[];
  refused: SessionEnd[];
}

async function node(options: Partial<DriftProtocolOptions> = {}): Promise<Node> {
  const host = await createHost(LOOPBACK_LAB);
  running.push(host);
  const logs: string[] = [];
  const drift = new DriftProtocol({
    dimensions: 2,
    cycleMs: 100,
    log: (line) => logs.push(line),
    ...options,
  });
  const refused: SessionEnd[] = [];
  drift.addEventListener('session:refused', (e) => refused.push(e.detail));
  await drift.start(host);
  running.push(drift);
  return { host, drift, id: host.peerId.toString(), logs, refused };
}

function driftStreams(n: Node): number {
  return n.host.libp2p
    .getConnections()
    .flatMap((c) => c.streams)
    .filter((s) => s.protocol === PROTOCOL_ID && s.status === 'open').length;
}

const sdm = (cycle: number, state = [1, 2]): StateDiffMessage => ({
  kind: 'sdm',
  shard: 0,
  state,
  weight: 0.5,
  cycle,
});

describe('the drift protocol between two honest hosts', () => {
  it('open one stream, exchange HELLO then EP and SDM both ways, keep the newest SDM', async () => {
    const a = await node();
    const b = await node();
    await a.host.libp2p.dial(b.host.addresses()[0]!);
    await vi.waitFor(() => {
      expect(a.drift.sessions().map((s) => s.hello?.dimensions)).toEqual([2]);
      expect(b.drift.sessions().map((s) => s.hello?.dimensions)).toEqual([2]);
    });
    expect(driftStreams(a)).toBe(1);
    expect(driftStreams(b)).toBe(1);
    expect(a.drift.sessions()[0]?.opener).toBe(a.id);
    expect(b.drift.sessions()[0]?.opener).toBe(a.id);

    expect(a.drift.broadcast(sdm(5))).toBe(1);
    a.drift.broadcast({ kind: 'ep', entropy: [0.3, -0.1], timestamp: 1_000, load: 0.2 });
    b.drift.broadcast(sdm(9, [3, 4]));
    await vi.waitFor(() => {
      expect(b.drift.sessions()[0]?.sdm?.message.cycle).toBe(5);
      expect(b.drift.sessions()[0]?.ep?.message.entropy).toEqual([0.3, -0.1]);
      expect(a.drift.sessions()[0]?.sdm?.message.state).toEqual([3, 4]);
    });

    // An older cycle after a newer one, then a duplicate, then a newer one.
    a.drift.broadcast(sdm(4, [9, 9]));
    a.drift.broadcast(sdm(5, [9, 9]));
    a.drift.broadcast(sdm(6, [7, 8]));
    await vi.waitFor(() => expect(b.drift.sessions()[0]?.sdm?.message.cycle).toBe(6));
    const seen = b.drift.sessions()[0]!;
    expect(seen.sdm?.message.state).toEqual([7, 8]);
    expect(seen.sdmFresh).toBe(true);
    expect(seen.counters.dropped).toEqual({ older: 1, duplicate: 1, backpressure: 0 });
    expect(seen.counters.framesIn).toBe(6); // HELLO, SDM 5, EP, SDM 4, 5, 6
    expect(Object.values(seen.counters.badFrames).every((n) => n === 0)).toBe(true);
    expect(b.drift.freshSdms()).toEqual([{ peerId: a.id, sdm: sdm(6, [7, 8]) }]);
    const sent = a.drift.sessions()[0]!.counters;
    expect(sent.framesOut).toBe(6);
    expect(sent.bytesOut).toBe(seen.counters.bytesIn);

    // A node's cycle: EP and SDM in one compact frame. S arrives exactly, the entropy to the
    // nearest 1/127, and the EP is stamped with its arrival on the receiver's clock.
    const ep = { kind: 'ep', entropy: [0.5, -0.25], timestamp: 2_000, load: 0 } as const;
    const state = [0.1 + 0.2, 1e-300];
    const sentAt = Date.now();
    expect(a.drift.broadcastCycle(ep, { ...sdm(7, state), weight: 0.1 })).toBe(1);
    await vi.waitFor(() => expect(b.drift.sessions()[0]?.sdm?.message.cycle).toBe(7));
    const after = b.drift.sessions()[0]!;
    expect(after.sdm?.message).toEqual({ ...sdm(7, state), weight: Math.fround(0.1) });
    expect(after.ep?.message).toEqual({
      kind: 'ep',
      entropy: [64 / 127, -32 / 127],
      timestamp: after.ep?.receivedAt,
      load: 0,
    });
    expect(after.ep?.receivedAt).toBeGreaterThanOrEqual(sentAt);
    expect(after.counters.framesIn).toBe(7);
    // An older cycle's frame after it: both halves dropped, the newer EP kept.
    a.drift.broadcastCycle({ ...ep, entropy: [0, 0] }, sdm(6, [9, 9]));
    a.drift.broadcastCycle({ ...ep, entropy: [1, 0] }, sdm(8, [4, 4]));
    await vi.waitFor(() => expect(b.drift.sessions()[0]?.sdm?.message.cycle).toBe(8));
    const last = b.drift.sessions()[0]!;
    expect(last.ep?.message.entropy).toEqual([1, 0]);
    expect(last.counters.dropped).toEqual({ older: 3, duplicate: 1, backpressure: 0 });
    expect(Object.values(last.counters.badFrames).every((n) => n === 0)).toBe(true);
    // The sender refuses a cycle that would not pass the receivers' checks, naming the half.
    expect(() => a.drift.broadcastCycle({ ...ep, load: 2 }, sdm(9))).toThrow(/invalid ep/);
    expect(() => a.drift.broadcastCycle({ ...ep, entropy: [1.5, 0] }, sdm(9))).toThrow(
      /entropy.0 must be at most 1/,
    );
    expect(() => a.drift.broadcastCycle(ep, sdm(9, [-1, 0]))).toThrow(/invalid sdm/);
    // One peer alone: sent when its session is open, not for a peer it has no session with,
    // and checked as a broadcast is.
    expect(a.drift.sendCycleTo(b.id, ep, sdm(9, [2, 3]))).toBe(true);
    await vi.waitFor(() => expect(b.drift.sessions()[0]?.sdm?.message.state).toEqual([2, 3]));
    expect(a.drift.sendCycleTo('12D3KooWnobody', ep, sdm(10))).toBe(false);
    expect(() => a.drift.sendCycleTo(b.id, ep, sdm(10, [-1, 0]))).toThrow(/invalid sdm/);
  });

  it('keep exactly one stream, the lower id’s, when both dial at once', async () => {
    const a = await node();
    const b = await node();
    await Promise.allSettled([
      a.host.libp2p.dial(b.host.addresses()[0]!),
      b.host.libp2p.dial(a.host.addresses()[0]!),
    ]);
    const lower = a.id < b.id ? a.id : b.id;
    await vi.waitFor(() => {
      for (const n of [a, b]) {
        expect(n.drift.sessions().map((s) => [s.opener, s.hello?.cycleMs])).toEqual([[lower, 100]]);
        expect(driftStreams(n)).toBe(1);
      }
    });
    // Frames flow on the stream both kept.
    a.drift.broadcast(sdm(1));
    b.drift.broadcast(sdm(2));
    await vi.waitFor(() => {
      expect(b.drift.sessions()[0]?.sdm?.message.cycle).toBe(1);
      expect(a.drift.sessions()[0]?.sdm?.message.cycle).toBe(2);
    });
  });

  it('refuse a peer of another dimension on both sides, each saying why', async () => {
    const a = await node({ dimensions: 2 });
    const b = await node({ dimensions: 3 });
    const opened = vi.fn();
    a.drift.addEventListener('session:open', opened);
    b.drift.addEventListener('session:open', opened);
    await a.host.libp2p.dial(b.host.addresses()[0]!);
    await vi.waitFor(() => {
      expect(a.refused).toEqual([
        { peerId: b.id, reason: 'peer has dimension 3, this node has 2' },
      ]);
      expect(b.refused).toEqual([
        { peerId: a.id, reason: 'peer has dimension 2, this node has 3' },
      ]);
    });
    expect(a.logs).toContain(`refused ${b.id}: peer has dimension 3, this node has 2`);
    expect(b.logs).toContain(`refused ${a.id}: peer has dimension 2, this node has 3`);
    expect(opened).not.toHaveBeenCalled();
    expect(a.drift.sessions()).toEqual([]);
    await vi.waitFor(() => expect(a.host.libp2p.getConnections()).toEqual([]));
  });

  it('close a stream without HELLO, and a session that falls silent', async () => {
    // idleCycles 2 of a 100 ms cycle is under idleTimeoutMs, so idleTimeoutMs decides.
    const a = await node({ helloTimeoutMs: 300, idleTimeoutMs: 400, idleCycles: 2 });
    const closed: string[] = [];
    a.drift.addEventListener('session:close', (e) => closed.push(e.detail.reason));
    // A plain host opens the stream and never says HELLO.
    const mute = await createHost(LOOPBACK_LAB);
    running.push(mute);
    const stream = await mute.libp2p.dialProtocol(a.host.addresses()[0]!, PROTOCOL_ID);
    await vi.waitFor(() => expect(stream.status).not.toBe('open'), { timeout: 3_000 });
    expect(a.drift.sessions()).toEqual([]);
    // An honest peer that says HELLO and then nothing more.
    const b = await node();
    await b.host.libp2p.dial(a.host.addresses()[0]!);
    await vi.waitFor(() => expect(a.drift.sessions()).toHaveLength(1));
    await vi.waitFor(() => expect(closed).toEqual(['silent for 400 ms']), { timeout: 3_000 });
    await vi.waitFor(() => expect(a.host.libp2p.getConnections(b.host.peerId)).toEqual([]));
  });

  it('give a peer with a long cycle idleCycles of it before closing its session as silent', async () => {
    // A node's cycle is 100 ms, its idle timeout 300 ms; the peer's HELLO says 1000 ms (a long
    // cycle, or a peer that will go low-power): two of its cycles are 2000 ms.
    const a = await node({ idleTimeoutMs: 300, idleCycles: 2 });
    const closed: { reason: string; at: number }[] = [];
    a.drift.addEventListener('session:close', (e) =>
      closed.push({ reason: e.detail.reason, at: Date.now() }),
    );
    const slow = await node({ cycleMs: 1000 });
    const t0 = Date.now();
    await slow.host.libp2p.dial(a.host.addresses()[0]!);
    await vi.waitFor(() => expect(a.drift.sessions()).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 1000));
    expect(closed).toEqual([]);
    await vi.waitFor(() => expect(closed.map((c) => c.reason)).toEqual(['silent for 2000 ms']), {
      timeout: 5_000,
    });
    expect(closed[0].at - t0).toBeGreaterThanOrEqual(2000);
  });

  it('count a claimed cycle above maxPeerCycleMs as maxPeerCycleMs for the silence limit', async () => {
    // The peer's HELLO claims one hour. This node believes at most 600 ms: two of those are
    // 1200 ms of silence allowed, not two hours.
    const a = await node({ idleTimeoutMs: 300, idleCycles: 2, maxPeerCycleMs: 600 });
    const closed: string[] = [];
    a.drift.addEventListener('session:close', (e) => closed.push(e.detail.reason));
    const squatter = await node({ cycleMs: 3_600_000 });
    await squatter.host.libp2p.dial(a.host.addresses()[0]!);
    // A session is listed from its stream's start; its HELLO may come a moment later.
    await vi.waitFor(() => expect(a.drift.sessions()[0]?.hello?.cycleMs).toBe(3_600_000));
    expect(a.logs).toContain(
      `${squatter.id} claims a cycle of 3600000 ms; counted as 600 ms (maxPeerCycleMs)`,
    );
    await vi.waitFor(() => expect(closed).toEqual(['silent for 1200 ms']), { timeout: 5_000 });
    await vi.waitFor(() => expect(a.host.libp2p.getConnections(squatter.host.peerId)).toEqual([]));
  });

  it('judge silence from the last accepted frame: bad frames do not keep a session', async () => {
    const a = await node({ idleTimeoutMs: 400, idleCycles: 2, badFrameLimit: 1000 });
    const closed: string[] = [];
    a.drift.addEventListener('session:close', (e) => closed.push(e.detail.reason));
    const bad = vi.fn();
    a.drift.addEventListener('frame:bad', bad);
    const raw = await createHost(LOOPBACK_LAB);
    running.push(raw);
    const stream = await raw.libp2p.dialProtocol(a.host.addresses()[0]!, PROTOCOL_ID);
    stream.send(encodeFrame({ kind: 'hello', version: 1, dimensions: 2, cycleMs: 100 }));
    // A frame of another dimension every 50 ms: each arrives, none is accepted.
    const wrong = encodeFrame({ ...sdm(1), state: [1, 2, 3] });
    const trickle = setInterval(() => {
      if (stream.writeStatus === 'writable') stream.send(wrong);
    }, 50);
    running.push({ stop: async () => clearInterval(trickle) });
    await vi.waitFor(() => expect(closed).toEqual(['silent for 400 ms']), { timeout: 5_000 });
    expect(bad.mock.calls.length).toBeGreaterThan(2);
  });
});
