import type { Stream } from '@libp2p/interface';
import { describe, expect, it, vi } from 'vitest';
import { type Host } from '../../src-main/node/p2p/host';
import { stoppedAfterEach } from '../helpers/hosts';
import {
  DriftProtocol,
  encodeCycleBody,
  encodeFrame,
  frameBytes,
  type DriftProtocolOptions,
} from '../../src-shared/protocol';
import { Frame } from '../../src-shared/protocol/drift';
import { PROTOCOL_ID, type StateDiffMessage } from '../../src-shared/protocol/messages';

/*
 * A peer's frames under K > 1 through real libp2p hosts (docs/protocol.md, "Shards (K > 1)"): a
 * plain host dials the drift protocol and writes frames of its own making; the receiver refuses
 * each bad one with its reason, refuses a peer of another K, and allows 4 + K frames a cycle. And
 * one peer told its own shard SDMs (sendShardsTo, a lab's liar), which it keeps per shard.
 */

const CYCLE_MS = 100;
// d = 10, K = 4: shard widths 2, 3, 2, 3 (shard k is [floor(10k / 4), floor(10(k + 1) / 4))).
const D = 10;
const K = 4;
const { running, host } = stoppedAfterEach();

async function receiver(extra: Partial<DriftProtocolOptions> = {}) {
  const h = await host();
  const penalties: string[] = [];
  const refused: string[] = [];
  const kept: StateDiffMessage[] = [];
  const p = new DriftProtocol({
    dimensions: D,
    cycleMs: CYCLE_MS,
    shards: K,
    badFrameLimit: 1_000,
    onPenalty: (_peer, reason) => penalties.push(reason),
    ...extra,
  });
  p.addEventListener('session:refused', (e) => refused.push(e.detail.reason));
  p.addEventListener('message', (e) => {
    if (e.detail.message.kind === 'sdm') kept.push(e.detail.message);
  });
  await p.start(h);
  running.push(p);
  return { host: h, drift: p, penalties, refused, kept };
}

/** A hostile peer's stream to the receiver, its HELLO sent. */
async function dialWith(to: Host, hello: Uint8Array): Promise<Stream> {
  const evil = await host();
  const stream = await evil.libp2p.dialProtocol(to.addresses()[0]!, PROTOCOL_ID);
  stream.send(hello);
  return stream;
}

const helloK = (shards: number, holds: number[] = []) =>
  frameBytes(
    Frame.encode({ hello: { version: 1, dimensions: D, cycleMs: CYCLE_MS, shards, holds } }),
  );
const sdm = (shard: number, state: number[], cycle: number) =>
  frameBytes(Frame.encode({ sdm: { shard, state, weight: 0.5, cycle } }));

describe('the drift protocol with K > 1', () => {
  it('refuses each bad frame with its reason and keeps a good shard SDM', async () => {
    const r = await receiver();
    const stream = await dialWith(r.host, helloK(K, [0, 2]));
    const compact = frameBytes(
      encodeCycleBody(
        { kind: 'ep', entropy: new Array(D).fill(0), timestamp: 0, load: 0 },
        { kind: 'sdm', shard: 0, state: new Array(D).fill(1), weight: 1, cycle: 1 },
      ),
    );
    const faults: Array<[Uint8Array, string]> = [
      [compact, 'a compact cycle frame under K = 4'],
      [sdm(4, [1, 2], 2), 'invalid SDM: shard must be a shard below 4'],
      [sdm(1, [1, 2], 3), "invalid SDM: state must have exactly its shard's width"],
      [sdm(0, [1, NaN], 4), 'invalid SDM: state.1 must be a finite number'],
      [sdm(3, [1, -2, 3], 5), 'invalid SDM: state must have no negative component'],
    ];
    for (const [i, [bytes]] of faults.entries()) {
      stream.send(bytes);
      await vi.waitFor(() => expect(r.penalties).toHaveLength(i + 1));
    }
    faults.forEach(([, words], i) => expect(r.penalties[i]).toContain(words));
    stream.send(sdm(1, [1, 2, 3], 6));
    await vi.waitFor(() => expect(r.kept).toHaveLength(1));
    expect(r.kept[0]).toMatchObject({ shard: 1, state: [1, 2, 3], cycle: 6 });
    expect(r.penalties).toHaveLength(faults.length);
  });

  it('refuses a peer of another K, and a HELLO whose holds repeat a shard', async () => {
    const r = await receiver();
    await dialWith(r.host, helloK(2, [0]));
    await vi.waitFor(() => expect(r.refused).toHaveLength(1));
    expect(r.refused[0]).toBe('peer splits the state into 2 shard(s), this node into 4');
    // A HELLO from before shards (no field 4) is K = 1: refused the same way.
    await dialWith(
      r.host,
      encodeFrame({ kind: 'hello', version: 1, dimensions: D, cycleMs: CYCLE_MS }),
    );
    await vi.waitFor(() => expect(r.refused).toHaveLength(2));
    expect(r.refused[1]).toBe('peer splits the state into 1 shard(s), this node into 4');
    await dialWith(r.host, helloK(K, [1, 1]));
    await vi.waitFor(() => expect(r.penalties).toHaveLength(1));
    expect(r.penalties[0]).toContain('invalid HELLO: holds must name distinct shards below shards');
  });

  it('sends one peer its EP and shard SDMs (a liar), checked as a broadcast, and keeps them per shard', async () => {
    const a = await receiver();
    const b = await receiver();
    await a.host.libp2p.dial(b.host.addresses()[0]!);
    const bId = b.host.libp2p.peerId.toString();
    const aId = a.host.libp2p.peerId.toString();
    await vi.waitFor(() => expect(a.drift.sessions()[0]?.hello).toBeDefined());
    const ep = {
      kind: 'ep',
      entropy: new Array<number>(D).fill(0),
      timestamp: 1,
      load: 0,
    } as const;
    const shard = (k: number, state: number[], cycle: number) =>
      ({ kind: 'sdm', shard: k, state, weight: 0.5, cycle }) as const;
    expect(a.drift.sendShardsTo(bId, ep, [shard(1, [1, 2, 3], 1), shard(3, [4, 5, 6], 1)])).toBe(
      true,
    );
    await vi.waitFor(() => expect(b.kept).toHaveLength(2));
    expect(b.drift.newestShardSdm(aId, 1)?.state).toEqual([1, 2, 3]);
    expect(b.drift.newestShardSdm(aId, 3)?.state).toEqual([4, 5, 6]);
    expect(b.drift.newestShardSdm(aId, 0)).toBeUndefined();
    expect(b.drift.newestShardSdm('12D3KooWnobody', 1)).toBeUndefined();
    // No session, nothing sent; a message the receiver would refuse is a bug: thrown, not sent.
    expect(a.drift.sendShardsTo('12D3KooWnobody', ep, [shard(1, [1, 2, 3], 2)])).toBe(false);
    expect(() => a.drift.sendShardsTo(bId, ep, [shard(1, [1, 2], 2)])).toThrow(/invalid sdm/);
    expect(() => a.drift.sendShardsTo(bId, ep, [shard(4, [1, 2, 3], 2)])).toThrow(/invalid sdm/);
    expect(b.penalties).toEqual([]);
  });

  it('carries a cap below K in HELLO field 6, and refuses a peer whose cap is 0 or above K', async () => {
    const r = await receiver();
    // A node capped at 2 of 4 shards tells its peers; one capped at K (no cap) says nothing.
    const capped = await receiver({ maxShards: 2 });
    const free = await receiver({ maxShards: K });
    for (const from of [capped, free]) await from.host.libp2p.dial(r.host.addresses()[0]!);
    const helloFrom = (peer: Host) =>
      r.drift.sessions().find((s) => s.peerId === peer.libp2p.peerId.toString())?.hello;
    await vi.waitFor(() => {
      expect(helloFrom(capped.host)?.maxShards).toBe(2);
      expect(helloFrom(free.host)).toBeDefined();
    });
    expect(helloFrom(free.host)?.maxShards).toBeUndefined();
    // Field 6 written by hand: 0 (sent, so not "absent") and K + 1 are refused, naming the field.
    const helloCap = (maxShards: number) =>
      frameBytes(
        Frame.encode({
          hello: { version: 1, dimensions: D, cycleMs: CYCLE_MS, shards: K, holds: [], maxShards },
        }),
      );
    await dialWith(r.host, helloCap(0));
    await vi.waitFor(() => expect(r.penalties).toHaveLength(1));
    await dialWith(r.host, helloCap(K + 1));
    await vi.waitFor(() => expect(r.penalties).toHaveLength(2));
    expect(r.penalties).toEqual([
      'invalid HELLO: maxShards must be in 1..4, the shards the state is split into (got 0)',
      'invalid HELLO: maxShards must be in 1..4, the shards the state is split into (got 5)',
    ]);
  });

  it.each([
    // K = 1 keeps the limit from before shards, 4 frames a cycle (its cycle is one frame).
    [1, 2 * 4],
    [K, 2 * (4 + K)],
  ])('with K = %i lets a burst of %i frames through, HELLO included', async (shards, burst) => {
    // The clock stands still, so the bucket never refills: exactly its capacity passes, two
    // cycles' worth (burstCycles) of the frames a cycle allows, and every frame after it is
    // over the rate.
    const r = await receiver({ shards, now: () => 1_000_000 });
    const hello =
      shards === 1
        ? encodeFrame({ kind: 'hello', version: 1, dimensions: D, cycleMs: CYCLE_MS })
        : helloK(shards, [0]);
    const stream = await dialWith(r.host, hello);
    const width = shards === 1 ? D : 2;
    const sent = 30;
    for (let c = 1; c <= sent; c++) stream.send(sdm(0, new Array(width).fill(1), c));
    await vi.waitFor(() => expect(r.kept.length + r.penalties.length).toBe(sent));
    expect(r.kept).toHaveLength(burst - 1);
    expect(r.penalties).toHaveLength(sent - (burst - 1));
    expect(r.penalties[0]).toContain('over the rate limit');
  });
});
