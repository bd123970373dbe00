// npm run bench:lab: labs of 100, 200 and 500 real nodes (random 8-regular, d = 2) run by the
// built `lvs lab`, one process each. Measures the time to start (nodes up and every link
// wired), CPU and memory of the whole process (its worker threads included), drift messages per
// second, the achieved cycle rate against the target, and the event-loop delay p99 of the
// controller's thread (where the monitor lives); writes the figures into docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, memoryMb } from './bench/proc';
import { machineLine, writeSection } from './bench/report';

const root = join(import.meta.dirname, '..');
const cli = join(root, 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  console.error('bench:lab measures the built CLI: run npm run build first');
  process.exit(2);
}

const MEASURE_S = 40;
/** A lab keeps up when it runs at least this share of its target cycle rate. */
const KEEPS_UP = 0.97;
const RUNS: ReadonlyArray<{ nodes: number; cycleMs: number; target?: string }> = [
  { nodes: 100, cycleMs: 1000 },
  { nodes: 200, cycleMs: 1000 },
  { nodes: 500, cycleMs: 1000, target: '500 nodes at 1 cycle/s' },
  { nodes: 100, cycleMs: 250 },
  { nodes: 200, cycleMs: 250, target: '200 nodes at 4 cycles/s' },
];

interface Health {
  startMs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  cyclesPerS: number;
  targetCyclesPerS: number;
}

interface Result {
  nodes: number;
  cycleMs: number;
  target?: string;
  health: Health;
  framesPerNodeS: number;
  cpuCores: number;
  rssMb: number;
  peakMb: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(nodes: number, cycleMs: number): Promise<Omit<Result, 'target'>> {
  const parent = await mkdtemp(join(tmpdir(), 'lvs-bench-lab-'));
  try {
    const args = [
      cli,
      'lab',
      ...['--nodes', String(nodes), '--topology', 'random:8', '--cycle-ms', String(cycleMs)],
      ...['--duration', String(MEASURE_S), '--dir', join(parent, 'lab'), '--no-record', '--json'],
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started: { cpu: number; at: number } | null = null;
    let last: { cpu: number; at: number; rss: number; peak: number } | null = null;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      // CPU is measured from the release of the nodes (the `started` event) to the end.
      if (!started && / links wired in /.test(stderr))
        started = { cpu: cpuSeconds(child.pid!), at: performance.now() };
    });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    let code: number | null | undefined;
    while (code === undefined) {
      const pid = child.pid!;
      try {
        if (started)
          last = {
            cpu: cpuSeconds(pid),
            at: performance.now(),
            rss: memoryMb(pid, 'VmRSS'),
            peak: memoryMb(pid, 'VmHWM'),
          };
      } catch {
        // the process is gone: the last reading stands
      }
      code = await Promise.race([exited, sleep(1000).then(() => undefined)]);
    }
    if (code !== 0 || !started || !last)
      throw new Error(`lvs lab ${nodes}@${cycleMs} ms exited ${code}:\n${stderr.slice(-2000)}`);
    const out = JSON.parse(stdout) as { health: Health; summary: { framesPerNodeS: number } };
    const s = started as { cpu: number; at: number };
    const l = last as { cpu: number; at: number; rss: number; peak: number };
    return {
      nodes,
      cycleMs,
      health: out.health,
      framesPerNodeS: out.summary.framesPerNodeS,
      cpuCores: (l.cpu - s.cpu) / ((l.at - s.at) / 1000),
      rssMb: l.rss,
      peakMb: l.peak,
    };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const r of RUNS) {
  const m = await run(r.nodes, r.cycleMs);
  results.push({ ...m, ...(r.target ? { target: r.target } : {}) });
  const h = m.health;
  console.log(
    `${r.nodes} nodes at ${(1000 / r.cycleMs).toFixed(0)} cycle/s: start ${(h.startMs / 1000).toFixed(1)} s, ` +
      `${h.cyclesPerS.toFixed(2)} of ${h.targetCyclesPerS.toFixed(2)} cycles/s, CPU ${m.cpuCores.toFixed(2)} cores, ` +
      `RSS ${m.rssMb.toFixed(0)} MB (${(m.rssMb / r.nodes).toFixed(2)} MB/node), ` +
      `${(m.framesPerNodeS * r.nodes).toFixed(0)} msgs/s, controller loop p99 ${h.loopDelayP99Ms.toFixed(1)} ms`,
  );
}

const byNodes = (n: number) => results.find((r) => r.nodes === n && r.cycleMs === 1000)!;
const marginal = (byNodes(500).rssMb - byNodes(100).rssMb) / 400;
const keepsUp = (r: Result) => r.health.cyclesPerS >= KEEPS_UP * r.health.targetCyclesPerS;
const rows = results.map((r) => {
  const h = r.health;
  return `| ${r.nodes} | ${(1000 / r.cycleMs).toFixed(0)} | ${(h.startMs / 1000).toFixed(1)} s | ${h.cyclesPerS.toFixed(2)} / ${h.targetCyclesPerS.toFixed(2)} ${keepsUp(r) ? 'yes' : '**no**'} | ${r.cpuCores.toFixed(2)} | ${r.rssMb.toFixed(0)} MB (${(r.rssMb / r.nodes).toFixed(2)}) | ${(r.framesPerNodeS * r.nodes).toFixed(0)} | ${h.loopDelayP99Ms.toFixed(1)} ms (max ${h.loopDelayMaxMs.toFixed(0)}) |`;
});
const targets = results
  .filter((r) => r.target)
  .map(
    (r) =>
      `- ${r.target}: ${keepsUp(r) ? 'met' : '**not met**'} (${r.health.cyclesPerS.toFixed(2)} of ${r.health.targetCyclesPerS.toFixed(2)} cycles/s; controller p99 ${r.health.loopDelayP99Ms.toFixed(1)} ms, target < 20 ms: ${r.health.loopDelayP99Ms < 20 ? 'met' : '**not met**'})`,
  );

await writeSection(
  'lab',
  `## Lab (\`npm run bench:lab\`)

Each row is one \`lvs lab\` process (the built CLI) running real nodes over TCP on 127.0.0.1,
random 8-regular, d = 2, spread over two worker threads (one per core), for ${MEASURE_S} s after
every node is up and wired. CPU and memory are the kernel's figures for the whole process,
worker threads included; messages are the drift frames the honest nodes sent; "keeps up" means
at least ${KEEPS_UP * 100}% of the target cycle rate (the median node's cycles over the run);
the event-loop delay is that of the controller's thread, with Node's sampling interval taken
off (src-main/runtime/loop-delay.ts).

Machine: ${machineLine()}; ${new Date().toISOString().slice(0, 10)}.

| nodes | cycles/s | start | achieved / target, keeps up | CPU (cores) | RSS (per node) | msgs/s | controller loop p99 |
| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Memory per node at the margin (500-node RSS minus 100-node RSS, over 400 nodes): ${marginal.toFixed(2)} MB.

${targets.join('\n')}`,
);
console.log('written to docs/benchmarks.md');
