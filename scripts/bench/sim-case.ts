// One simulator benchmark case in a process of its own, so that its peak memory is its own.
// Prints one JSON line: { nodes, d, threads, rates (node-cycles/s per repetition), maxRssMb }.
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import { randomStates, Simulation, STREAM_TOPOLOGY } from '../../src-shared/sim/simulator';
import { randomRegular } from '../../src-shared/sim/topology';
import { ThreadedSimulation } from '../../src-main/sim/threaded-simulation';

const [nodes, d, threads, reps, cyclesPerRep] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const seed = 1;
// The full rule as a personal node runs it: entropy, trust, drain evidence, every VaultGuard rule.
const params = resolveParams({ dimensions: d, alpha: 0.05, beta: 0.1, weighting: 'uniform' });
const graph = randomRegular(nodes, 20, seededRng(seed, STREAM_TOPOLOGY));
const initial = randomStates(nodes, d, seed, 100, 1);

const sim =
  threads > 1
    ? await ThreadedSimulation.start(graph, { params, seed }, initial, threads)
    : new Simulation({ graph, params, seed, initial });

async function cycles(count: number): Promise<number> {
  const t0 = performance.now();
  for (let t = 0; t < count; t++) await sim.advance();
  return performance.now() - t0;
}

await cycles(3); // warm-up: let the JIT settle
const rates: number[] = [];
for (let r = 0; r < reps; r++)
  rates.push((nodes * cyclesPerRep) / ((await cycles(cyclesPerRep)) / 1000));
if (sim instanceof ThreadedSimulation) await sim.close();
const maxRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ nodes, d, threads, rates, maxRssMb }));
