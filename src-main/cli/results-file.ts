import { existsSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { RULES } from '../../src-shared/drift/rules';
import { metricsCsv as recordingCsv, type Recording } from '../../src-shared/lab/recording';
import type { CycleMetrics } from '../../src-shared/sim/simulator';
import { writeAtomically } from '../runtime/atomic-write';
import { UsageError } from './errors';

export type ResultsFormat = 'csv' | 'json';

/** The format an --out path asks for, checked before a run starts so that no run is wasted. */
export function resultsFormat(path: string, force: boolean): ResultsFormat {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.json')
    throw new UsageError(`--out must end in .csv or .json (got "${path}")`);
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new UsageError(`--out ${path}: folder ${folder} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new UsageError(`--out ${path} is a folder; give a file name ending in .csv or .json`);
  if (existsSync(path) && !force)
    throw new UsageError(
      `--out ${path} exists; refusing to overwrite it (add --force to replace it)`,
    );
  return ext === '.csv' ? 'csv' : 'json';
}

/** The shard columns of a run with shards or churn, after the interventions. */
const SHARD_COLUMNS = [
  'left',
  'low_point',
  'gaps_opened',
  'gaps',
  'deficits',
  'adopted',
  'repaired',
  'repair_cycles_max',
  'lost',
  'shards_per_node',
] as const;

function shardCells(m: CycleMetrics, K: number): (number | string)[] {
  const s = m.shards;
  if (!s) return [];
  const perShard = (xs: readonly number[]) => Array.from({ length: K }, (_, k) => xs[k] ?? '');
  return [
    s.left,
    s.lowPoint,
    s.gapsOpened,
    s.gaps,
    s.deficits,
    s.adopted,
    s.repaired,
    s.repairCyclesMax ?? '',
    s.lost.join(' '),
    s.shardsPerNode,
    ...perShard(s.holdersMin),
    ...perShard(s.holdersMedian),
  ];
}

/**
 * One row per cycle: spread, diameter, wander, mean and std per coordinate, interventions, and
 * in runs with shards or churn the shard measures (docs/shards.md), per shard last.
 */
export function metricsCsv(metrics: readonly CycleMetrics[], d: number, K = 1): string {
  const coords = (prefix: string) => Array.from({ length: d }, (_, c) => `${prefix}${c}`);
  const shardHeader = metrics[0]?.shards
    ? [
        ...SHARD_COLUMNS,
        ...Array.from({ length: K }, (_, k) => `holders_min_${k}`),
        ...Array.from({ length: K }, (_, k) => `holders_median_${k}`),
      ]
    : [];
  const header = [
    'cycle',
    'spread',
    'max_distance',
    'wander',
    ...coords('mean_'),
    ...coords('std_'),
    ...RULES,
    ...shardHeader,
  ];
  const rows = metrics.map((m) =>
    [
      m.cycle,
      m.spread,
      m.maxDistance,
      m.wander,
      ...m.mean,
      ...m.std,
      ...RULES.map((r) => m.interventions[r]),
      ...shardCells(m, K),
    ].join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

/**
 * Writes a recording's per-tick metrics as CSV (src-shared/lab/recording.ts, metricsCsv). An
 * existing file is replaced only when `force` is set; the write is atomic either way.
 */
export async function exportMetricsCsv(
  recording: Recording,
  outPath: string,
  force: boolean,
): Promise<void> {
  if (existsSync(outPath) && !force)
    throw new UsageError(`${outPath} exists; refusing to overwrite it (add --force to replace it)`);
  await writeAtomically(outPath, recordingCsv(recording.ticks));
}
