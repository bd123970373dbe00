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

/** One row per cycle: spread, diameter, wander, mean and std per coordinate, interventions. */
export function metricsCsv(metrics: readonly CycleMetrics[], d: number): string {
  const coords = (prefix: string) => Array.from({ length: d }, (_, c) => `${prefix}${c}`);
  const header = [
    'cycle',
    'spread',
    'max_distance',
    'wander',
    ...coords('mean_'),
    ...coords('std_'),
    ...RULES,
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
