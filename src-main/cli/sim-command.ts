import { availableParallelism } from 'node:os';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { NUMERIC_PARAMS, type Weighting } from '../../src-shared/drift/params';
import { RULES } from '../../src-shared/drift/rules';
import type { Graph } from '../../src-shared/sim/graph';
import type { SimSummary } from '../../src-shared/sim/summary';
import {
  parseTopology,
  TopologyError,
  TOPOLOGY_FORMS,
  type TopologySpec,
} from '../../src-shared/sim/topology';
import { buildGraph, runSimulation, type SimRunOptions } from '../sim/run';
import { UsageError } from './errors';
import {
  cappedFlags,
  choiceFlag,
  collectSetting,
  integerFlag,
  numberFlag,
  paramFlag,
  withCappedOptions,
  withDriftOptions,
  driftParamsFromFlags,
  type CappedFlags,
} from './flags';
import { writeAtomically } from '../runtime/atomic-write';
import { metricsCsv, resultsFormat } from './results-file';

const SIM_WEIGHTINGS = ['uniform', 'metropolis', 'claimed'] as const satisfies readonly Weighting[];

interface SimFlags extends CappedFlags {
  nodes: number;
  topology: string;
  degree: number;
  dimensions: number;
  alpha: number;
  beta: number;
  aggregator: string;
  weights: Weighting;
  shards: number;
  replication: number;
  churn: number;
  cycles: number;
  seed: number;
  threads: number;
  center: number;
  spread: number;
  set?: Record<string, number>;
  out?: string;
  force?: boolean;
  progress: boolean;
}

function parseTopologyFlag(text: string, degree: number): TopologySpec {
  try {
    return parseTopology(text, degree);
  } catch (err) {
    if (err instanceof TopologyError) throw new UsageError(`--topology: ${err.message}`);
    throw err;
  }
}

/** Builds the graph before the run starts: a topology that does not fit --nodes is a usage error. */
function graphFor(opts: SimRunOptions): Graph {
  try {
    return buildGraph(opts);
  } catch (err) {
    if (err instanceof TopologyError)
      throw new UsageError(
        `--topology ${opts.topology.kind} on ${opts.nodes} nodes: ${err.message}`,
      );
    throw err;
  }
}

/** Turns the parsed flags into run options; every check happens before anything runs. */
export function simOptions(flags: SimFlags): SimRunOptions & { out?: string } {
  const params = driftParamsFromFlags(flags, {
    shards: flags.shards,
    replication: flags.replication,
  });
  if (flags.center - flags.spread < 0)
    throw new UsageError(
      `--center minus --spread must be >= 0: value units are never negative (got ${flags.center} - ${flags.spread})`,
    );
  if (flags.out) resultsFormat(flags.out, flags.force === true);
  const capped = cappedFlags(flags, params.shards, '--shards');
  return {
    nodes: flags.nodes,
    topology: parseTopologyFlag(flags.topology, flags.degree),
    params,
    seed: flags.seed,
    churn: flags.churn,
    ...(capped ? { capped } : {}),
    cycles: flags.cycles,
    center: flags.center,
    spread: flags.spread,
    threads: flags.threads,
    ...(flags.out ? { out: flags.out } : {}),
  };
}

export function registerSim(program: Command): void {
  withCappedOptions(
    withDriftOptions(
      program
        .command('sim')
        .description('simulate a whole swarm with the drift rule, seeded and reproducible'),
    ),
  )
    .option('--nodes <n>', 'number of nodes', integerFlag('nodes', 2, 10_000_000), 1000)
    .option('--topology <spec>', `graph: ${TOPOLOGY_FORMS}`, 'random')
    .option(
      '--degree <k>',
      'degree for topologies given without one',
      integerFlag('degree', 1, 10_000),
      8,
    )
    .option(
      '--weights <w>',
      'uniform (the seeds), metropolis, or claimed (DC)',
      choiceFlag('weights', SIM_WEIGHTINGS),
      'uniform',
    )
    .option(
      '--shards <K>',
      'shards the state is split into (at most --dimensions; docs/shards.md)',
      paramFlag('shards', 'shards'),
      NUMERIC_PARAMS.shards.default,
    )
    .option(
      '--replication <r>',
      "holders of each shard a node's neighbourhood keeps",
      paramFlag('replication', 'replication'),
      NUMERIC_PARAMS.replication.default,
    )
    .option(
      '--churn <share>',
      'share of the nodes that leave each cycle, replaced by as many newcomers',
      numberFlag('churn', 0, 1),
      0,
    )
    .option('--cycles <t>', 'cycles to run', integerFlag('cycles', 1, 10_000_000), 200)
    .option(
      '--seed <s>',
      'seed of the topology, the start and the entropy',
      integerFlag('seed', 0, 2 ** 32 - 1),
      1,
    )
    .option(
      '--threads <n>',
      'worker threads (large runs)',
      integerFlag('threads', 1, 256),
      availableParallelism(),
    )
    .option('--center <vu>', 'centre of the initial states', numberFlag('center', 0, 1e12), 100)
    .option(
      '--spread <vu>',
      'initial states are uniform in centre +- spread',
      numberFlag('spread', 0, 1e12),
      10,
    )
    .option('--set <name=value>', 'any other drift parameter (repeatable)', collectSetting)
    .option('--out <file>', 'write per-cycle metrics to a .csv or .json file')
    .option('--force', 'replace an existing --out file')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: SimFlags) => {
      const opts = simOptions(flags);
      const graph = graphFor(opts);
      const bar = progressBar(flags.progress, opts.cycles, opts.nodes);
      const result = await runSimulation({
        ...opts,
        graph,
        onCycle: (m) => {
          bar?.update(m.cycle);
          // A lost shard is an event, never only a number in a file.
          for (const k of m.shards?.lost ?? []) {
            bar?.stop();
            process.stdout.write(`${shardLostLine(m.cycle, k)}\n`);
          }
        },
      });
      bar?.stop();
      if (opts.out) {
        const text =
          resultsFormat(opts.out, true) === 'csv'
            ? metricsCsv(result.metrics, opts.params.dimensions, opts.params.shards)
            : JSON.stringify(
                {
                  options: { ...opts, out: undefined },
                  summary: result.summary,
                  metrics: result.metrics,
                },
                null,
                1,
              );
        await writeAtomically(opts.out, text);
      }
      const rate = (opts.nodes * opts.cycles) / (result.stepMs / 1000);
      // maxRSS covers the worker threads too: they share the process.
      const peakMb = process.resourceUsage().maxRSS / 1024;
      process.stdout.write(summaryTable(result.summary) + '\n');
      process.stdout.write(
        `${opts.nodes} nodes, ${opts.cycles} cycles on ${result.threads} thread(s): ` +
          `${(rate / 1e6).toFixed(2)} million node-cycles/s, peak memory ${peakMb.toFixed(0)} MB` +
          `${opts.out ? `; metrics in ${opts.out}` : ''}\n`,
      );
    });
}

/** A bar on stderr for runs long enough to wait for, and only on a terminal. */
function progressBar(wanted: boolean, cycles: number, nodes: number): SingleBar | null {
  if (!wanted || !process.stderr.isTTY || cycles * nodes < 5_000_000) return null;
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'sim [{bar}] {value}/{total} cycles, eta {eta}s',
  });
  bar.start(cycles, 0);
  return bar;
}

/** The line `lvs sim` prints when a shard loses its last holder. */
export function shardLostLine(cycle: number, shard: number): string {
  return `cycle ${cycle}: shard ${shard} lost: no node holds it any more`;
}

const num = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : String(x));

export function summaryTable(s: SimSummary): string {
  const t = new Table({ head: ['measure', 'value'], style: { head: [], border: [] } });
  t.push(['initial spread (RMS distance to mean)', num(s.initialSpread)]);
  for (const { threshold, cycle } of s.cyclesTo)
    t.push([
      `cycles to spread <= ${threshold} x initial`,
      cycle === null ? `not within ${s.cycles}` : String(cycle),
    ]);
  t.push(['final spread', num(s.finalSpread)]);
  t.push(['final max pairwise distance', num(s.finalMaxDistance)]);
  t.push(['mean wander (final / max)', `${num(s.finalWander)} / ${num(s.maxWander)}`]);
  if (s.shards) {
    const sh = s.shards;
    t.push(['shards held per node (final mean)', num(sh.shardsPerNode)]);
    t.push(['nodes that left (and joined)', String(sh.left)]);
    t.push([
      'fewest holders in a neighbourhood (end of cycle / after churn)',
      `${sh.holdersMin} / ${sh.lowPoint}`,
    ]);
    t.push(['neighbourhoods that lost every holder of a shard', String(sh.gapsOpened)]);
    t.push([
      'most cycles a repair took',
      sh.repairCyclesMax === null ? 'none closed' : String(sh.repairCyclesMax),
    ]);
    t.push([
      'shards lost',
      sh.lost.length === 0
        ? 'none'
        : sh.lost.map((l) => `shard ${l.shard} at cycle ${l.cycle}`).join('\n'),
    ]);
  }
  const fired = RULES.filter((r) => s.interventions[r] > 0);
  t.push([
    'VaultGuard interventions',
    fired.length === 0 ? 'none' : fired.map((r) => `${r}: ${s.interventions[r]}`).join('\n'),
  ]);
  return t.toString();
}
