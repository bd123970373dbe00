import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

/** The machine a benchmark ran on, as one line for docs/benchmarks.md. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cpu}, ${cpus().length} cores, ${gib} GiB, Node ${process.version}, ${process.platform}-${process.arch}`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const BENCHMARKS = join(import.meta.dirname, '..', '..', 'docs', 'benchmarks.md');

/**
 * Replaces one benchmark's section of docs/benchmarks.md (between its markers), leaving the
 * other benchmarks' sections as they are, and formats the file as the repository's Prettier
 * check expects (tables aligned).
 */
export async function writeSection(name: string, body: string): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const current = existsSync(BENCHMARKS)
    ? await readFile(BENCHMARKS, 'utf8')
    : '# Benchmarks\n\nFigures written by the `npm run bench:*` scripts; each section names the machine it ran on.\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + section + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  const options = (await resolveConfig(BENCHMARKS)) ?? {};
  await writeFile(BENCHMARKS, await format(next, { ...options, filepath: BENCHMARKS }), 'utf8');
}
