import type { LabEvent } from '@shared/api/lab-api';
import { convergencePhases } from '@shared/lab/convergence';
import { commandKind, commandLabel, describePhase, type CommandKind } from '@shared/lab/describe';

/** What a command marker on the charts stands for (its colour). */
export type MarkerKind = CommandKind;

export interface Marker {
  readonly t: number;
  readonly kind: MarkerKind;
  readonly label: string;
}

/**
 * A command in a few words for a chart marker: "partition-halves", "kill 3", "loss 0.2". The
 * words and the marker's kind are the command's own (src-shared/lab/describe.ts).
 */
export const markerLabel = commandLabel;

/** The chart markers of the command events (pause, resume and step are not marked). */
export function markersOf(events: readonly LabEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.type !== 'command') continue;
    const kind = commandKind(e.command);
    if (kind) out.push({ t: e.t, kind, label: commandLabel(e.command) });
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
