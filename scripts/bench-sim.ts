// npm run bench:sim: node-cycles per second of the full drift rule and peak memory, measured
// through the built `lvs sim` (the code users run), written to docs/benchmarks.md. Every case
// runs in a process of its own; the figure is the median over repeated runs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, writeSection } from './bench/report';

const cli = join(import.meta.dirname, '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench:sim measures the built CLI: run npm run build first');
  process.exit(2);
}

interface Run {
  rate: number;
  peakMb: number;
}

interface Case {
  nodes: number;
  d: number;
  threads: number;
  runs: Run[];
}

function runOnce(
  nodes: number,
  d: number,
  threads: number,
  cycles: number,
  topology = 'random:20',
): Run {
  const out = execFileSync(
    process.execPath,
    [cli, 'sim', '--nodes', String(nodes), '--topology', topology, '--dimensions', String(d)]
      .concat(['--threads', String(threads), '--cycles', String(cycles), '--spread', '1'])
      .concat(['--alpha', '0.05', '--beta', '0.1', '--no-progress']),
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const m = /([\d.]+) million node-cycles\/s, peak memory (\d+) MB/.exec(out);
  if (!m) throw new Error(`unexpected lvs sim output:\n${out}`);
  return { rate: Number(m[1]) * 1e6, peakMb: Number(m[2]) };
}

function runCase(nodes: number, d: number, threads: number, reps: number, cycles: number): Case {
  const runs = Array.from({ length: reps }, () => runOnce(nodes, d, threads, cycles));
  const c = { nodes, d, threads, runs };
  console.log(`${label(c)}: ${rates(c)}, peak ${peak(c)} MB`);
  return c;
}

const mrate = (c: Case) => median(c.runs.map((r) => r.rate)) / 1e6;
const label = (c: Case) => `N=${c.nodes.toLocaleString('en')} d=${c.d} threads=${c.threads}`;
const rates = (c: Case) => {
  const rs = c.runs.map((r) => r.rate / 1e6);
  return `${mrate(c).toFixed(2)} M node-cycles/s (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`;
};
const peak = (c: Case) => Math.max(...c.runs.map((r) => r.peakMb)).toFixed(0);

const cores = availableParallelism();
const cases: Case[] = [];
for (const d of [2, 16])
  for (const threads of [1, cores]) cases.push(runCase(100_000, d, threads, 5, d === 2 ? 30 : 8));
cases.push(runCase(1_000_000, 2, cores, 3, 5));

// The same rule where every read of a peer's state hits the cache (a ring lattice keeps each
// node's peers next to it in memory): how much of the cycle the random reads cost.
const ringRates = Array.from({ length: 5 }, () => runOnce(100_000, 2, 1, 30, 'ring:20').rate / 1e6);
const ringRate = median(ringRates);
console.log(`N=100,000 d=2 threads=1 ring lattice: ${ringRate.toFixed(2)} M node-cycles/s`);

const row = (c: Case) =>
  `| ${c.nodes.toLocaleString('en')} | ${c.d} | ${c.threads} | ${mrate(c).toFixed(2)} | ` +
  `${Math.min(...c.runs.map((r) => r.rate / 1e6)).toFixed(2)}-${Math.max(...c.runs.map((r) => r.rate / 1e6)).toFixed(2)} | ${peak(c)} |`;
await writeSection(
  'sim',
  `## Simulator (\`npm run bench:sim\`)

The built \`lvs sim\` on a random 20-regular graph with the full drift rule (entropy, trust
and drain evidence per edge, every VaultGuard rule; alpha 0.05, beta 0.1, uniform weights). The
rate counts the cycles alone (not building the graph or measuring); each case is run several
times in fresh processes, and the median is given with the range. Peak memory is the process's
maxRSS, worker threads included.

Machine: ${machineLine()}; ${new Date().toISOString().slice(0, 10)}.

| nodes | d | threads | M node-cycles/s (median) | range | peak memory (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: |
${cases.map(row).join('\n')}

Targets: at least 7 M node-cycles/s at d = 2 on both cores (**not met**: ${mrate(cases[1]).toFixed(2)} M; see below);
N = 1,000,000 at d = 2 within 1 GB (met: ${peak(cases[4])} MB).

Two threads give ${(mrate(cases[1]) / mrate(cases[0])).toFixed(2)}x one thread: they take blocks of 4,096 nodes from a shared counter,
so neither waits long for the other at the end of a cycle (with a fixed half each, two threads
gave 1.6x one, the faster one idling while the slower finished).

Where the time goes, at d = 2 on one thread. The edge loop, with the read-ahead of the next node's
peers, is about two thirds of a cycle; entropy, VaultGuard on the node's own step and the
bookkeeping per node are the rest. The loop was rewritten for the JavaScript engine on
2026-11-21, 25% faster on one thread than the kernel before it (both measured in one process, so
that the machine's drift does not enter); this page said 1.82 M on one thread and 2.33 M on two the
same morning, in runs like these. The changes:

- trust and drain evidence in one 16-byte record per edge instead of four arrays;
- no calls inside the loop (interventions are queued and reported after it);
- the drain evidence counted arithmetically: an honest peer's diff shrinks or grows and points up
  or down by chance, so a branch on it was mispredicted about half the time;
- counters written only when they move, and padded per thread;
- the next node's peer states read a node ahead.

What is left is the rule's own work per edge: a read of the peer's state, the anomaly and clamp
tests, two square roots (|diff| for the recovery test, sqrt(TC) for the weight) and a
read-modify-write of the record. The random reads are not what limits it: on a ring lattice, where
every one hits the cache, the same rule runs at ${ringRate.toFixed(2)} M node-cycles/s on one thread. A throwaway loop
written for the comparison (not kept), doing the same per-edge work over the same arrays in the
same process, ran no faster than the kernel (2.7 against 2.85 M); without the drain evidence it ran
about twice as fast. So 7 M on two cores is not reachable by tuning this code: with two threads
scaling as they do, it needs about 3.5 M per thread, a quarter more than the kernel gives, and
the drain test alone is half of the edge loop. The ways
there are a cheaper drain test (a change to the rule) or a compiled kernel (WebAssembly: a second
language to build and ship, which the node would have to run too); either is a decision about the
model and the product, not about this benchmark.

This machine is a shared virtual machine: the same build measured at different times here varies
by up to 1.5x, which the ranges show.`,
);
console.log('written to docs/benchmarks.md');
