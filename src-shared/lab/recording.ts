import { z } from 'zod';
import {
  labCommand,
  type CappedSlots,
  type LabEvent,
  type NodeSample,
  type TickMetrics,
} from '../api/lab-api';
import { reasonOf } from '../api/node-api';
import { ParamError, resolveParams, type DriftParams } from '../drift/params';
import { RULES, type RuleName } from '../drift/rules';
import { errorMessage } from '../error-message';

/*
 * A lab recording: JSON lines, written as the lab runs so that a run killed half-way still
 * leaves everything up to its last complete line.
 *
 *   line 1   { "format": "lvs-lab-recording", "version": 1, "startedAt": ISO, "seed", "nodes",
 *              "topology", "cycleMs", "params", "edges": [[a, b], ...], "scenario"?: name,
 *              "epsilon"?: the convergence measure's }
 *   then     { "type": "event", "event": LabEvent }            (a command event carries it)
 *            { "type": "tick", "metrics": TickMetrics, "states": [[slot, cycle, [S...]], ...] }
 *
 * Numbers: JSON has no NaN or Infinity, and JSON.stringify writes them as null. Metrics use NaN
 * for "not measured" (a node's distance while it is not counted, a spread over no nodes), so
 * reading turns null back into NaN in the metrics' real-valued fields (distances, spread,
 * maxDistance, mean, the groups, the rates). An Infinity would therefore come back as NaN; the
 * lab never reports one. Everything else (t, cycle, counted, interventions, states) must be a
 * finite number.
 */

export const RECORDING_FORMAT = 'lvs-lab-recording';
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  /** ISO 8601 time the lab started; events' and ticks' t are ms since then. */
  readonly startedAt: string;
  readonly seed: number;
  readonly nodes: number;
  readonly topology: string;
  readonly cycleMs: number;
  readonly params: DriftParams;
  /** The topology's links by slot, each once. */
  readonly edges: readonly (readonly [number, number])[];
  /** The scenario's name, when the lab ran one. */
  readonly scenario?: string;
  /** The spread under which the lab counted as converged (absent in older recordings). */
  readonly epsilon?: number;
  /**
   * The slots that were browser nodes at the start (absent: none); the lab's add-nodes commands
   * say which it added later.
   */
  readonly browsers?: readonly number[];
  /**
   * A lab with capped nodes: the share, the cap, and the slots capped at the start (absent: none
   * capped). A slot added later is capped by the same seeded draw (src-shared/lab/capped-slots.ts).
   */
  readonly capped?: CappedSlots;
}

/** One node's state at a tick: [slot, cycle, S]. */
export type RecordedState = readonly [number, number, readonly number[]];

export type RecordingLine =
  | { readonly type: 'event'; readonly event: LabEvent }
  | {
      readonly type: 'tick';
      readonly metrics: TickMetrics;
      readonly states: readonly RecordedState[];
    };

export interface RecordedTick {
  readonly metrics: TickMetrics;
  readonly states: readonly RecordedState[];
}

export interface Recording {
  readonly header: RecordingHeader;
  readonly events: readonly LabEvent[];
  readonly ticks: readonly RecordedTick[];
  /** What reading tolerated, one line each (a truncated last line). */
  readonly notes: readonly string[];
}

/** The states worth recording from a tick's samples: every node that has a state. */
export function statesOf(samples: readonly NodeSample[]): RecordedState[] {
  return samples.filter((s) => s.S.length > 0).map((s) => [s.slot, s.cycle, s.S] as const);
}

/** One line of the file, without its newline. Non-finite numbers become null (see above). */
export function encodeLine(line: RecordingHeader | RecordingLine): string {
  return JSON.stringify(line);
}

// ---------------------------------------------------------------- reading

const finite = z.number();
const count = z.number().int().min(0);
/** A real-valued metric: null (how JSON.stringify writes NaN) reads back as NaN. */
const real = z.union([z.number(), z.null()]).transform((v) => v ?? Number.NaN);
const interventions = z.strictObject(
  Object.fromEntries(RULES.map((r) => [r, count])) as Record<RuleName, typeof count>,
);

const params = z.unknown().transform((value, ctx): DriftParams => {
  try {
    return resolveParams(value);
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message });
    return z.NEVER;
  }
});

const headerSchema = z.strictObject({
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  startedAt: z.iso.datetime({ offset: true }),
  seed: count,
  nodes: count,
  topology: z.string(),
  cycleMs: finite.positive(),
  params,
  edges: z.array(z.tuple([count, count])),
  scenario: z.string().optional(),
  epsilon: finite.positive().optional(),
  browsers: z.array(count).optional(),
  capped: z
    .strictObject({ share: finite.min(0).max(1), shards: count, slots: z.array(count) })
    .optional(),
});

const eventSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ t: finite, type: z.literal('command'), command: labCommand }),
    z.strictObject({
      t: finite,
      type: z.literal('converged'),
      after: z.enum(['start', 'partition', 'heal']),
      since: finite,
      epsilon: finite.positive().optional(),
      cycles: finite,
      ms: finite,
    }),
    z.strictObject({
      t: finite,
      type: z.literal('unconverged'),
      after: z.enum(['start', 'partition', 'heal']),
      since: finite,
      epsilon: finite.positive(),
      spread: real,
    }),
    z.strictObject({
      t: finite,
      type: z.literal('started'),
      nodes: count,
      links: count,
      ms: finite,
    }),
    z.strictObject({ t: finite, type: z.literal('node'), slot: count, what: z.string() }),
    z.strictObject({
      t: finite,
      type: z.literal('pace'),
      pace: z.strictObject({
        askedPerS: finite,
        achievedPerS: finite,
        behind: z.boolean(),
        nodes: count,
      }),
    }),
    z.strictObject({ t: finite, type: z.literal('error'), message: z.string() }),
    // K > 1 (docs/shards.md, "In the lab"): a lab with shards writes these as it runs.
    z.strictObject({ t: finite, type: z.literal('shard-lost'), shard: count, cycle: count }),
    z.strictObject({
      t: finite,
      type: z.literal('shard-repaired'),
      shard: count,
      cycle: count,
      cycles: count,
    }),
  ],
  {
    error:
      'event type must be one of command, converged, unconverged, started, node, pace, error, shard-lost, shard-repaired',
  },
);

const metricsSchema = z.strictObject({
  t: finite,
  cycle: finite,
  counted: count,
  spread: real,
  maxDistance: real,
  mean: z.array(real),
  distances: z.array(real),
  groups: z.array(z.strictObject({ mean: z.array(real), spread: real })),
  framesPerNodeS: real,
  bytesPerNodeS: real,
  interventions,
});

const lineSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('event'), event: eventSchema }),
    z.strictObject({
      type: z.literal('tick'),
      metrics: metricsSchema,
      states: z.array(z.tuple([count, finite, z.array(finite)])),
    }),
  ],
  { error: 'type must be event or tick' },
);

/** A recording that cannot be read; the message is one line. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function checkHeader(value: unknown, source: string): RecordingHeader {
  const at = `${source}:1`;
  const v = value as { format?: unknown; version?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.format !== RECORDING_FORMAT)
    throw new RecordingError(
      `${at}: not an LVS lab recording (no "format": "${RECORDING_FORMAT}")`,
    );
  if (typeof v.version === 'number' && v.version > RECORDING_VERSION)
    throw new RecordingError(
      `${at}: recording version ${v.version} was written by a newer LVS Node (this one reads version ${RECORDING_VERSION})`,
    );
  const r = headerSchema.safeParse(value);
  if (!r.success) throw new RecordingError(`${at}: header: ${oneLine(reasonOf(r.error))}`);
  return r.data;
}

/**
 * Reads a recording's text. A last line cut short (a run killed in mid-write: no newline after
 * it and not valid JSON) is dropped with a note; any other bad line fails with a RecordingError
 * `source:line: problem`.
 */
export function parseRecording(text: string, source: string): Recording {
  const lines = text.split('\n');
  // A file that ends in a newline (every complete one does) leaves an empty last element.
  const unterminated = lines.at(-1) !== '';
  if (!unterminated) lines.pop();
  const notes: string[] = [];
  const events: LabEvent[] = [];
  const ticks: RecordedTick[] = [];
  let header: RecordingHeader | null = null;
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    const last = i === lines.length - 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      if (last && unterminated) continue;
      throw new RecordingError(`${source}:${n}: empty line`);
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (last && unterminated && header) {
        notes.push(
          `${source}:${n}: last line cut short (${line.length} characters, the run was likely stopped mid-write); dropped`,
        );
        break;
      }
      throw new RecordingError(`${source}:${n}: not valid JSON: ${oneLine(errorMessage(e))}`);
    }
    if (!header) {
      header = checkHeader(value, source);
      continue;
    }
    const r = lineSchema.safeParse(value);
    if (!r.success) throw new RecordingError(`${source}:${n}: ${oneLine(reasonOf(r.error))}`);
    if (r.data.type === 'event') events.push(r.data.event);
    else ticks.push({ metrics: r.data.metrics, states: r.data.states });
  }
  if (!header) throw new RecordingError(`${source}: empty file, not an LVS lab recording`);
  return { header, events, ticks, notes };
}

// ---------------------------------------------------------------- CSV export

/** Quotes a cell only when it must: a comma, a quote or a line break. */
function cell(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Per-tick metrics as CSV, one row per tick: t_ms, cycle, counted, spread, max_distance,
 * mean_0 .. mean_{d-1}, frames_per_node_s, bytes_per_node_s, then one column per VaultGuard rule.
 * Names follow `lvs sim --out x.csv`. A number that is not finite (NaN: not measured) is an
 * empty cell; d is the longest mean in the ticks (a tick with no counted node has none).
 */
export function metricsCsv(ticks: readonly RecordedTick[]): string {
  const d = ticks.reduce((m, { metrics }) => Math.max(m, metrics.mean.length), 0);
  const header = [
    't_ms',
    'cycle',
    'counted',
    'spread',
    'max_distance',
    ...Array.from({ length: d }, (_, c) => `mean_${c}`),
    'frames_per_node_s',
    'bytes_per_node_s',
    ...RULES,
  ];
  const rows = ticks.map(({ metrics: m }) =>
    [
      m.t,
      m.cycle,
      m.counted,
      m.spread,
      m.maxDistance,
      ...Array.from({ length: d }, (_, c) => m.mean[c] ?? Number.NaN),
      m.framesPerNodeS,
      m.bytesPerNodeS,
      ...RULES.map((r) => m.interventions[r]),
    ]
      .map(cell)
      .join(','),
  );
  return [header.map(cell).join(','), ...rows].join('\n') + '\n';
}
