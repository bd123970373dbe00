import type { LabCommand, LabEvent, LinkFaults } from '../api/lab-api';
import type { DriftParams } from '../drift/params';
import { CONVERGE_RUN, scopeOf, type ConvergencePhase } from './convergence';
import { describeSlots } from './partitions';
import { describePace } from './pace';
import { num } from '../format-number';

/*
 * Commands, events and convergence as people read them, for the CLI (event lines, the summary)
 * and the monitor (event log, charts): one short phrase each, naming the nodes as slot ranges.
 * Both print these words, so the two never tell a run differently.
 */

/** Each parameter's name in words; `Record` makes the compiler ask for a new one's. */
export const PARAM_WORDS: Record<keyof DriftParams, string> = {
  dimensions: 'dimensions',
  alpha: 'alpha (entropy weight)',
  beta: 'beta (peer weight)',
  trimF: 'trimmed F',
  maxDiff: 'diff clamp',
  anomalyLimit: 'anomaly limit',
  maxDrift: 'drift clamp',
  wMax: 'weight bound',
  lossLimit: 'loss limit',
  forceLimit: 'recovery force limit',
  earnRate: 'earn rate',
  tcRise: 'trust rise',
  tcDrop: 'trust drop',
  drainPenalty: 'drain penalty',
  drainZ: 'drain z-score',
  drainMinSamples: 'drain evidence needed',
  drainMemory: 'drain memory',
  tcSelfWindow: 'self-trust window',
  shards: 'shards (K)',
  replication: 'replication (r)',
  aggregator: 'aggregator',
  weighting: 'weighting',
};

/** "trimmed F to 1, aggregator to trimmed": a parameter change in words. */
export function describeParams(params: Partial<Record<keyof DriftParams, unknown>>): string {
  const parts = Object.entries(params).map(
    ([k, v]) => `${PARAM_WORDS[k as keyof DriftParams] ?? k} to ${String(v)}`,
  );
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

const sortedSlots = (nodes: readonly number[]) => describeSlots([...nodes].sort((a, b) => a - b));

export function describeFaults(f: LinkFaults): string {
  const set = Object.entries(f).filter(([, v]) => v !== 0);
  return set.length === 0 ? 'none' : set.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** The link faults set, in a few words: "loss 0.2, delay 50 ms". */
function faultsLabel(f: LinkFaults): string {
  const parts: string[] = [];
  if (f.loss) parts.push(`loss ${num(f.loss, 3)}`);
  if (f.delayMs) parts.push(`delay ${num(f.delayMs, 4)} ms`);
  if (f.jitterMs) parts.push(`jitter ${num(f.jitterMs, 4)} ms`);
  if (f.duplicate) parts.push(`dup ${num(f.duplicate, 3)}`);
  if (f.reorder) parts.push(`reorder ${num(f.reorder, 3)}`);
  return parts.length ? parts.join(', ') : 'link faults cleared';
}

/** What kind of change a command makes: the charts colour its marker by it. */
export type CommandKind = 'partition' | 'heal' | 'fault' | 'recover' | 'attack' | 'params';

type CommandOf<Op extends LabCommand['op']> = Extract<LabCommand, { readonly op: Op }>;

/** One command's words. */
interface CommandWords<C extends LabCommand> {
  /** The CLI's event line and the monitor's event log: `kill nodes 1..5`. */
  readonly phrase: (c: C) => string;
  /** A chart marker's few words: `kill 1..5`, `loss 0.2`. */
  readonly label: (c: C) => string;
  /** The marker's kind; null for commands the charts do not mark. */
  readonly kind: CommandKind | null;
}

/** Commands that name nodes and say nothing else. */
const onNodes = (kind: CommandKind) => ({
  phrase: (c: { op: string; nodes: readonly number[] }) => `${c.op} nodes ${sortedSlots(c.nodes)}`,
  label: (c: { op: string; nodes: readonly number[] }) => `${c.op} ${sortedSlots(c.nodes)}`,
  kind,
});

/** Commands that are their name. */
const bare = (label: string, kind: CommandKind | null) => ({
  phrase: (c: { op: string }) => c.op,
  label: () => label,
  kind,
});

/**
 * Every lab command's words, for the CLI and the monitor alike. The mapped type makes the
 * compiler ask for a new command's entry, so none goes undescribed or unmarked.
 */
const COMMAND_WORDS: { readonly [Op in LabCommand['op']]: CommandWords<CommandOf<Op>> } = {
  partition: {
    phrase: (c) =>
      c.partition.kind === 'groups'
        ? `partition into groups ${c.partition.groups.map((g) => `[${sortedSlots(g)}]`).join(' ')}`
        : `partition ${c.partition.kind}`,
    label: (c) =>
      c.partition.kind === 'groups'
        ? `partition into ${c.partition.groups.length} groups`
        : c.partition.kind,
    kind: 'partition',
  },
  heal: bare('heal', 'heal'),
  kill: onNodes('fault'),
  stop: onNodes('fault'),
  revive: onNodes('recover'),
  freeze: onNodes('fault'),
  thaw: onNodes('recover'),
  'link-faults': {
    phrase: (c) =>
      `link faults ${describeFaults(c.faults)} on ${c.links ? `${c.links.length} link(s)` : 'every link'}`,
    label: (c) => faultsLabel(c.faults),
    kind: 'fault',
  },
  'clock-skew': {
    phrase: (c) => `clock skew x${c.factor} on nodes ${sortedSlots(c.nodes)}`,
    label: (c) => `skew ×${num(c.factor, 3)} on ${sortedSlots(c.nodes)}`,
    kind: 'fault',
  },
  liar: {
    phrase: (c) => `liar (${c.behaviour.kind}) nodes ${sortedSlots(c.nodes)}`,
    label: (c) => `liar ${c.behaviour.kind} ${sortedSlots(c.nodes)}`,
    kind: 'attack',
  },
  honest: onNodes('recover'),
  sybil: {
    phrase: (c) =>
      `sybil: ${c.count} ${c.behaviour.kind} liar(s) linked to nodes ${sortedSlots(c.targets)}`,
    label: (c) => `${c.count} sybil ${c.behaviour.kind} → ${sortedSlots(c.targets)}`,
    kind: 'attack',
  },
  'set-params': {
    phrase: (c) =>
      `set ${describeParams(c.params)}${c.nodes ? ` on nodes ${sortedSlots(c.nodes)}` : ''}`,
    label: (c) => describeParams(c.params),
    kind: 'params',
  },
  'add-nodes': {
    phrase: (c) => `add ${c.count} node(s)`,
    label: (c) => `add ${c.count} nodes`,
    kind: 'params',
  },
  nemesis: {
    phrase: ({ schedule: s }) =>
      `nemesis ${s.faults.join(', ')} (${s.order}) every ${s.everyS} s for ${s.durationS} s, ${s.rounds} round(s)`,
    label: (c) => `nemesis ×${c.schedule.rounds}`,
    kind: 'fault',
  },
  'nemesis-stop': bare('nemesis stopped', 'heal'),
  speed: {
    phrase: (c) => `speed x${c.factor}`,
    label: (c) => `speed ×${num(c.factor, 3)}`,
    kind: 'params',
  },
  pause: bare('pause', null),
  resume: bare('resume', null),
  step: bare('step', null),
};

/** The words of c's own command (one cast: a table indexed by a union of ops cannot say so). */
function wordsOf<C extends LabCommand>(c: C): CommandWords<C> {
  return COMMAND_WORDS[c.op] as unknown as CommandWords<C>;
}

/** One command as a short phrase: `kill nodes 1..5`, `partition partition-halves`. */
export function describeCommand(c: LabCommand): string {
  return wordsOf(c).phrase(c);
}

/** A command in a few words for a chart marker: "partition-halves", "kill 3", "loss 0.2". */
export function commandLabel(c: LabCommand): string {
  return wordsOf(c).label(c);
}

/** The kind of a command's chart marker; null for those not marked (pause, resume, step). */
export function commandKind(c: LabCommand): CommandKind | null {
  return wordsOf(c).kind;
}

// ---------------------------------------------------------------- convergence

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const cyclesOf = (n: number) => `${n} cycle${n === 1 ? '' : 's'}`;

/** The measure with its epsilon: "spread < ε = 0.5 in 3 ticks in a row, timed to the first". */
export function describeConvergenceRule(epsilon: number | null): string {
  const eps = epsilon === null ? 'ε (not recorded)' : `ε = ${epsilon}`;
  return `spread < ${eps} in ${CONVERGE_RUN} ticks in a row and from then on, timed to the first of them`;
}

const reference = (p: Pick<ConvergencePhase, 'after' | 'since'>) =>
  p.after === 'start' ? 'the start' : `the ${p.after} at ${seconds(p.since)}`;

const verb = (after: ConvergencePhase['after']) =>
  after === 'heal'
    ? 'reconverged'
    : after === 'partition'
      ? 'converged within each group'
      : 'converged';

/**
 * One phase in one line: "reconverged 4.13 s (20 cycles) after the heal at 20.00 s". `end` is the
 * last tick's time when the run is over (the summary), null while it goes on (the monitor).
 */
export function describePhase(p: ConvergencePhase, end: number | null): string {
  const what = verb(p.after);
  if (p.converged)
    return `${what} ${seconds(p.converged.ms)} (${cyclesOf(p.converged.cycles)}) after ${reference(p)}`;
  const again = p.withdrawn > 0 ? ' (under ε for a while, then over it again)' : '';
  if (p.until !== null)
    return `not ${what} between ${reference(p)} and ${seconds(p.until)}${again}`;
  return end === null
    ? `not ${what} yet after ${reference(p)}${again}`
    : `not ${what} after ${reference(p)} within the run (${seconds(end)})${again}`;
}

/** One event in words, without its time. */
export function describeEvent(e: LabEvent): string {
  switch (e.type) {
    case 'command':
      return describeCommand(e.command);
    case 'converged':
      return describePhase(
        { ...e, scope: scopeOf(e.after), until: null, converged: e, withdrawn: 0 },
        null,
      );
    case 'unconverged': {
      const spread = Number.isFinite(e.spread) ? e.spread.toPrecision(3) : 'not measured';
      const whose = e.after === 'partition' ? "the widest group's spread" : 'the spread';
      return `${whose} rose to ${spread} (ε = ${e.epsilon}): the convergence after ${reference(e)} no longer holds`;
    }
    case 'started':
      return `${e.nodes} nodes up and ${e.links} links wired in ${seconds(e.ms)}`;
    case 'node':
      return `node ${e.slot}: ${e.what}`;
    case 'pace':
      return describePace(e.pace);
    case 'error':
      return `error: ${e.message}`;
    case 'shard-lost':
      return `cycle ${e.cycle}: shard ${e.shard} lost: no node holds it any more`;
    case 'shard-repaired':
      return `cycle ${e.cycle}: shard ${e.shard} repaired to r holders in every neighbourhood (${cyclesOf(e.cycles)})`;
  }
}
