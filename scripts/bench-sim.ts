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

function runOnce(nodes: number, d: number, threads: number, cycles: number): Run {
  const out = execFileSync(
    process.execPath,
    [cli, 'sim', '--nodes', String(nodes), '--topology', 'random:20', '--dimensions', String(d)]
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

Targets: at least 7 M node-cycles/s at d = 2 on both cores (**not met**: see below); N = 1,000,000
at d = 2 within 1 GB (met).

Where the time goes, at d = 2 on one thread (CPU profile): the random gather of the neighbours'
states (a 100,000-node state buffer does not fit in a core's L2, and a random graph has no
locality to exploit) and the square roots per edge dominate; the per-edge trust and drain
bookkeeping hides under that latency (removing it changes nothing measurable). Box-Muller entropy
took a third of the cycle and was replaced by the ziggurat method. Two threads give ${(mrate(cases[1]) / mrate(cases[0])).toFixed(2)}x
one thread: both cores read the whole state buffer, which each cycle rewrites.`,
);
console.log('written to docs/benchmarks.md');
