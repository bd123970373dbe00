import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MultiBar, type SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import {
  MAX_LAB_BROWSERS,
  MAX_LAB_NODES,
  tooManyBrowsers,
  type LabEvent,
} from '../../src-shared/api/lab-api';
import { NODE_WEIGHTINGS, type Weighting } from '../../src-shared/drift/params';
import { RULES } from '../../src-shared/drift/rules';
import {
  describeConvergenceRule,
  describeEvent as eventWords,
  describePhase,
} from '../../src-shared/lab/describe';
import { labCapacity, nodesKeepingUp } from '../../src-shared/lab/capacity';
import { cappedSlots } from '../../src-shared/lab/capped-slots';
import type { CappedNodes } from '../../src-shared/sim/shard-book';
import { BEHIND_BELOW, describePace } from '../../src-shared/lab/pace';
import { RecordingError, type Recording } from '../../src-shared/lab/recording';
import {
  applyOverrides,
  MAX_SCENARIO_S,
  checkScenario,
  ScenarioError,
  SCENARIO_DEFAULT_DEGREE,
  type Scenario,
} from '../../src-shared/lab/scenario';
import { summariseLab, type LabSummary, type SummaryTick } from '../../src-shared/lab/summary';
import { parseTopology, TopologyError, TOPOLOGY_FORMS } from '../../src-shared/sim/topology';
import { Lab, LabFolderNotEmptyError, LabStartError, type LabHealth } from '../lab/lab';
import { loadRecordingFile } from '../lab/recording-file';
import { exportMetricsCsv } from './results-file';
import {
  DEFAULT_RECORDINGS_MB,
  keepRecordingsUnder,
  MAX_RECORDINGS_MB,
} from '../lab/recording-retention';
import { labOptionsFor, runScenario } from '../lab/scenario-run';
import { listScenarios, loadScenario } from '../lab/scenario-file';
import { MonitorPortError, openCliMonitor, type CliMonitor } from '../monitor/cli-monitor';
import { userDataDir } from '../node/store';
import { appVersion } from '../runtime/app-version';
import { DEFAULT_CHROMIUM } from '../runtime/chromium';
import { browserNodes } from '../lab/browser-tabs';
import { thisMachine } from '../runtime/machine';
import { EXIT, ExitError, UsageError } from './errors';
import { handleStopSignals, signalExitCode, type StopSignal } from './signals';
import {
  cappedFlags,
  choiceFlag,
  collectSetting,
  integerFlag,
  paramsFrom,
  parseAggregator,
  PARAM_FLAGS,
  refuseSetForFlags,
  withCappedOptions,
  withDriftOptions,
  type CappedFlags,
} from './flags';
import { APP_NAME } from './node-command';
import { errorMessage } from '../../src-shared/error-message';

/*
 * `lvs lab`: many real nodes on this machine, wired over loopback, driven by a scenario (a
 * shipped one by name, or a file) or run ad hoc with an empty timeline. Every flag is checked
 * before a node starts. While the lab runs, stderr gets one line per lab event (and a progress
 * bar on a terminal); at the end stdout gets a summary table (or JSON). SIGINT, SIGTERM or SIGHUP
 * stops the lab gracefully (nodes saved and closed, the recording completed), prints the summary
 * of what ran and exits 130 / 143 / 129; a second signal, later than a moment after the first
 * (signals.ts), exits at once.
 *
 * `--replay` reads a recording instead: its events one line each, then the same summary.
 *
 * `--monitor` serves the web monitor for the lab on 127.0.0.1 (src-main/monitor/web-server.ts),
 * printing `monitor: http://127.0.0.1:PORT/?token=...` on stderr with the event lines, and keeps
 * the lab running after the scenario's duration until SIGINT or SIGTERM, so it can still be
 * watched and driven; that signal then ends the run normally (summary, exit 0). The page's
 * "stop lab" (`stop-lab`) ends the run at any time the same way: summary, exit 0. Labs started
 * from the page get folders beside the lab folder.
 */

/** What an ad-hoc run (no --scenario) uses for what no flag gives. */
const AD_HOC = { nodes: 20, topology: 'random:8', seed: 1, cycleMs: 200, durationS: 30 } as const;

/** Node messages printed per second while a lab runs; more are counted, not shown. */
const NODE_LINES_PER_S = 4;

interface LabFlags extends CappedFlags {
  scenario?: string;
  nodes?: number;
  topology?: string;
  seed?: number;
  cycleMs?: number;
  duration?: number;
  epsilon?: number;
  workers?: number;
  browsers?: number;
  chromium?: string;
  dir?: string;
  record: boolean;
  csv?: string;
  force?: boolean;
  listScenarios?: boolean;
  replay?: string;
  json?: boolean;
  dimensions: number;
  alpha: number;
  beta: number;
  aggregator: string;
  weights?: Weighting;
  set?: Record<string, number>;
  monitor?: boolean;
  monitorPort?: number;
  recordingsMb?: number;
}

/** Flags that shape a run, by option key: none of them applies to --replay. */
const RUN_FLAGS: Readonly<Record<string, string>> = {
  scenario: '--scenario',
  nodes: '--nodes',
  topology: '--topology',
  seed: '--seed',
  cycleMs: '--cycle-ms',
  duration: '--duration',
  epsilon: '--epsilon',
  workers: '--workers',
  browsers: '--browsers',
  capped: '--capped',
  cappedShards: '--capped-shards',
  chromium: '--chromium',
  dir: '--dir',
  record: '--no-record',
  dimensions: '--dimensions',
  alpha: '--alpha',
  beta: '--beta',
  aggregator: '--aggregator',
  weights: '--weights',
  set: '--set',
  monitor: '--monitor',
  monitorPort: '--monitor-port',
  recordingsMb: '--recordings-mb',
};

/** A number > 0 and at most max. */
function positiveFlag(flag: string, max: number) {
  return (text: string): number => {
    const v = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(v) || v <= 0 || v > max)
      throw new UsageError(`--${flag} must be a number in (0, ${max}] (got "${text}")`);
    return v;
  };
}

/** `--topology`: its form only; whether it fits the node count is checked once both are known. */
function topologyFlag(text: string): string {
  try {
    parseTopology(text, SCENARIO_DEFAULT_DEGREE);
    return text;
  } catch (err) {
    if (err instanceof TopologyError) throw new UsageError(`--topology: ${err.message}`);
    throw err;
  }
}

/**
 * withDriftOptions gives each drift flag a default, which here must not override the scenario's
 * value (driftPatch takes only the flags given). Say so in the help instead of the default.
 */
function scenarioDefaults(cmd: Command): Command {
  for (const opt of cmd.options)
    if (['--dimensions', '--alpha', '--beta', '--aggregator'].includes(opt.long ?? '')) {
      opt.description += ` (default: the scenario's, else ${JSON.stringify(opt.defaultValue)})`;
      opt.defaultValue = undefined;
      opt.defaultValueDescription = undefined;
    }
  return cmd;
}

export function registerLab(program: Command): void {
  withCappedOptions(
    scenarioDefaults(
      withDriftOptions(
        program
          .command('lab')
          .description(
            'run many real nodes on this machine through a scenario (partitions, faults, attacks) and summarise',
          ),
      ),
    ),
  )
    .option('--scenario <name|file>', 'a shipped scenario by name, or a scenario .json file')
    .option(
      '--nodes <n>',
      `number of nodes (default: the scenario's, else ${AD_HOC.nodes})`,
      integerFlag('nodes', 2, MAX_LAB_NODES),
    )
    .option(
      '--topology <spec>',
      `graph (default: the scenario's, else ${AD_HOC.topology}): ${TOPOLOGY_FORMS}`,
      topologyFlag,
    )
    .option(
      '--seed <s>',
      `seed of the topology, the start and the lab's choices (default: the scenario's, else ${AD_HOC.seed})`,
      integerFlag('seed', 0, 2 ** 32 - 1),
    )
    .option(
      '--cycle-ms <ms>',
      `milliseconds per drift cycle (default: the scenario's, else ${AD_HOC.cycleMs})`,
      integerFlag('cycle-ms', 20, 60_000),
    )
    .option(
      '--duration <s>',
      `seconds to run (default: the scenario's, else ${AD_HOC.durationS})`,
      positiveFlag('duration', MAX_SCENARIO_S),
    )
    .option(
      '--epsilon <e>',
      "spread under which the swarm counts as converged (default: the scenario's, else 0.5)",
      positiveFlag('epsilon', 1e12),
    )
    .option(
      '--workers <n>',
      'worker threads hosting the nodes (default: one per core)',
      integerFlag('workers', 1, 64),
    )
    .option(
      '--browsers <n>',
      `of the nodes, this many (the last slots) are browser nodes, each a Chromium tab (0..${MAX_LAB_BROWSERS}); the Node.js nodes then also listen on WebSockets and relay, and the lab can add browser nodes (0: none yet)`,
      integerFlag('browsers', 0, MAX_LAB_BROWSERS),
    )
    .option(
      '--chromium <path>',
      `the Chromium that runs the browser nodes (with --browsers; default ${DEFAULT_CHROMIUM})`,
    )
    .option('--weights <w>', 'claimed (DC) or uniform', choiceFlag('weights', NODE_WEIGHTINGS))
    .option('--set <name=value>', 'any other drift parameter (repeatable)', collectSetting)
    .option(
      '--dir <folder>',
      `the lab folder, new or empty (default: ${join(userDataDir(APP_NAME), 'labs', 'lab-<time>')})`,
    )
    .option('--no-record', 'write no recording')
    .option(
      '--recordings-mb <MB>',
      `keep the recordings of the labs in the data folder's labs folder (and of labs started from --monitor) under this many MB, removing the oldest after each run (default ${DEFAULT_RECORDINGS_MB})`,
      integerFlag('recordings-mb', 1, MAX_RECORDINGS_MB),
    )
    .option('--csv <file>', 'write the per-tick metrics as CSV after the run (or from --replay)')
    .option('--force', 'replace an existing --csv file')
    .option('--json', 'print the summary as JSON instead of a table')
    .option('--list-scenarios', 'list the shipped scenarios and exit')
    .option('--replay <recording>', "print a recording's events and summary instead of running")
    .option(
      '--monitor',
      'serve the web monitor on 127.0.0.1 and print its URL (with its access token); the lab then keeps running after the duration until Ctrl-C (SIGINT) or SIGTERM',
    )
    .option(
      '--monitor-port <n>',
      "the web monitor's port (with --monitor); 0 = any free port",
      integerFlag('monitor-port', 0, 65535),
    )
    .action(async (flags: LabFlags, cmd: Command) => {
      try {
        if (flags.listScenarios) return await printScenarios();
        if (flags.replay !== undefined) return await replay(flags, cmd);
        await runLab(flags, cmd);
      } finally {
        // Everything is closed; should a stray handle keep the process up, do not hang on it.
        setTimeout(() => process.exit(), 2000).unref();
      }
    });
}

// ---------------------------------------------------------------- checking the flags

const given = (cmd: Command, key: string) => cmd.getOptionValueSource(key) === 'cli';

/**
 * The drift parameters the user gave on the command line, and only those: withDriftOptions
 * gives every one a default, which must not override the scenario's value.
 */
function driftPatch(flags: LabFlags, cmd: Command): Record<string, unknown> {
  refuseSetForFlags(flags.set, PARAM_FLAGS);
  const patch: Record<string, unknown> = { ...flags.set };
  if (given(cmd, 'dimensions')) patch.dimensions = flags.dimensions;
  if (given(cmd, 'alpha')) patch.alpha = flags.alpha;
  if (given(cmd, 'beta')) patch.beta = flags.beta;
  if (given(cmd, 'aggregator')) {
    const { aggregator, trimF } = parseAggregator(flags.aggregator);
    patch.aggregator = aggregator;
    if (trimF !== undefined) patch.trimF = trimF;
  }
  if (flags.weights !== undefined) patch.weighting = flags.weights;
  return patch;
}

/** The scenario to run: loaded (or ad hoc), then the flags in place of its values, all checked. */
async function scenarioFor(flags: LabFlags, cmd: Command): Promise<Scenario> {
  let base: Scenario;
  try {
    base =
      flags.scenario === undefined
        ? checkScenario(
            {
              name: 'ad-hoc',
              lab: { nodes: AD_HOC.nodes, topology: AD_HOC.topology },
              durationS: AD_HOC.durationS,
            },
            'ad-hoc',
          )
        : await loadScenario(flags.scenario);
  } catch (err) {
    if (err instanceof ScenarioError) throw new UsageError(err.message);
    throw err;
  }
  const last = base.timeline.at(-1);
  if (flags.duration !== undefined && last && flags.duration < last.at)
    throw new UsageError(
      `--duration ${flags.duration} is shorter than the scenario's timeline: its last entry is at ${last.at} s`,
    );
  const patch = driftPatch(flags, cmd);
  const params = { ...base.lab.params, ...patch };
  // a conflict between flags (and the scenario) names the flags
  const K = paramsFrom(params, PARAM_FLAGS).shards;
  // In place of the scenario's capped nodes, if any; checked against K as lvs sim checks them.
  const capped = cappedFlags(flags, K, '--set shards');
  const merged = {
    ...base,
    lab: { ...base.lab, params },
    measure: flags.epsilon === undefined ? base.measure : { epsilon: flags.epsilon },
  } as Scenario;
  try {
    return applyOverrides(merged, {
      nodes: flags.nodes,
      topology: flags.topology,
      seed: flags.seed,
      cycleMs: flags.cycleMs,
      durationS: flags.duration,
      ...(capped ? { capped } : {}),
    });
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    // A topology that does not fit the node count is the flags' doing: name them.
    if (err.path === 'lab.topology' && err.problem !== undefined) {
      const nodes = flags.nodes ?? base.lab.nodes;
      const topology = flags.topology ?? base.lab.topology;
      throw new UsageError(
        flags.topology !== undefined
          ? `--topology ${topology} on ${nodes} nodes: ${err.problem}`
          : `--nodes ${nodes}: the scenario's topology ${topology} does not fit: ${err.problem}`,
      );
    }
    throw new UsageError(err.message);
  }
}

/** `--csv`: checked before anything runs. The lab folder counts as existing (it is made). */
function checkCsv(path: string | undefined, force: boolean, labDir: string | null): void {
  if (path === undefined) return;
  if (path.trim() === '') throw new UsageError('--csv must name a file (got "")');
  const file = resolve(path);
  const folder = dirname(file);
  const folderOk = existsSync(folder) ? statSync(folder).isDirectory() : folder === labDir;
  if (!folderOk) throw new UsageError(`--csv ${path}: folder ${folder} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UsageError(`--csv ${path} is a folder; give a file name`);
  if (existsSync(file) && !force)
    throw new UsageError(
      `--csv ${path} exists; refusing to overwrite it (add --force to replace it)`,
    );
}

/** 2025-01-31T12-00-00-000Z: the ISO time with what file systems dislike replaced. */
const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

/** `--dir`: new or empty (a lab never runs over another lab's stores). */
function labFolder(text: string | undefined): string {
  if (text === undefined) return join(userDataDir(APP_NAME), 'labs', `lab-${stamp(new Date())}`);
  if (text.trim() === '') throw new UsageError('--dir must name a folder (got "")');
  const dir = resolve(text);
  if (!existsSync(dir)) return dir;
  if (!statSync(dir).isDirectory())
    throw new UsageError(`--dir ${text} is a file; give a new or empty folder for the lab`);
  const entries = readdirSync(dir);
  if (entries.length > 0)
    throw new UsageError(
      `--dir ${text} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); give a new or empty folder for the lab`,
    );
  return dir;
}

// ---------------------------------------------------------------- describing events

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** One event as one line: `   5.00 s  kill nodes 1..5` (the words are the monitor's too). */
export function describeEvent(e: LabEvent): string {
  return `${(e.t / 1000).toFixed(2).padStart(8)} s  ${eventWords(e)}`;
}

/**
 * Event lines on stderr, through the progress bar when there is one. Nodes' own messages (a
 * warning from each of many nodes at once) are held to NODE_LINES_PER_S; the rest are counted
 * and the count printed.
 */
class LabConsole {
  private stopped = false;
  private windowStart = -Infinity;
  private shown = 0;
  private hidden = 0;
  private readonly multi: MultiBar | null;
  private readonly bar: SingleBar | null;

  constructor(totalS: number) {
    if (!process.stderr.isTTY) {
      this.multi = null;
      this.bar = null;
      return;
    }
    this.multi = new MultiBar({
      stream: process.stderr,
      format: 'lab [{bar}] {value}/{total} s',
      hideCursor: true,
      clearOnComplete: true,
      gracefulExit: false,
    });
    this.bar = this.multi.create(Math.ceil(totalS), 0);
  }

  line(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  }

  event(e: LabEvent): void {
    if (e.type === 'node') {
      const now = performance.now();
      if (now - this.windowStart >= 1000) {
        this.flush();
        this.windowStart = now;
        this.shown = 0;
      }
      if (this.shown >= NODE_LINES_PER_S) {
        this.hidden++;
        return;
      }
      this.shown++;
    }
    this.line(describeEvent(e));
  }

  progress(elapsedS: number): void {
    this.bar?.update(Math.floor(elapsedS));
  }

  /** Prints how many node messages were held back, if any. */
  flush(): void {
    if (this.hidden > 0)
      this.line(`          (${this.hidden} more node message(s) in that second not shown)`);
    this.hidden = 0;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.flush();
    if (this.multi) {
      this.multi.update(); // writes what was logged since the last redraw
      this.multi.stop();
    }
  }
}

// ---------------------------------------------------------------- the summary

interface RunFacts {
  readonly scenario: string | null;
  readonly nodes: number;
  readonly topology: string;
  readonly seed: number;
  readonly cycleMs: number;
  readonly recording: string | null;
  readonly dir: string;
  /** The convergence measure's epsilon (null: a recording made before it was kept). */
  readonly epsilon: number | null;
  /** How the live lab kept up (absent for a replay). */
  readonly health?: LabHealth;
}

const fixed = (x: number | null, digits: number) => (x === null ? 'n/a' : x.toFixed(digits));

export function labSummaryTable(f: RunFacts, s: LabSummary): string {
  const t = new Table({ head: ['measure', 'value'], style: { head: [], border: [] } });
  t.push(['scenario', f.scenario ?? 'none (ad hoc)']);
  t.push(['nodes', String(f.nodes)]);
  t.push(['topology', f.topology]);
  t.push(['seed', String(f.seed)]);
  t.push(['cycle ms', String(f.cycleMs)]);
  // The same lines as the monitor's spread chart, one per phase of the run.
  t.push(['convergence measure', describeConvergenceRule(f.epsilon)]);
  t.push(['convergence', s.convergence.map((p) => describePhase(p, s.lastTickMs)).join('\n')]);
  t.push(['bytes per node per minute', fixed(s.bytesPerNodeMin, 0)]);
  t.push(['frames per node per second', fixed(s.framesPerNodeS, 2)]);
  t.push(['final spread', s.finalSpread === null ? 'n/a' : s.finalSpread.toPrecision(3)]);
  const fired = RULES.filter((r) => s.interventions[r] > 0);
  t.push([
    'VaultGuard interventions',
    fired.length === 0 ? 'none' : fired.map((r) => `${r}: ${s.interventions[r]}`).join('\n'),
  ]);
  const ops = Object.entries(s.commands);
  t.push(['commands', ops.length === 0 ? 'none' : ops.map(([op, n]) => `${op}: ${n}`).join('\n')]);
  if (f.health) {
    const h = f.health;
    t.push(['start (nodes up and wired)', seconds(h.startMs)]);
    t.push([
      'cycles per second (target)',
      `${h.cyclesPerS.toFixed(2)} (${h.targetCyclesPerS.toFixed(2)})`,
    ]);
    if (h.cyclesPerS > 0 && h.targetCyclesPerS > 0) {
      // Over the whole run, by the same measure as the live "behind" events.
      const behind = h.cyclesPerS < BEHIND_BELOW * h.targetCyclesPerS;
      const pace = {
        askedPerS: h.targetCyclesPerS,
        achievedPerS: h.cyclesPerS,
        behind,
        nodes: f.nodes,
      };
      t.push(['kept up', behind ? wrap(`no: ${describePace(pace)}`, 60).join('\n') : 'yes']);
    }
    t.push(['controller event-loop delay p99', `${h.loopDelayP99Ms.toFixed(1)} ms`]);
  }
  t.push(['recording', f.recording ?? 'none']);
  t.push(['lab folder', f.dir]);
  return t.toString();
}

function printSummary(f: RunFacts, s: LabSummary, json: boolean): void {
  process.stdout.write(
    json ? JSON.stringify({ ...f, summary: s }, null, 2) + '\n' : labSummaryTable(f, s) + '\n',
  );
}

// ---------------------------------------------------------------- the three modes

async function printScenarios(): Promise<void> {
  const lines: string[] = [];
  for (const name of await listScenarios().catch(usage)) {
    try {
      const s = await loadScenario(name);
      lines.push(`${name}  (${s.lab.nodes} nodes, ${s.lab.topology}, ${s.durationS} s)`);
      lines.push(...wrap(s.description || '(no description)', 76).map((l) => `  ${l}`), '');
    } catch (err) {
      lines.push(`${name}  (cannot be used: ${errorMessage(err)})`, '');
    }
  }
  process.stdout.write(lines.join('\n'));
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function usage(err: unknown): never {
  if (err instanceof ScenarioError || err instanceof RecordingError)
    throw new UsageError(err.message);
  throw err;
}

async function replay(flags: LabFlags, cmd: Command): Promise<void> {
  const path = flags.replay ?? '';
  for (const [key, flag] of Object.entries(RUN_FLAGS))
    if (given(cmd, key))
      throw new UsageError(`${flag} does not apply to --replay, which reads a finished run`);
  checkCsv(flags.csv, flags.force === true, null);
  const rec: Recording = await loadRecordingFile(path).catch(usage);
  for (const note of rec.notes) process.stderr.write(`lvs: note: ${note}\n`);
  if (!flags.json) process.stdout.write(rec.events.map((e) => describeEvent(e) + '\n').join(''));
  const h = rec.header;
  const facts: RunFacts = {
    scenario: h.scenario ?? null,
    nodes: h.nodes,
    topology: h.topology,
    seed: h.seed,
    cycleMs: h.cycleMs,
    recording: resolve(path),
    dir: dirname(resolve(path)),
    epsilon: h.epsilon ?? null,
  };
  printSummary(
    facts,
    summariseLab(
      rec.events,
      rec.ticks.map((t) => t.metrics),
    ),
    flags.json === true,
  );
  if (flags.csv !== undefined) await exportMetricsCsv(rec, flags.csv, flags.force === true);
}

async function runLab(flags: LabFlags, cmd: Command): Promise<void> {
  const scenario = await scenarioFor(flags, cmd);
  if (flags.csv !== undefined && !flags.record)
    throw new UsageError('--csv exports the recording: it cannot be used with --no-record');
  if (flags.monitorPort !== undefined && flags.monitor !== true)
    throw new UsageError("--monitor-port needs --monitor (it is the web monitor's port)");
  if (flags.chromium !== undefined && flags.browsers === undefined)
    throw new UsageError("--chromium names the browser nodes' Chromium: it needs --browsers <n>");
  const tooMany =
    flags.browsers === undefined ? null : tooManyBrowsers(flags.browsers, scenario.lab.nodes);
  if (tooMany) throw new UsageError(`--browsers ${flags.browsers}: ${tooMany}`);
  const dir = labFolder(flags.dir);
  checkCsv(flags.csv, flags.force === true, dir);
  const adHoc = flags.scenario === undefined;
  const options = {
    ...labOptionsFor(scenario, {
      dir,
      appVersion: appVersion(),
      record: flags.record,
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      ...(flags.browsers === undefined
        ? {}
        : { browsers: browserNodes(flags.browsers, flags.chromium) }),
    }),
    ...(adHoc ? { scenario: undefined } : {}),
  };

  const abort = new AbortController();
  const out = new LabConsole(scenario.durationS);
  const stops = stopOnSignals(out, abort);
  let lab: Lab | null = null;
  let monitor: CliMonitor | null = null;
  /** --monitor: the scenario ran its whole duration and the lab was kept for the monitor. */
  let held = false;
  let followed: Followed | null = null;
  try {
    const l = scenario.lab;
    out.line(
      `lab: ${l.nodes} nodes, ${l.topology}, seed ${l.seed}, ${l.cycleMs} ms cycles; ` +
        `${adHoc ? 'ad hoc' : `scenario ${scenario.name}`} for ${scenario.durationS} s in ${dir}`,
    );
    if (l.capped) out.line(cappedLine(l.seed, l.capped, l.nodes));
    noteCapacity(l, out);
    // The monitor's port is taken before the nodes start: a port in use costs nothing.
    if (flags.monitor) monitor = await openMonitor(flags, dir);
    lab = await Lab.start(options).catch((err: unknown) => {
      throw startError(err);
    });
    if (monitor) {
      // Stop from the page ends the run as its duration would: a summary and exit 0.
      monitor.host.attachLab(lab, () => {
        if (abort.signal.aborted) return;
        out.line(
          'the monitor asked to stop the lab: stopping it (nodes saved and closed, the recording completed)',
        );
        abort.abort();
      });
      out.line(`monitor: ${monitor.web.url}`);
    }
    followed = follow(lab, out);
    try {
      await runScenario(lab, scenario, {
        signal: abort.signal,
        onProgress: (elapsed) => out.progress(elapsed),
      });
    } catch (err) {
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
    if (monitor && !abort.signal.aborted) {
      held = true;
      out.line(
        `scenario done after ${scenario.durationS} s; the lab keeps running for the monitor: Ctrl-C (SIGINT) or SIGTERM stops it`,
      );
      await aborted(abort.signal);
    }
    if (monitor) {
      // The page first (and any lab started from it), then this lab.
      const m = monitor;
      monitor = null;
      m.host.attachLab(null);
      await m.close().catch((err: unknown) => out.line(`stopping the monitor: ${oneLine(err)}`));
    }
    const health = lab.health();
    const recording = await stopLab(lab);
    lab = null;
    // Only the data folder's labs are pruned: a lab run in its own --dir is the user's to keep.
    if (flags.dir === undefined && recording !== null)
      await pruneRecordings(dirname(dir), recording, flags.recordingsMb, out);
    followed.off();
    out.stop();
    printSummary(
      {
        scenario: adHoc ? null : scenario.name,
        nodes: l.nodes,
        topology: l.topology,
        seed: l.seed,
        cycleMs: l.cycleMs,
        recording,
        dir,
        epsilon: scenario.measure.epsilon,
        health,
      },
      summariseLab(followed.events, followed.ticks),
      flags.json === true,
    );
    if (flags.csv !== undefined && recording !== null)
      await exportMetricsCsv(await loadRecordingFile(recording), flags.csv, flags.force === true);
    const signalled = stops.signalled();
    if (signalled && !held)
      throw new ExitError(
        `stopped by ${signalled}${recording ? `; the recording is in ${recording}` : ''}`,
        signalExitCode(signalled),
      );
  } finally {
    followed?.off();
    await monitor?.close().catch(() => undefined);
    if (lab) await stopLab(lab).catch(() => undefined);
    out.stop();
    stops.dispose();
  }
}

/**
 * The stop signals of a lab run, by the same rules as `lvs node` (signals.ts): copies of one
 * Ctrl-C are one request, which stops the lab gracefully; a second one exits at once.
 */
function stopOnSignals(
  out: LabConsole,
  abort: AbortController,
): { signalled(): StopSignal | null; dispose(): void } {
  let signalled: StopSignal | null = null;
  const signals = handleStopSignals({
    onStop: ({ signal, launcherGone }) => {
      signalled = signal;
      out.line(
        `${launcherGone ? 'the process that started this lab is gone' : signal}: stopping the lab (nodes saved and closed, the recording completed)`,
      );
      abort.abort();
    },
    onForce: (signal) => {
      out.stop();
      process.stderr.write(`lvs: ${signal} again: exiting at once, without stopping the lab\n`);
      process.exit(signalExitCode(signal));
    },
  });
  return { signalled: () => signalled, dispose: () => signals.dispose() };
}

/** Which slots the seed caps, said before the nodes start (they are the lab's own draw). */
function cappedLine(seed: number, capped: CappedNodes, nodes: number): string {
  const slots = cappedSlots(seed, capped, nodes);
  const most = `${capped.shards} shard${capped.shards === 1 ? '' : 's'}`;
  return `lab: ${slots.length} of ${nodes} nodes capped at ${most} (share ${capped.share}): ${slots.length === 0 ? 'none' : `slots ${slots.join(', ')}`}`;
}

/** A warning, not a refusal: the command line may try what the monitor's form does not offer. */
function noteCapacity(l: Scenario['lab'], out: LabConsole): void {
  const capacity = labCapacity(thisMachine());
  const keepUp = nodesKeepingUp(capacity.cores, l.cycleMs);
  if (l.nodes > capacity.maxNodes)
    out.line(
      `lab: note: ${l.nodes} nodes is more than this machine is sized for (at most ${capacity.maxNodes}: ${capacity.reason}); the start may fail`,
    );
  else if (l.nodes > keepUp)
    out.line(
      `lab: note: at ${l.cycleMs} ms cycles about ${keepUp} nodes keep up on ${capacity.cores} cores; ${l.nodes} will likely fall behind (a "behind" line says so)`,
    );
}

/** --monitor: the web monitor beside the lab; a port in use is the user's to fix. */
function openMonitor(flags: LabFlags, dir: string): Promise<CliMonitor> {
  return openCliMonitor({
    port: flags.monitorPort ?? 0,
    labsDir: dirname(dir),
    ...(flags.recordingsMb === undefined ? {} : { recordingsMb: flags.recordingsMb }),
  }).catch((err: unknown) => {
    throw err instanceof MonitorPortError
      ? new UsageError(err.message)
      : new ExitError(`the monitor could not start: ${oneLine(err)}`, EXIT.failure);
  });
}

/** What the summary is made of, collected while the lab runs. */
interface Followed {
  readonly events: LabEvent[];
  readonly ticks: SummaryTick[];
  off(): void;
}

/** Prints the lab's events as they come and keeps what the summary needs. */
function follow(lab: Lab, out: LabConsole): Followed {
  const events: LabEvent[] = [];
  const ticks: SummaryTick[] = [];
  const keep = (e: LabEvent) => {
    // The summary needs commands and convergences only; node messages can be many.
    if (e.type === 'command' || e.type === 'converged' || e.type === 'unconverged') events.push(e);
    out.event(e);
  };
  for (const e of lab.events()) keep(e);
  const offs = [
    lab.onEvent(keep),
    lab.onSnapshot(({ metrics: m }) => {
      if (m)
        ticks.push({
          t: m.t,
          spread: m.spread,
          framesPerNodeS: m.framesPerNodeS,
          bytesPerNodeS: m.bytesPerNodeS,
          interventions: m.interventions,
        });
    }),
  ];
  return { events, ticks, off: () => offs.splice(0).forEach((off) => off()) };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
}

/** The labs folder's recordings kept under --recordings-mb, the oldest removed first. */
async function pruneRecordings(
  labsDir: string,
  recording: string,
  recordingsMb: number | undefined,
  out: LabConsole,
): Promise<void> {
  const mb = recordingsMb ?? DEFAULT_RECORDINGS_MB;
  const kept = await keepRecordingsUnder(labsDir, mb * 2 ** 20, [recording]).catch(
    (err: unknown) => {
      out.line(`lab: keeping the recordings under the limit: ${oneLine(err)}`);
      return null;
    },
  );
  if (kept && kept.removed.length > 0)
    out.line(
      `lab: removed the ${kept.removed.length} oldest recording(s) in ${labsDir} to keep them under ${mb} MB (--recordings-mb)`,
    );
}

async function stopLab(lab: Lab): Promise<string | null> {
  try {
    return await lab.stop();
  } catch (err) {
    throw new ExitError(`stopping the lab: ${oneLine(err)}`, EXIT.failure);
  }
}

/** A start failure as one line: the setup's (exit 2) or the machine's (1). */
export function startError(err: unknown): Error {
  // The CLI checked the folder before the start; one that filled up since is still the user's
  // to fix. Any other start failure is the lab's.
  if (err instanceof LabFolderNotEmptyError) return new UsageError(`--dir: ${err.message}`);
  if (err instanceof LabStartError)
    return new ExitError(`the lab could not start: ${err.message}`, EXIT.failure);
  if (err instanceof UsageError || err instanceof ExitError) return err;
  return new ExitError(`the lab could not start: ${oneLine(err)}`, EXIT.failure);
}

function oneLine(err: unknown): string {
  const text = errorMessage(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
