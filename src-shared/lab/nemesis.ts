import {
  NO_LINK_FAULTS,
  PARTITION_KINDS,
  type LabCommand,
  type NemesisFault,
  type NemesisSpec,
  type PartitionKind,
} from '../api/lab-api';
import type { Rng } from '../random';
import { LabCommandError } from './errors';
import { checkPartitionSize } from './partitions';

/*
 * A nemesis schedule, planned in full before it starts: plain timed commands that the lab
 * applies as if a user had sent them, so they are checked, recorded and replayed the same way,
 * and a seed gives the same schedule every run.
 */

/** A command to apply `atMs` after the schedule starts. Commands at the same time apply in
 * list order (an undo at the end of one round comes before the next round's fault). */
export interface TimedCommand {
  readonly atMs: number;
  readonly command: LabCommand;
}

/** The share of frames the 'loss' fault drops. */
export const NEMESIS_LOSS = 0.5;

type PartitionFault = Exclude<NemesisFault, 'kill-random' | 'freeze-random' | 'loss'>;

/**
 * Round k (0 .. rounds-1) applies a fault at k * everyS and undoes it durationS later; the
 * fault is drawn by `rng` from spec.faults ('random') or taken in turn ('scripted'). After the
 * last round, at rounds * everyS, it undoes every kill, freeze and loss it applied and ends in
 * a heal: redundant when every round's undo applied, but it states the schedule's end in the
 * recording and leaves the lab whole even if one of those undos failed (a revive that did not
 * come up in time).
 * Faults: a partition kind, then heal; kill-random: kill one node drawn by `rng`, then revive
 * it; freeze-random: freeze, then thaw; loss: drop NEMESIS_LOSS of all frames, then none.
 */
export function planNemesis(spec: NemesisSpec, nodes: readonly number[], rng: Rng): TimedCommand[] {
  checkSchedule(spec, nodes.length);
  const everyMs = spec.everyS * 1000;
  const durationMs = spec.durationS * 1000;
  const plan: TimedCommand[] = [];
  const killed = new Set<number>();
  const frozen = new Set<number>();
  let lossy = false;
  for (let k = 0; k < spec.rounds; k++) {
    const fault =
      spec.order === 'scripted'
        ? spec.faults[k % spec.faults.length]
        : spec.faults[rng.int(spec.faults.length)];
    const [apply, undo] = faultCommands(fault, nodes, rng);
    if (apply.op === 'kill') apply.nodes.forEach((s) => killed.add(s));
    if (apply.op === 'freeze') apply.nodes.forEach((s) => frozen.add(s));
    if (fault === 'loss') lossy = true;
    const start = k * everyMs;
    // min: with durationS = everyS, rounding must not move the undo after the next fault.
    const end = Math.min(start + durationMs, (k + 1) * everyMs);
    plan.push({ atMs: start, command: apply }, { atMs: end, command: undo });
  }
  const finalMs = spec.rounds * everyMs;
  for (const command of undoAll(killed, frozen, lossy)) {
    plan.push({ atMs: finalMs, command });
  }
  return plan;
}

/** A schedule that cannot run on this lab fails before it starts, not in its tenth round. */
function checkSchedule(spec: NemesisSpec, n: number): void {
  if (spec.durationS > spec.everyS) {
    throw new LabCommandError(
      `durationS (${spec.durationS}) must be at most everyS (${spec.everyS})`,
    );
  }
  if (n < 2) {
    throw new LabCommandError(`a nemesis needs at least 2 nodes (the lab has ${n})`);
  }
  for (const fault of new Set(spec.faults)) {
    if (isPartition(fault)) checkPartitionSize(fault, n);
  }
}

function isPartition(fault: NemesisFault): fault is PartitionFault {
  return (PARTITION_KINDS as readonly string[]).includes(fault);
}

/** A fault and its undo. */
function faultCommands(
  fault: NemesisFault,
  nodes: readonly number[],
  rng: Rng,
): [LabCommand, LabCommand] {
  if (isPartition(fault)) {
    const kind: Exclude<PartitionKind, 'groups'> = fault;
    return [{ op: 'partition', partition: { kind } }, { op: 'heal' }];
  }
  switch (fault) {
    case 'kill-random': {
      const node = nodes[rng.int(nodes.length)];
      return [
        { op: 'kill', nodes: [node] },
        { op: 'revive', nodes: [node] },
      ];
    }
    case 'freeze-random': {
      const node = nodes[rng.int(nodes.length)];
      return [
        { op: 'freeze', nodes: [node] },
        { op: 'thaw', nodes: [node] },
      ];
    }
    case 'loss':
      return [
        { op: 'link-faults', faults: { ...NO_LINK_FAULTS, loss: NEMESIS_LOSS } },
        { op: 'link-faults', faults: { ...NO_LINK_FAULTS } },
      ];
  }
}

/** The undo of every kill, freeze and loss the schedule applied, and last the final heal. */
function undoAll(
  killed: ReadonlySet<number>,
  frozen: ReadonlySet<number>,
  loss: boolean,
): LabCommand[] {
  const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);
  const commands: LabCommand[] = [];
  if (killed.size > 0) commands.push({ op: 'revive', nodes: sorted(killed) });
  if (frozen.size > 0) commands.push({ op: 'thaw', nodes: sorted(frozen) });
  if (loss) commands.push({ op: 'link-faults', faults: { ...NO_LINK_FAULTS } });
  commands.push({ op: 'heal' });
  return commands;
}
