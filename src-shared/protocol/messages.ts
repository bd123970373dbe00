import { z } from 'zod';
import { accept, refuse, type Checked } from '../checked';
import { NUMERIC_PARAMS } from '../drift/params';

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

const helloSchema = z.strictObject({
  kind: z.literal('hello'),
  version: z.number().int().min(1).max(1_000),
  dimensions: z.number().int().min(dims.min).max(dims.max),
  cycleMs: z.number().int().min(10).max(3_600_000),
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

/** Schemas are built once per dimension: building one costs a hundred times checking with it. */
const schemas = new Map<
  number,
  { ep: ReturnType<typeof epSchema>; sdm: ReturnType<typeof sdmSchema> }
>();
function schemasFor(d: number) {
  let s = schemas.get(d);
  if (!s) {
    s = { ep: epSchema(d), sdm: sdmSchema(d) };
    schemas.set(d, s);
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
): Verdict<EntropyPacket | StateDiffMessage> {
  const kind =
    typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind === 'ep') return verdict(schemasFor(d).ep.safeParse(value));
  if (kind === 'sdm') return verdict(schemasFor(d).sdm.safeParse(value));
  return refuse(`kind must be "ep" or "sdm" (got ${JSON.stringify(kind) ?? 'nothing'})`);
}

/** Why two nodes cannot talk, or null if they can. */
export function helloMismatch(mine: Hello, theirs: Hello): string | null {
  if (theirs.version !== mine.version)
    return `protocol version ${theirs.version} is not ours (${mine.version})`;
  if (theirs.dimensions !== mine.dimensions)
    return `peer has dimension ${theirs.dimensions}, this node has ${mine.dimensions}`;
  return null;
}
