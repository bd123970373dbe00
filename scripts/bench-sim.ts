// npm run bench:sim: node-cycles per second of the full drift rule and peak memory, written to
// docs/benchmarks.md. Each case runs in its own process; figures are medians of repetitions.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { machineLine, median, writeSection } from './bench/report';

interface CaseResult {
  nodes: number;
  d: number;
  threads: number;
  rates: number[];
  maxRssMb: number;
}

function runCase(
  nodes: number,
  d: number,
  threads: number,
  reps: number,
  cyclesPerRep: number,
): CaseResult {
  const script = join(import.meta.dirname, 'bench', 'sim-case.ts');
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', script, ...[nodes, d, threads, reps, cyclesPerRep].map(String)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as CaseResult;
}

const cores = availableParallelism();
const cases: CaseResult[] = [];
for (const d of [2, 16]) {
  for (const threads of [1, cores]) {
    const r = runCase(100_000, d, threads, 7, d === 2 ? 5 : 2);
    cases.push(r);
    console.log(
      `N=100,000 d=${d} threads=${threads}: ${(median(r.rates) / 1e6).toFixed(2)} M node-cycles/s ` +
        `(min ${(Math.min(...r.rates) / 1e6).toFixed(2)}, max ${(Math.max(...r.rates) / 1e6).toFixed(2)}), peak RSS ${r.maxRssMb.toFixed(0)} MB`,
    );
  }
}
const million = runCase(1_000_000, 2, cores, 3, 2);
console.log(
  `N=1,000,000 d=2 threads=${cores}: ${(median(million.rates) / 1e6).toFixed(2)} M node-cycles/s, peak RSS ${million.maxRssMb.toFixed(0)} MB`,
);

const row = (r: CaseResult) =>
  `| ${r.nodes.toLocaleString('en')} | ${r.d} | ${r.threads} | ${(median(r.rates) / 1e6).toFixed(2)} | ` +
  `${(Math.min(...r.rates) / 1e6).toFixed(2)}-${(Math.max(...r.rates) / 1e6).toFixed(2)} | ${r.maxRssMb.toFixed(0)} |`;
const speedup2 = median(cases[1].rates) / median(cases[0].rates);
await writeSection(
  'sim',
  `## Simulator (\`npm run bench:sim\`)

Full drift rule (entropy, trust and drain evidence per edge, every VaultGuard rule; alpha 0.05,
beta 0.1, uniform weights) on a random 20-regular graph. Rates are medians over repetitions
after a warm-up; peak memory is the case's own process (maxRSS).

Machine: ${machineLine()}; ${new Date().toISOString().slice(0, 10)}.

| nodes | d | threads | M node-cycles/s (median) | range | peak RSS (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: |
${[...cases, million].map(row).join('\n')}

Threads over one thread at d = 2: ${speedup2.toFixed(2)}x.
Targets: at least 7 M node-cycles/s at d = 2 on both cores; N = 1,000,000 at d = 2 within 1 GB.`,
);
console.log('written to docs/benchmarks.md');
