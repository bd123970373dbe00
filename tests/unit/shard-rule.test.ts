import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../src-shared/drift/params';
import {
  adoptionOrder,
  capacity,
  chosenShards,
  medianOf,
  rendezvousWeight,
  shardRanges,
} from '../../src-shared/drift/shard-rule';
import { seededRng } from '../../src-shared/random';
import { BLOCK, randomStates, Simulation, STREAM_TOPOLOGY } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';
import { ThreadedSimulation } from '../../src-main/sim/threaded-simulation';

describe('the shard rule', () => {
  it('splits d components into K contiguous ranges that differ by at most one component', () => {
    expect(shardRanges(8, 3)).toEqual([
      { first: 0, width: 2 },
      { first: 2, width: 3 },
      { first: 5, width: 3 },
    ]);
    expect(shardRanges(5, 1)).toEqual([{ first: 0, width: 5 }]);
    expect(shardRanges(4, 4).map((r) => r.width)).toEqual([1, 1, 1, 1]);
    expect(() => shardRanges(2, 3)).toThrow(/1\.\.2/);
  });

  it('a joiner takes ceil(K r / (peers + 1)) shards, at most K', () => {
    expect(capacity(8, 3, 8)).toBe(3); // 24 / 9 = 2.67
    expect(capacity(8, 1, 8)).toBe(1);
    expect(capacity(1, 3, 8)).toBe(1); // one shard: every node holds the whole state
    expect(capacity(4, 3, 1)).toBe(4); // two nodes cannot hold 3 copies without all of it
  });

  it('rendezvous weights make every shard equally likely to be chosen', () => {
    // 16,000 sessions each take 2 of 8 shards: each shard is taken 4,000 times on average,
    // binomial with standard deviation sqrt(16000 * 0.25 * 0.75) = 54.8; 5 of them is 274.
    const counts = new Array<number>(8).fill(0);
    const rng = seededRng(3);
    for (let s = 0; s < 16_000; s++)
      for (const k of chosenShards(Math.floor(rng.float() * 2 ** 32), 8, 2)) counts[k]!++;
    for (const c of counts) expect(Math.abs(c - 4000)).toBeLessThan(274);
    // The same session always chooses the same shards, a different one (usually) others.
    expect(chosenShards(12345, 8, 3)).toEqual(chosenShards(12345, 8, 3));
    expect(rendezvousWeight(1, 7)).not.toBe(rendezvousWeight(2, 7));
  });

  it('ranks adopters by weight, the same for whoever ranks them', () => {
    const sessions = [11, 22, 33, 44];
    const order = adoptionOrder(5, [0, 1, 2, 3], (j) => sessions[j]!);
    const weights = order.map((j) => rendezvousWeight(5, sessions[j]!));
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(adoptionOrder(5, [3, 2, 1, 0], (j) => sessions[j]!)).toEqual(order);
  });

  it('the median an adopter starts from', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
    expect(medianOf([1, 1000, 2])).toBe(2); // one liar among three moves it little
  });
});

describe('shards with churn on worker threads', () => {
  it('give the single-threaded run bit for bit', async () => {
    const params = resolveParams({
      dimensions: 4,
      shards: 4,
      replication: 2,
      weighting: 'claimed',
      alpha: 0.08,
    });
    const n = 3 * BLOCK + 123;
    const seed = 9;
    const spec = { params, seed, churn: 0.03 };
    const graph = randomRegular(n, 8, seededRng(seed, STREAM_TOPOLOGY));
    const initial = randomStates(n, 4, seed, 100, 10);
    const single = new Simulation({ ...spec, graph, initial });
    const threaded = await ThreadedSimulation.start(graph, spec, initial, 2);
    try {
      for (let t = 0; t < 12; t++) {
        single.advance();
        await threaded.advance();
      }
      expect(threaded.state).toEqual(single.state);
      expect(threaded.buffers.holds).toEqual(single.buffers.holds);
      expect(threaded.measure()).toEqual(single.measure());
      expect(single.measure().shards?.left).toBe(Math.round(0.03 * n));
    } finally {
      await threaded.close();
    }
  });
});
