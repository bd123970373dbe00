import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { PeerReport } from '../../src-shared/drift/node-drift';
import { resolveParams } from '../../src-shared/drift/params';
import { answerCommand, driftFrom } from '../../src-shared/node/engine-core';
import { seededRng, type Rng } from '../../src-shared/random';

/*
 * The node's drift engine (what its cycle calls, through the inline or worker engine) driven
 * without a network: scripted peer reports drawn from a seeded generator, every reply hashed.
 * tests/fixtures/node-k1-baseline.json holds the hashes; it was written by
 * `npx tsx tests/helpers/node-k1-run.ts` run against the code of commit 912f530, the last
 * commit before shards (this file copied into a worktree of that commit: the engine's API,
 * driftFrom and answerCommand, is the same there), so the test that reads it compares today's
 * node with the node before shards, not with itself. tests/unit/node-k1.test.ts says how the
 * run with the drain test live was made.
 */

export interface NodeRun {
  readonly name: string;
  readonly params: Record<string, unknown>;
  readonly cycles: number;
  readonly seed: number;
}

export const NODE_RUNS: readonly NodeRun[] = [
  {
    // The drain test never reaches a verdict (its evidence is at most 1 / (1 - memory) = 20):
    // every other rule, trust and weight as before shards, untouched by the drain fix.
    name: 'd3-no-drain-verdict',
    params: { dimensions: 3, alpha: 0.05, beta: 0.2, drainMinSamples: 1e6 },
    cycles: 300,
    seed: 21,
  },
  {
    // Default drain test, with a peer that always reports less value: drain verdicts happen.
    name: 'd2-defaults',
    params: { dimensions: 2 },
    cycles: 300,
    seed: 22,
  },
];

/** The scripted peers: how each one's report is made from the node's own state. */
type Role = 'honest' | 'far' | 'heavy' | 'drainer';
const ROLES: readonly Role[] = ['honest', 'honest', 'honest', 'honest', 'far', 'heavy', 'drainer'];
/** Every this many cycles the honest peers restart (new session ids: churn). */
const CHURN_EVERY = 60;

function reportOf(role: Role, id: string, own: readonly number[], rng: Rng): PeerReport {
  const near = own.map((x) => Math.max(0, x + 1.5 * rng.normal()));
  // Over the anomaly limit (50) on one component, a third of the time: VaultGuard rejects it.
  if (role === 'far' && rng.float() < 1 / 3) near[rng.int(near.length)]! += 80;
  const state = role === 'drainer' ? own.map((x) => Math.max(0, x - 3)) : near;
  // Above wMax (4): the weight bound clamps it.
  const weight = role === 'heavy' ? 9 : 0.5 + 1.5 * rng.float();
  const base = { id, state, weight };
  if (rng.float() < 0.4) return base;
  const entropy = own.map(() => Math.min(1, Math.max(-1, 0.3 * rng.normal())));
  return { ...base, entropy };
}

/** This cycle's reports: each peer heard with probability 0.9, none at all one cycle in 25. */
function reportsAt(cycle: number, own: readonly number[], rng: Rng): PeerReport[] {
  if (rng.float() < 0.04) return [];
  const generation = Math.floor(cycle / CHURN_EVERY);
  const out: PeerReport[] = [];
  ROLES.forEach((role, j) => {
    if (rng.float() >= 0.9) return;
    const id = role === 'honest' ? `peer-${j}.${generation}` : `peer-${j}`;
    out.push(reportOf(role, id, own, rng));
  });
  return out;
}

/** SHA-256 over every step's reply (snapshot and cycle result) of the run. */
export function nodeRunHash(run: NodeRun): string {
  const params = resolveParams(run.params);
  const d = params.dimensions;
  const start = Array.from({ length: d }, (_, c) => 40 + 10 * c);
  const drift = driftFrom({ params, state: start, earned: 1, tcSelf: 0.5, seed: run.seed });
  const rng = seededRng(run.seed + 1000);
  const hash = createHash('sha256');
  let own: readonly number[] = start;
  for (let cycle = 0; cycle < run.cycles; cycle++) {
    const peers = reportsAt(cycle, own, rng);
    const reply = answerCommand(drift, { op: 'step', id: cycle, peers, load: 0 });
    if (!reply.ok) throw new Error(`cycle ${cycle}: ${reply.error}`);
    hash.update(JSON.stringify(reply));
    own = reply.snapshot.S;
  }
  return hash.digest('hex');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = Object.fromEntries(NODE_RUNS.map((r) => [r.name, nodeRunHash(r)]));
  console.log(JSON.stringify(out, null, 2));
}
