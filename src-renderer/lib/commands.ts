import type { LabCommand, LabEvent } from '@shared/api/lab-api';
import { convergencePhases } from '@shared/lab/convergence';
import { describeParams, describePhase } from '@shared/lab/describe';
import { describeSlots } from '@shared/lab/partitions';
import { num } from './format';

/** What a command marker on the charts stands for (its colour). */
export type MarkerKind = 'partition' | 'heal' | 'fault' | 'recover' | 'attack' | 'params';

export interface Marker {
  readonly t: number;
  readonly kind: MarkerKind;
  readonly label: string;
}

const slots = (nodes: readonly number[]): string => describeSlots([...nodes].sort((a, b) => a - b));

/** A command in a few words for a chart marker: "partition-halves", "kill 3", "loss 0.2". */
export function markerLabel(c: LabCommand): string {
  switch (c.op) {
    case 'partition':
      return c.partition.kind === 'groups'
        ? `partition into ${c.partition.groups.length} groups`
        : c.partition.kind;
    case 'kill':
    case 'stop':
    case 'revive':
    case 'freeze':
    case 'thaw':
    case 'honest':
      return `${c.op} ${slots(c.nodes)}`;
    case 'link-faults': {
      const f = c.faults;
      const parts: string[] = [];
      if (f.loss) parts.push(`loss ${num(f.loss, 3)}`);
      if (f.delayMs) parts.push(`delay ${num(f.delayMs, 4)} ms`);
      if (f.jitterMs) parts.push(`jitter ${num(f.jitterMs, 4)} ms`);
      if (f.duplicate) parts.push(`dup ${num(f.duplicate, 3)}`);
      if (f.reorder) parts.push(`reorder ${num(f.reorder, 3)}`);
      return parts.length ? parts.join(', ') : 'link faults cleared';
    }
    case 'clock-skew':
      return `skew ×${num(c.factor, 3)} on ${slots(c.nodes)}`;
    case 'liar':
      return `liar ${c.behaviour.kind} ${slots(c.nodes)}`;
    case 'sybil':
      return `${c.count} sybil ${c.behaviour.kind} → ${slots(c.targets)}`;
    case 'set-params':
      return describeParams(c.params);
    case 'add-nodes':
      return `add ${c.count} nodes`;
    case 'speed':
      return `speed ×${num(c.factor, 3)}`;
    case 'nemesis':
      return `nemesis ×${c.schedule.rounds}`;
    case 'nemesis-stop':
      return 'nemesis stopped';
    case 'heal':
    case 'pause':
    case 'resume':
    case 'step':
      return c.op;
  }
}

const KIND_OF: Partial<Record<LabCommand['op'], MarkerKind>> = {
  partition: 'partition',
  heal: 'heal',
  'nemesis-stop': 'heal',
  kill: 'fault',
  stop: 'fault',
  freeze: 'fault',
  'link-faults': 'fault',
  'clock-skew': 'fault',
  nemesis: 'fault',
  revive: 'recover',
  thaw: 'recover',
  honest: 'recover',
  liar: 'attack',
  sybil: 'attack',
  'set-params': 'params',
  'add-nodes': 'params',
  speed: 'params',
};

/** The chart markers of the command events (pause, resume and step are not marked). */
export function markersOf(events: readonly LabEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.type !== 'command') continue;
    const kind = KIND_OF[e.command.op];
    if (kind) out.push({ t: e.t, kind, label: markerLabel(e.command) });
  }
  return out;
}

/**
 * The newest phase's convergence, as the spread chart writes it: the same words as the CLI's
 * summary (src-shared/lab/describe.ts), for a run still going on.
 */
export function convergenceText(events: readonly LabEvent[]): string {
  const phases = convergencePhases(events);
  return describePhase(phases.at(-1)!, null);
}
