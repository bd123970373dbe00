import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabEvent, TickMetrics } from '../../src-shared/api/lab-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { RULES, type RuleName } from '../../src-shared/drift/rules';
import {
  encodeLine,
  metricsCsv,
  parseRecording,
  RecordingError,
  type RecordedState,
  type RecordedTick,
} from '../../src-shared/lab/recording';
import { exportMetricsCsv } from '../../src-main/cli/results-file';
import {
  GZIP_OVER,
  loadRecordingFile,
  MAX_BUFFERED,
  RecordingWriter,
  type RecordingHeaderFields,
} from '../../src-main/lab/recording-file';

/*
 * Recordings through a real folder: what is written loads back equal (NaN distances included),
 * plain or gzipped; a run cut off mid-line still loads; a newer format is refused; the CSV export
 * has the documented columns and never replaces a file unasked.
 */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-recording-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

const HEADER: RecordingHeaderFields = {
  startedAt: '2025-03-01T12:00:00.000Z',
  seed: 7,
  nodes: 4,
  topology: 'ring:2',
  cycleMs: 200,
  params: DEFAULT_PARAMS,
  edges: [
    [0, 1],
    [1, 2],
    [2, 3],
    [0, 3],
  ],
  scenario: 'converge',
  epsilon: 0.5,
};

function interventions(some: Partial<Record<RuleName, number>> = {}): Record<RuleName, number> {
  return { ...(Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>), ...some };
}

function metrics(t: number, nodes = 4): TickMetrics {
  return {
    t,
    cycle: t / 200,
    counted: nodes - 1,
    spread: 0.25 + t / 1e6,
    maxDistance: 0.5,
    mean: [50.5, 49.25],
    // Slot 1 is not counted (dead): NaN, which JSON writes as null.
    distances: Array.from({ length: nodes }, (_, i) => (i === 1 ? Number.NaN : i / 10)),
    groups: [{ mean: [50, 49], spread: 0.1 }],
    framesPerNodeS: 10,
    bytesPerNodeS: 600,
    interventions: interventions({ 'diff-clamp': 2 }),
  };
}

function states(nodes = 4): RecordedState[] {
  return Array.from(
    { length: nodes },
    (_, i) => [i, 12 + i, i === 1 ? [] : [50 + i / 3, 49 - i / 7]] as const,
  );
}

const EVENTS: LabEvent[] = [
  {
    t: 5000,
    type: 'command',
    command: { op: 'partition', partition: { kind: 'partition-halves' } },
  },
  {
    t: 6000,
    type: 'command',
    command: {
      op: 'link-faults',
      faults: { loss: 0.5, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 },
    },
  },
  { t: 7000, type: 'node', slot: 1, what: 'killed' },
  { t: 9000, type: 'converged', after: 'heal', since: 8000, epsilon: 0.5, cycles: 5, ms: 1000 },
  { t: 9200, type: 'unconverged', after: 'heal', since: 8000, epsilon: 0.5, spread: 0.75 },
  { t: 9400, type: 'converged', after: 'partition', since: 9300, cycles: 0, ms: 100 },
  { t: 9500, type: 'error', message: 'revive 99: no such slot' },
];

/** Writes the header, the events and `count` ticks (events interleaved), and closes. */
async function record(count: number, nodes = 4): Promise<{ path: string; ticks: RecordedTick[] }> {
  const writer = await RecordingWriter.create(dir, HEADER);
  const ticks: RecordedTick[] = [];
  for (let i = 0; i < count; i++) {
    const tick = { metrics: metrics(i * 200, nodes), states: states(nodes) };
    ticks.push(tick);
    writer.write({ type: 'tick', ...tick });
    const event = EVENTS[i];
    if (event) writer.write({ type: 'event', event });
  }
  expect(writer.dropped).toBe(0);
  return { path: await writer.close(), ticks };
}

describe('RecordingWriter and loadRecordingFile', () => {
  it('load back exactly what was written, NaN distances included', async () => {
    const { path, ticks } = await record(10);
    expect(path).toMatch(/recording-2\d{3}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.jsonl$/);
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')[0]).toContain('"format":"lvs-lab-recording","version":1');
    expect(text).toContain('"distances":[0,null,0.2,0.3]');

    const loaded = await loadRecordingFile(path);
    expect(loaded.header).toEqual({ format: 'lvs-lab-recording', version: 1, ...HEADER });
    expect(loaded.events).toEqual(EVENTS);
    expect(loaded.ticks).toEqual(ticks);
    expect(Number.isNaN(loaded.ticks[3].metrics.distances[1])).toBe(true);
    expect(loaded.notes).toEqual([]);
  });

  it('loads back the shard events of a lab with K > 1', async () => {
    // The events a K = 4, r = 3 lab notes (src-shared/lab/shard-tally.ts): shard 2 lost at
    // cycle 14; shard 1 short from cycle 12 and whole again at cycle 17, five cycles later.
    const sharded: LabEvent[] = [
      { t: 7000, type: 'node', slot: 1, what: 'killed' },
      { t: 7400, type: 'shard-lost', shard: 2, cycle: 14 },
      { t: 8400, type: 'shard-repaired', shard: 1, cycle: 17, cycles: 5 },
    ];
    const header = {
      ...HEADER,
      params: { ...DEFAULT_PARAMS, dimensions: 4, shards: 4, replication: 3 },
    };
    const writer = await RecordingWriter.create(dir, header);
    const tick = { metrics: metrics(0), states: states() };
    writer.write({ type: 'tick', ...tick });
    for (const event of sharded) writer.write({ type: 'event', event });
    const path = await writer.close();
    const loaded = await loadRecordingFile(path);
    expect(loaded.header.params.shards).toBe(4);
    expect(loaded.events).toEqual(sharded);
    expect(loaded.ticks).toEqual([tick]);
  });

  it('keeps which slots a lab with capped nodes capped at its start', async () => {
    const header = {
      ...HEADER,
      params: { ...DEFAULT_PARAMS, dimensions: 8, shards: 4, replication: 3 },
      capped: { share: 0.5, shards: 1, slots: [1, 4, 6, 7] },
    };
    const writer = await RecordingWriter.create(dir, header);
    const path = await writer.close();
    const loaded = await loadRecordingFile(path);
    expect(loaded.header.capped).toEqual({ share: 0.5, shards: 1, slots: [1, 4, 6, 7] });
    // A share that is not one is refused with the rest of a damaged header.
    const text = (await readFile(path, 'utf8')).replace('"share":0.5', '"share":2');
    await writeFile(path, text);
    await expect(loadRecordingFile(path)).rejects.toThrow(/capped/);
  });

  it('refuses a shard event with a malformed field, naming the line', async () => {
    const path = join(dir, 'bad-shard.jsonl');
    const head = encodeLine({ format: 'lvs-lab-recording', version: 1, ...HEADER });
    const bad = encodeLine({
      type: 'event',
      event: { t: 1, type: 'shard-lost', shard: -1, cycle: 3 } as LabEvent,
    });
    await writeFile(path, `${head}\n${bad}\n`);
    await expect(loadRecordingFile(path)).rejects.toThrow(/bad-shard\.jsonl:2: .*shard/);
  });

  it('gzips a recording over 1 MB, and it loads back identically', async () => {
    // About 6 KB per tick with 100 nodes: 300 ticks are well over GZIP_OVER.
    const { path, ticks } = await record(300, 100);
    expect(path).toMatch(/\.jsonl\.gz$/);
    expect((await readdir(dir)).filter((f) => !f.endsWith('.gz'))).toEqual([]);
    const bytes = await readFile(path);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.length).toBeLessThan(GZIP_OVER);

    const loaded = await loadRecordingFile(path);
    expect(loaded.events).toEqual(EVENTS);
    expect(loaded.ticks).toEqual(ticks);
  });

  it('keeps a small recording plain', async () => {
    const { path } = await record(3);
    expect(path).toMatch(/\.jsonl$/);
    expect((await stat(path)).size).toBeLessThan(GZIP_OVER);
  });

  it('tells gzip by its magic bytes, not by the name', async () => {
    const { path, ticks } = await record(4);
    const text = await readFile(path);
    const gzAsPlain = join(dir, 'looks-plain.jsonl');
    const plainAsGz = join(dir, 'looks-gzipped.jsonl.gz');
    await writeFile(gzAsPlain, gzipSync(text));
    await writeFile(plainAsGz, text);
    expect((await loadRecordingFile(gzAsPlain)).ticks).toEqual(ticks);
    expect((await loadRecordingFile(plainAsGz)).ticks).toEqual(ticks);
  });

  it('never replaces an existing recording, even one started in the same millisecond', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:00:00.000Z'));
    const a = await record(1);
    const b = await record(1);
    const c = await record(1);
    expect(new Set([a.path, b.path, c.path]).size).toBe(3);
    expect(b.path).toMatch(/recording-2025-03-01T12-00-00-000Z-1\.jsonl$/);
    expect((await readdir(dir)).length).toBe(3);
  });

  it('drops tick lines, never event lines, while over 8 MB wait for the disk', async () => {
    const writer = await RecordingWriter.create(dir, HEADER);
    const tick = { metrics: metrics(0, 2000), states: states(2000) };
    const perLine = encodeLine({ type: 'tick', ...tick }).length;
    const lines = Math.ceil((2 * MAX_BUFFERED) / perLine);
    // Written synchronously, so nothing drains in between.
    for (let i = 0; i < lines; i++) writer.write({ type: 'tick', ...tick });
    for (const event of EVENTS) writer.write({ type: 'event', event });
    expect(writer.dropped).toBeGreaterThan(0);
    const path = await writer.close();
    const loaded = await loadRecordingFile(path);
    expect(loaded.ticks.length).toBe(lines - writer.dropped);
    expect(loaded.events).toEqual(EVENTS);
  });

  it('says in one line when there is no recording', async () => {
    await expect(loadRecordingFile(join(dir, 'none.jsonl'))).rejects.toThrow(
      `no recording at ${join(dir, 'none.jsonl')}`,
    );
  });
});

describe('reading damaged or foreign recordings', () => {
  it('drops a last line cut short with a note', async () => {
    const { path, ticks } = await record(5);
    await appendFile(path, '{"type":"tick","metrics":{"t":1000,"cyc');
    const loaded = await loadRecordingFile(path);
    expect(loaded.ticks).toEqual(ticks);
    expect(loaded.events).toEqual(EVENTS.slice(0, 5));
    expect(loaded.notes).toHaveLength(1);
    expect(loaded.notes[0]).toMatch(/:12: last line cut short .*dropped$/);
  });

  it('fails on a bad line that is not the last, naming file and line', async () => {
    const { path } = await record(3);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = '{"type":"tick","metrics":{"t":1000,"cyc';
    await writeFile(path, lines.join('\n'));
    await expect(loadRecordingFile(path)).rejects.toThrow(`${path}:3: not valid JSON: `);

    lines[2] = '{"type":"tock"}';
    await writeFile(path, lines.join('\n'));
    await expect(loadRecordingFile(path)).rejects.toThrow(
      `${path}:3: type: type must be event or tick`,
    );
  });

  it('re-checks recorded commands against the lab API', () => {
    const header = encodeLine({ format: 'lvs-lab-recording', version: 1, ...HEADER });
    const bad = JSON.stringify({
      type: 'event',
      event: { t: 1, type: 'command', command: { op: 'kill', nodes: [] } },
    });
    expect(() => parseRecording(`${header}\n${bad}\n`, 'r.jsonl')).toThrow(
      'r.jsonl:2: event.command.nodes: name at least one node',
    );
  });

  it('refuses a recording from a newer LVS Node in one line', async () => {
    const path = join(dir, 'future.jsonl');
    await writeFile(
      path,
      JSON.stringify({ format: 'lvs-lab-recording', version: 2, something: 'new' }) + '\n',
    );
    const error = await loadRecordingFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordingError);
    expect((error as Error).message).toBe(
      `${path}:1: recording version 2 was written by a newer LVS Node (this one reads version 1)`,
    );
  });

  it('refuses a file that is not a recording', () => {
    expect(() => parseRecording('{"hello":1}\n', 'x.jsonl')).toThrow(
      'x.jsonl:1: not an LVS lab recording',
    );
    expect(() => parseRecording('', 'x.jsonl')).toThrow('x.jsonl: empty file');
    const header = { format: 'lvs-lab-recording', version: 1, ...HEADER };
    expect(() =>
      parseRecording(JSON.stringify({ ...header, params: { beta: 3 } }) + '\n', 'x.jsonl'),
    ).toThrow('x.jsonl:1: header: params: beta must be in (0, 1] (got 3)');
  });
});

describe('metrics CSV', () => {
  it('has the documented columns and a hand-checked row', () => {
    const tick = { metrics: metrics(1000), states: states() };
    const csv = metricsCsv([tick, { ...tick, metrics: { ...tick.metrics, spread: Number.NaN } }]);
    const [header, row, nanRow, end] = csv.split('\n');
    expect(header).toBe(
      't_ms,cycle,counted,spread,max_distance,mean_0,mean_1,frames_per_node_s,bytes_per_node_s,' +
        'finite-state,vu-nonnegative,drift-clamp,diff-clamp,anomaly-bound,catastrophic-loss,' +
        'drain-detection,weight-bound,recovery-enter,recovery-exit',
    );
    expect(row).toBe('1000,5,3,0.251,0.5,50.5,49.25,10,600,0,0,0,2,0,0,0,0,0,0');
    // Not measured: an empty cell.
    expect(nanRow).toBe('1000,5,3,,0.5,50.5,49.25,10,600,0,0,0,2,0,0,0,0,0,0');
    expect(end).toBe('');
    expect(metricsCsv([])).toBe(header.replace(',mean_0,mean_1', '') + '\n');
  });

  it('exports atomically and replaces a file only with force', async () => {
    const { path } = await record(3);
    const recording = await loadRecordingFile(path);
    const out = join(dir, 'metrics.csv');
    await exportMetricsCsv(recording, out, false);
    const csv = await readFile(out, 'utf8');
    expect(csv).toBe(metricsCsv(recording.ticks));
    expect(csv.split('\n')).toHaveLength(3 + 2);

    await writeFile(out, 'keep me');
    await expect(exportMetricsCsv(recording, out, false)).rejects.toThrow(
      `${out} exists; refusing to overwrite it (add --force to replace it)`,
    );
    expect(await readFile(out, 'utf8')).toBe('keep me');
    await exportMetricsCsv(recording, out, true);
    expect(await readFile(out, 'utf8')).toBe(csv);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
