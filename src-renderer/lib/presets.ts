import type { LabCommandInput, PartitionKind } from '@shared/api/lab-api';

/** The partition presets the lab controls offer, with what each cuts (docs/lab.md). */
export const PARTITION_PRESETS: readonly {
  readonly kind: Exclude<PartitionKind, 'groups'>;
  readonly label: string;
  readonly title: string;
}[] = [
  { kind: 'partition-halves', label: 'Halves', title: 'the first ⌊n/2⌋ nodes against the rest' },
  {
    kind: 'partition-random-halves',
    label: 'Random halves',
    title: 'two halves after a seeded shuffle',
  },
  {
    kind: 'partition-random-node',
    label: 'Random node',
    title: 'one seeded node cut from everyone',
  },
  {
    kind: 'bridge',
    label: 'Bridge',
    title: 'halves, but the first node of the second half keeps every link',
  },
  {
    kind: 'majorities-ring',
    label: 'Majorities ring',
    title: 'every node sees a majority, no two see the same one (n ≥ 4)',
  },
  {
    kind: 'minority-third',
    label: 'Minority third',
    title: 'the first ⌊n/3⌋ nodes against the rest',
  },
];

export function partitionCommand(kind: Exclude<PartitionKind, 'groups'>): LabCommandInput {
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
