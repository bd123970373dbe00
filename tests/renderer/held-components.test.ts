// The node panel shows a sharded node's S and D only over the shards it holds (docs/monitor.md,
// "Shards"): the 0s it reports elsewhere are placeholders. Shard ranges worked out by hand from
// floor(k d / K): d = 6, K = 3 gives [0, 2), [2, 4), [4, 6).
import { describe, expect, it } from 'vitest';
import { heldComponents } from '../../src-renderer/lib/shard-view';
import { num } from '../../src-shared/format-number';

describe('heldComponents', () => {
  it('keeps the held shards and blanks the rest', () => {
    const out = heldComponents([1, 2, 0, 0, 5, 6], [0, 2], 3);
    expect(out.map((x) => num(x))).toEqual(['1', '2', '—', '—', '5', '6']);
  });

  it('changes nothing with K = 1, or for a sample that does not say what it holds', () => {
    expect(heldComponents([1, 0, 3], [0], 1)).toEqual([1, 0, 3]);
    expect(heldComponents([1, 0, 3, 4], undefined, 2)).toEqual([1, 0, 3, 4]);
  });

  it('ignores shards that do not exist (a damaged recording)', () => {
    const out = heldComponents([1, 2, 3, 4], [1, 7, -1, 0.5], 2);
    expect(out.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(out.slice(2)).toEqual([3, 4]);
  });
});
