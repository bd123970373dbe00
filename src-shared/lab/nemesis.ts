import {
  NO_LINK_FAULTS,
  type LabCommand,
  type NemesisFault,
  type NemesisSpec,
} from '../api/lab-api';
import type { Rng } from '../random';
import { LabCommandError } from './errors';
import { checkPartitionSize, PRESET_KINDS, type PresetKind } from './partitions';

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

/**
 * Round k (0 .. rounds-1) applies a fault at k * everyS and undoes it durationS later; the
 * fault is drawn by `rng` from spec.faults ('random') or taken in turn ('scripted'). Every
 * round's fault is undone before the next begins, so after the last round, at rounds * everyS,
 * one final heal ends the schedule (and states its end in the recording); `nemesis-stop` undoes
 * whatever is still in effect when a schedule is cut short.
 * Faults: a partition kind, then heal; kill-random: kill one node drawn by `rng`, then revive
 * it; freeze-random: freeze, then thaw; loss: drop NEMESIS_LOSS of all frames, then none.
 */
export function planNemesis(spec: NemesisSpec, nodes: readonly number[], rng: Rng): TimedCommand[] {
  checkSchedule(spec, nodes.length);
  const everyMs = spec.everyS * 1000;
  const durationMs = spec.durationS * 1000;
  const plan: TimedCommand[] = [];
  for (let k = 0; k < spec.rounds; k++) {
    const fault =
      spec.order === 'scripted'
        ? spec.faults[k % spec.faults.length]
        : spec.faults[rng.int(spec.faults.length)];
    const [apply, undo] = faultCommands(fault, nodes, rng);
    const start = k * everyMs;
    // min: with durationS = everyS, rounding must not move the undo after the next fault.
    const end = Math.min(start + durationMs, (k + 1) * everyMs);
    plan.push({ atMs: start, command: apply }, { atMs: end, command: undo });
  }
  plan.push({ atMs: spec.rounds * everyMs, command: { op: 'heal' } });
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

/** Every partition preset is a nemesis fault too (applied, then healed). */
function isPartition(fault: NemesisFault): fault is PresetKind {
  return (PRESET_KINDS as readonly string[]).includes(fault);
}

/** A fault and its undo. */
function faultCommands(
  fault: NemesisFault,
  nodes: readonly number[],
  rng: Rng,
): [LabCommand, LabCommand] {
  if (isPartition(fault)) {
    return [{ op: 'partition', partition: { kind: fault } }, { op: 'heal' }];
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
