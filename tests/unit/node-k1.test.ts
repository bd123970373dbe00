import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_RUNS, nodeRunHash } from '../helpers/node-k1-run';
import { ROOT } from '../helpers/lvs-process';

/*
 * With one shard the node's drift must not move a bit: its engine (driftFrom and answerCommand,
 * what the node's cycle calls) driven for 300 cycles by seeded scripted peers, among them one
 * VaultGuard rejects for anomalies, one whose weight it bounds and one always reporting less
 * value, every reply hashed (tests/helpers/node-k1-run.ts). The hashes were made by other code
 * than today's, so this compares two programs, not one program with itself:
 *
 * - d3-no-drain-verdict: by commit 912f530, the last before shards, as it is. The drain test
 *   never reaches a verdict there, so the one intended change since, the drain fix, cannot show.
 * - d2-defaults: the drain test live. 912f530 as it is gives d2-defaults-before-drain-fix, and so
 *   does 5ba2fe4 (shards in, just before the fix), while bf77830 (the fix: a cycle in which the
 *   node's own last step went away from the peer adds no drain evidence) gives today's hash. The
 *   expectation was made by 912f530 with only the fix's hunks of src-shared/drift/kernel.ts and
 *   node-drift.ts applied (`git diff bf77830^ bf77830` on those two files; the drain offset there
 *   is `i * d`, as 912f530 has no shard stride): the code before shards plus the one intended
 *   change, not today's output pasted in.
 */
const expected = JSON.parse(
  readFileSync(join(ROOT, 'tests', 'fixtures', 'node-k1-baseline.json'), 'utf8'),
) as Record<string, string>;

describe('shards = 1 is the node drift of before shards, bit for bit', () => {
  it.each(NODE_RUNS)('$name', (run) => {
    expect(nodeRunHash(run)).toBe(expected[run.name]);
  });
});
