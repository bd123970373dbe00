import { describe, expect, it } from 'vitest';
import { oneNodeSharded, survivorCoverage } from '../../src-shared/claims/shard-checks';

/*
 * The one-node-sharded claim (docs/claims.md): how likely m random survivors are to hold every
 * shard between them, counted exactly from who holds what, and the theory it is set against.
 */

describe('survivorCoverage', () => {
  it('counts, by hand, which survivor sets hold every shard', () => {
    // Three nodes, two shards: node 0 holds shard 0, node 1 shard 1, node 2 both.
    // holds[k * n + i]
    const holds = Uint8Array.from([1, 0, 1, 0, 1, 1]);
    const c = survivorCoverage(holds, 3, 2, 3);
    expect(c.holders).toEqual([2, 2]);
    expect(c.shardsPerNode).toBeCloseTo(4 / 3, 12);
    // One survivor rebuilds the state only if it is node 2; any two hold both shards.
    expect(c.coverage[0]).toBeCloseTo(1 / 3, 12);
    expect(c.coverage[1]).toBeCloseTo(1, 12);
    expect(c.coverage[2]).toBeCloseTo(1, 12);
    // Independent holdings with shares 2/3 each: (2/3)^2 for one survivor; two drawn without
    // replacement from three always include one of each shard's two holders.
    expect(c.theory[0]).toBeCloseTo(4 / 9, 12);
    expect(c.theory[1]).toBeCloseTo(1, 12);
  });

  it('is 0 for every m while some shard has no holder', () => {
    const holds = Uint8Array.from([1, 1, 0, 0]);
    const c = survivorCoverage(holds, 2, 2, 2);
    expect(c.coverage.map((p) => Math.abs(p))).toEqual([0, 0]);
    expect(c.theory).toEqual([0, 0]);
  });
});

describe('one-node-sharded, quick', () => {
  it('fails: few nodes hold all 8 shards, and the survivors needed match the theory', () => {
    const o = oneNodeSharded('quick');
    expect(o.verdict).toBe('fails');
    for (const tag of ['still', 'churn']) {
      expect(o.figures[`${tag}AllShards`]).toBeLessThan(0.05);
      expect(o.figures[`${tag}M99`]).toBe(o.figures[`${tag}M99Theory`]);
      expect(o.figures[`${tag}Lost`]).toBe(0);
    }
  });
});
