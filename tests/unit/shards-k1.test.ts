import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASELINE_RUNS, baselineHash } from '../helpers/k1-baseline';
import { ROOT } from '../helpers/lvs-process';

/*
 * With one shard the simulator must not move a bit: the same runs as before shards existed,
 * hashed the same way (final states and every cycle's measures). The expected hashes were made
 * by the code of commit 912f530, before shards (tests/helpers/k1-baseline.ts says how), so this
 * compares two programs, not one program with itself.
 */
const expected = JSON.parse(
  readFileSync(join(ROOT, 'tests', 'fixtures', 'k1-baseline.json'), 'utf8'),
) as Record<string, string>;

describe('shards = 1 is the simulator of before shards, bit for bit', () => {
  it.each(BASELINE_RUNS)('$name', (run) => {
    expect(baselineHash(run, { shards: 1 })).toBe(expected[run.name]);
  });

  it('replication alone moves nothing; a second shard moves the run', () => {
    const run = BASELINE_RUNS[1]!;
    // r only matters with shards or churn: K = 1 with any r is still the old run.
    expect(baselineHash(run, { shards: 1, replication: 1 })).toBe(expected[run.name]);
    expect(baselineHash(run, { shards: 3, replication: 3 })).not.toBe(expected[run.name]);
  });
});
