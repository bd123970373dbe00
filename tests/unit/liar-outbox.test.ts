import { describe, expect, it } from 'vitest';
import type { LiarBehaviour } from '../../src-shared/api/lab-api';
import { LiarOutbox } from '../../src-shared/lab/liar-outbox';
import type { DriftProtocol } from '../../src-shared/protocol';
import type { EntropyPacket, StateDiffMessage } from '../../src-shared/protocol/messages';
import { seededRng } from '../../src-shared/random';

/*
 * A lab liar's outbox with K > 1 (docs/shards.md, "In the lab"): the cycle's EP and one SDM per
 * held shard go in; a liar tells each peer, per shard, its lie on that shard's components only (a
 * constant state's or a pull target's slice, pulled from that peer's own newest SDM of the
 * shard), and an honest node's frames go out exactly as the node made them. The protocol is a
 * recorder here: what it does with the frames is the protocol tests' business.
 */

// d = 10, K = 4: shards start at 0, 2, 5, 7 with widths 2, 3, 2, 3. The node holds 1 and 3.
const D = 10;
const K = 4;
const EP: EntropyPacket = {
  kind: 'ep',
  entropy: new Array<number>(D).fill(0.1),
  timestamp: 0,
  load: 0,
};
const sdm = (shard: number, state: number[]): StateDiffMessage => ({
  kind: 'sdm',
  shard,
  state,
  weight: 1.25,
  cycle: 9,
});
const HONEST = [sdm(1, [50, 50, 50]), sdm(3, [50, 50, 50])];

type Sent =
  | { readonly to: string; readonly ep: EntropyPacket; readonly sdms: readonly StateDiffMessage[] }
  | {
      readonly to: '*';
      readonly how: 'shards' | 'cycle';
      readonly sdms: readonly StateDiffMessage[];
    };

/**
 * A protocol of `shards` with open sessions to `peers`, each with its newest SDM per shard, and
 * one session still awaiting its HELLO ("new"): records what is sent.
 */
function recorder(shards: number, peers: Record<string, Record<number, number[]>>) {
  const sent: Sent[] = [];
  const protocol = {
    shards,
    sessions: () => [
      ...Object.keys(peers).map((peerId) => ({ peerId, hello: { kind: 'hello' }, sdm: undefined })),
      { peerId: 'new', hello: undefined, sdm: undefined },
    ],
    newestShardSdm: (peerId: string, shard: number) => {
      const state = peers[peerId]?.[shard];
      return state && sdm(shard, state);
    },
    sendShardsTo: (to: string, ep: EntropyPacket, sdms: readonly StateDiffMessage[]) => {
      sent.push({ to, ep, sdms });
      return true;
    },
    sendCycleTo: (to: string, ep: EntropyPacket, one: StateDiffMessage) => {
      sent.push({ to, ep, sdms: [one] });
      return true;
    },
    broadcastShards: (_ep: EntropyPacket, sdms: readonly StateDiffMessage[]) => {
      sent.push({ to: '*', how: 'shards', sdms });
      return 0;
    },
    broadcastCycle: (_ep: EntropyPacket, one: StateDiffMessage) => {
      sent.push({ to: '*', how: 'cycle', sdms: [one] });
      return 0;
    },
  };
  return { protocol: protocol as unknown as DriftProtocol, sent };
}

function sendAs(liar: LiarBehaviour | null, peers: Record<string, Record<number, number[]>>) {
  const outbox = new LiarOutbox(seededRng(1));
  outbox.set(liar);
  const r = recorder(K, peers);
  outbox.send(r.protocol, EP, HONEST);
  return r.sent;
}

const told = (sent: Sent[], to: string) =>
  sent.find((s) => s.to === to)?.sdms.map((m) => [m.shard, m.state, m.weight]);

describe('a liar outbox with K > 1', () => {
  it('sends an honest node’s EP and SDMs unchanged, as broadcastShards, and so for garbage', () => {
    for (const liar of [null, { kind: 'garbage' } as const]) {
      const sent = sendAs(liar, { a: {} });
      expect(sent).toEqual([{ to: '*', how: 'shards', sdms: HONEST }]);
      expect(sent[0]!.sdms).toBe(HONEST);
    }
  });

  it('tells a constant liar’s state per shard: each held shard its slice of the d-vector', () => {
    const state = Array.from({ length: D }, (_, c) => 10 * c);
    const sent = sendAs({ kind: 'constant', state, weight: 3 }, { a: {}, b: { 1: [1, 1, 1] } });
    // Every open session, none awaiting its HELLO, each with the EP as the node made it.
    expect(sent.map((s) => s.to)).toEqual(['a', 'b']);
    for (const s of sent) expect('ep' in s && s.ep).toBe(EP);
    for (const to of ['a', 'b'])
      expect(told(sent, to)).toEqual([
        [1, [20, 30, 40], 3],
        [3, [70, 80, 90], 3],
      ]);
  });

  it('pulls each peer from its own newest SDM of the shard toward the target’s slice', () => {
    // Shard 1's slice of the target is [100, 100, 100], shard 3's [107, 108, 109]. Reach 30 of
    // a shard's distance: from [40, 40, 40] (60 sqrt 3 away) 30 / sqrt 3 on each component;
    // a peer without an SDM of the shard is pulled from the liar's honest [50, 50, 50] instead.
    // Shard 3 is within reach of both, so both are told its slice exactly.
    const target = [0, 0, 100, 100, 100, 0, 0, 107, 108, 109];
    const sent = sendAs(
      { kind: 'pull', target, reach: 30 },
      { a: { 1: [40, 40, 40], 3: [100, 100, 100] }, b: { 3: [99, 99, 99] } },
    );
    const a = told(sent, 'a')!;
    const b = told(sent, 'b')!;
    const fromA = 40 + 30 / Math.sqrt(3);
    const fromHonest = 50 + 30 / Math.sqrt(3);
    for (const x of a[0]![1] as number[]) expect(x).toBeCloseTo(fromA, 12);
    for (const x of b[0]![1] as number[]) expect(x).toBeCloseTo(fromHonest, 12);
    expect(a[1]).toEqual([3, [107, 108, 109], 1.25]);
    expect(b[1]).toEqual([3, [107, 108, 109], 1.25]);
    // No weight given: the honest claim.
    expect(a[0]![2]).toBe(1.25);
  });

  it('keeps K = 1 to one compact cycle frame per peer, or one broadcast when honest', () => {
    const outbox = new LiarOutbox(seededRng(1));
    const whole = sdm(0, new Array<number>(D).fill(50));
    const honest = recorder(1, { a: {} });
    outbox.send(honest.protocol, EP, [whole]);
    expect(honest.sent).toEqual([{ to: '*', how: 'cycle', sdms: [whole] }]);
    outbox.set({ kind: 'constant', state: new Array<number>(D).fill(7) });
    const lying = recorder(1, { a: {} });
    outbox.send(lying.protocol, EP, [whole]);
    expect(told(lying.sent, 'a')).toEqual([[0, new Array<number>(D).fill(7), 1.25]]);
  });
});
