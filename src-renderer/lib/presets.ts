import type { LabCommandInput } from '@shared/api/lab-api';
import { PARTITION_PRESETS, PRESET_KINDS, type PresetKind } from '@shared/lab/partitions';

/**
 * The lab controls' partition buttons: one per preset of src-shared/lab/partitions.ts, in its
 * order, so a new preset gets its button without an edit here.
 */
export const PRESET_BUTTONS: readonly {
  readonly kind: PresetKind;
  readonly label: string;
  readonly title: string;
}[] = PRESET_KINDS.map((kind) => {
  const { label, title } = PARTITION_PRESETS[kind];
  return { kind, label, title };
});

export function partitionCommand(kind: PresetKind): LabCommandInput {
  return { op: 'partition', partition: { kind } };
}

/**
 * "Partition the selected set": the selected nodes in one group and every other node of the lab
 * in the other. A one-line reason when that is not a partition.
 */
export function selectedVsRest(
  selected: Iterable<number>,
  slots: readonly number[],
): { ok: true; command: LabCommandInput } | { ok: false; reason: string } {
  const chosen = new Set(selected);
  const inLab = slots.filter((s) => chosen.has(s));
  const rest = slots.filter((s) => !chosen.has(s));
  if (inLab.length === 0) return { ok: false, reason: 'select some nodes first' };
  if (rest.length === 0)
    return { ok: false, reason: 'every node is selected: leave some out for the other side' };
  return {
    ok: true,
    command: { op: 'partition', partition: { kind: 'groups', groups: [inLab, rest] } },
  };
}
