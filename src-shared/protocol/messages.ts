import { z } from 'zod';
import { accept, refuse, type Checked } from '../checked';
import { NUMERIC_PARAMS } from '../drift/params';
import { shardRanges } from '../drift/shard-rule';

/*
 * The drift protocol's messages (docs/model.md, "Messages") as plain data, with the checks every
 * frame must pass before it touches state. The wire codec (framing, protobuf) lives with the
 * transport; these schemas are what a decoded frame is held to.
 */

export const PROTOCOL_ID = '/lvs/drift/1.0.0';
export const PROTOCOL_VERSION = 1;

const dims = NUMERIC_PARAMS.dimensions;

/** Sent once when a stream opens. A peer with another d is refused, with the reason. */
export interface Hello {
  readonly kind: 'hello';
  readonly version: number;
  readonly dimensions: number;
  readonly cycleMs: number;
  /**
   * K, the shards the state is split into (docs/shards.md). Absent or 0 on the wire: 1, so a
   * K = 1 HELLO is byte for byte the one before shards. A peer with another K is refused.
   */
  readonly shards?: number;
  /** The shards the sender holds when the stream opens (K > 1 only; its SDMs say it after). */
  readonly holds?: readonly number[];
  /**
   * The most shards the sender will hold, 1..K (docs/shards.md, "Capacity"): sent only when
   * K > 1 and it is below K. Absent: K, no cap of its own.
   */
  readonly maxShards?: number;
}

/** Entropy packet. */
export interface EntropyPacket {
  readonly kind: 'ep';
  /** The applied entropy F (docs/model.md, "One cycle", step 9): every component in [-1, 1]. */
  readonly entropy: readonly number[];
  /** Sender's wall clock, ms since the epoch. */
  readonly timestamp: number;
  readonly load: number;
}

/** State diff message: the sender's state for one shard, its claimed weight, its cycle. */
export interface StateDiffMessage {
  readonly kind: 'sdm';
  readonly shard: number;
  readonly state: readonly number[];
  readonly weight: number;
  readonly cycle: number;
}

export type DriftMessage = Hello | EntropyPacket | StateDiffMessage;

// zod 4 numbers already refuse NaN and the infinities; the message says so in our words.
const finite = z.number({ error: 'must be a finite number' });
/** A finite number in [min, max], with a message that gives the range. */
const within = (min: number, max: number) =>
  z
    .number({ error: `must be a finite number in [${min}, ${max}]` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
const nonNegative = z
  .number({ error: 'must be a finite number' })
  .min(0, { error: 'must not be negative' });
const vector = (d: number) =>
  z.array(finite).length(d, { error: `must have exactly ${d} components (the dimension)` });

const helloSchema = z
  .strictObject({
    kind: z.literal('hello'),
    version: z.number().int().min(1).max(1_000),
    dimensions: z.number().int().min(dims.min).max(dims.max),
    cycleMs: z.number().int().min(10).max(3_600_000),
    shards: z.number().int().min(0).max(dims.max).optional(),
    holds: z
      .array(
        z
          .number()
          .int()
          .min(0)
          .max(dims.max - 1),
      )
      .max(dims.max)
      .optional(),
    maxShards: z.number().int().min(0).max(dims.max).optional(),
  })
  .refine(
    (h) =>
      (h.holds ?? []).every((k, i, all) => k < Math.max(1, h.shards ?? 1) && all.indexOf(k) === i),
    {
      // The path ('holds') starts the reason: the message must not repeat it.
      error: 'must name distinct shards below shards',
      path: ['holds'],
    },
  )
  .superRefine((h, ctx) => {
    const K = Math.max(1, h.shards ?? 1);
    if (h.maxShards !== undefined && (h.maxShards < 1 || h.maxShards > K))
      ctx.addIssue({
        code: 'custom',
        // The path ('maxShards') starts the reason, as for holds.
        message: `must be in 1..${K}, the shards the state is split into (got ${h.maxShards})`,
        path: ['maxShards'],
      });
  });

function epSchema(d: number) {
  return z.strictObject({
    kind: z.literal('ep'),
    // The applied entropy F = E / max(1, |E|) * (1 - load) lies in the unit ball.
    entropy: z
      .array(within(-1, 1))
      .length(d, { error: `must have exactly ${d} components (the dimension)` }),
    timestamp: nonNegative,
    load: within(0, 1),
  });
}

function sdmSchema(d: number) {
  return z.strictObject({
    kind: z.literal('sdm'),
    shard: z.number().int().min(0).max(0, { error: 'must be 0 (the whole vector is one shard)' }),
    state: vector(d).refine((s) => s.every((x) => x >= 0), {
      error: 'must have no negative component',
    }),
    weight: nonNegative,
    cycle: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  });
}

/**
 * K > 1: an SDM carries one shard, its index below K and exactly that shard's width of
 * components (docs/shards.md). K = 1 keeps sdmSchema, so its frames are held to the same checks.
 */
function shardSdmSchema(d: number, K: number) {
  const widths = shardRanges(d, K).map((r) => r.width);
  return z
    .strictObject({
      kind: z.literal('sdm'),
      shard: z
        .number()
        .int()
        .min(0)
        .max(K - 1, { error: `must be a shard below ${K}` }),
      state: z
        .array(finite)
        .max(d)
        .refine((s) => s.every((x) => x >= 0), { error: 'must have no negative component' }),
      weight: nonNegative,
      cycle: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    })
    .refine((m) => m.state.length === widths[m.shard], {
      error: "must have exactly its shard's width of components",
      path: ['state'],
    });
}

type SdmSchema = ReturnType<typeof sdmSchema> | ReturnType<typeof shardSdmSchema>;

/**
 * Schemas are built once per dimension (and K): building one costs a hundred times checking with
 * it. Bounded: d and K are at most the largest dimension, and a node uses one pair.
 */
const schemas = new Map<string, { ep: ReturnType<typeof epSchema>; sdm: SdmSchema }>();
function schemasFor(d: number, K: number) {
  const key = `${d}/${K}`;
  let s = schemas.get(key);
  if (!s) {
    if (schemas.size >= 64) schemas.clear();
    s = { ep: epSchema(d), sdm: K === 1 ? sdmSchema(d) : shardSdmSchema(d, K) };
    schemas.set(key, s);
  }
  return s;
}

export type Verdict<T> = Checked<T>;

function verdict<T>(result: z.ZodSafeParseResult<T>): Verdict<T> {
  if (result.success) return accept(result.data);
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'frame';
  return refuse(`${where} ${issue?.message ?? 'is malformed'}`);
}

/** Checks a decoded HELLO. */
export function checkHello(value: unknown): Verdict<Hello> {
  return verdict(helloSchema.safeParse(value));
}

/**
 * Checks a decoded EP or SDM against the receiver's dimension. The reason, when it fails, is
 * one line naming the field and what was wrong, for the log and the monitor.
 */
export function checkDriftMessage(
  value: unknown,
  d: number,
  K = 1,
): Verdict<EntropyPacket | StateDiffMessage> {
  const kind =
    typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind === 'ep') return verdict(schemasFor(d, K).ep.safeParse(value));
  if (kind === 'sdm')
    return verdict(
      (schemasFor(d, K).sdm as ReturnType<typeof sdmSchema>).safeParse(value),
    ) as Verdict<StateDiffMessage>;
  return refuse(`kind must be "ep" or "sdm" (got ${JSON.stringify(kind) ?? 'nothing'})`);
}

/** Why two nodes cannot talk, or null if they can. */
export function helloMismatch(mine: Hello, theirs: Hello): string | null {
  if (theirs.version !== mine.version)
    return `protocol version ${theirs.version} is not ours (${mine.version})`;
  if (theirs.dimensions !== mine.dimensions)
    return `peer has dimension ${theirs.dimensions}, this node has ${mine.dimensions}`;
  if (shardCount(theirs) !== shardCount(mine))
    return `peer splits the state into ${shardCount(theirs)} shard(s), this node into ${shardCount(mine)}`;
  return null;
}

/** K of a HELLO: absent or 0 (a HELLO from before shards, or K = 1) is one shard. */
export function shardCount(h: Hello): number {
  return Math.max(1, h.shards ?? 1);
}
