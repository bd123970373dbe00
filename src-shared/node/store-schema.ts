import { z } from 'zod';
import { DEFAULT_PARAMS, ParamError, resolveParams } from '../drift/params';
import { errorMessage } from '../error-message';
import type { VaultEvent } from '../drift/rules';

/**
 * The document a micro-node keeps in its data folder (`node.json`), and the checks a file must
 * pass before the node trusts it.
 *
 * Strict where a bad value would corrupt the drift state (S, D, earned, trust: finite numbers
 * in range, S and D as long as the configured dimensions), loose where a label changes between
 * releases (rule names, config keys this version does not know): those are kept as they are.
 * Size bounds are not a reason to reject a file; they are applied on load and on every write.
 */

/** The store format this version writes and reads. A file with a larger one is refused. */
export const STORE_FORMAT = 1;

/** How much of each growing section the store keeps; the oldest entries go first. */
export interface StoreLimits {
  /** States in `history`. */
  readonly history: number;
  /** VaultGuard events in `events`. */
  readonly events: number;
  /** Peer sessions in `trust`. */
  readonly trust: number;
  /** Keys in `counters`. */
  readonly counters: number;
  /** Entries in `addressBook` (tried first, then the most recently seen new ones). */
  readonly addressBook: number;
}

export const DEFAULT_LIMITS: StoreLimits = Object.freeze({
  history: 1000,
  events: 500,
  trust: 1024,
  counters: 256,
  // About 160 bytes each on disk, and node.json is rewritten with the state every 2 s: 256 keep
  // that to ~40 kB. Enough addresses to reconnect without a bootstrap (tried ones go first); the
  // rest are learned again from peers.
  addressBook: 256,
});

const isoTime = z.iso.datetime({ offset: true });
const nonNegative = z.number().min(0);

/**
 * The node's configuration. `params` are the drift parameters that differ from the defaults,
 * checked by `resolveParams` exactly as flags are; keys this version does not know are kept.
 */
const configSchema = z
  .looseObject({
    params: z.record(z.string(), z.unknown()),
    cycleMs: z.number().int().min(1).max(3_600_000).optional(),
    bootstrap: z.array(z.string().max(2048)).max(1024).optional(),
  })
  .superRefine((config, ctx) => {
    try {
      resolveParams(config.params);
    } catch (err) {
      if (!(err instanceof ParamError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['params'], message: err.message });
    }
  });

const stateSchema = z.object({
  /** The node's copy of the value state, in VU; every component >= 0. */
  S: z.array(nonNegative).min(1).max(64),
  /** The drift applied in the last cycle. */
  D: z.array(z.number()).max(64),
  earned: nonNegative,
  tcSelf: z.number().min(0).max(1),
  recovery: z.boolean(),
  cycle: z.number().int().min(0),
  /** K > 1: the shards held, ascending and distinct (absent: the whole state, K = 1). */
  holds: z
    .array(z.number().int().min(0).max(63))
    .max(64)
    .refine((h) => h.every((k, i) => i === 0 || k > h[i - 1]!), {
      error: 'must be ascending and distinct',
    })
    .optional(),
});

const historyEntrySchema = z.object({
  cycle: z.number().int().min(0),
  at: isoTime,
  S: z.array(nonNegative).max(64),
});

const eventSchema = z.object({
  at: isoTime,
  cycle: z.number().int().min(0),
  rule: z.string().min(1).max(64),
  peer: z.union([z.string().max(256), z.number()]).optional(),
  /** What was measured; null where it was not a finite number (the finite-state rule). */
  value: z.number().nullable(),
  limit: z.number().nullable(),
  reason: z.string().max(1000),
});

export const documentSchema = z
  .looseObject({
    format: z.literal(STORE_FORMAT),
    /** The version of LVS Node that wrote the file. */
    writtenBy: z.string().max(100),
    savedAt: isoTime,
    config: configSchema,
    state: stateSchema,
    /** Trust credit this node gives each peer session, in [0, 1]. */
    trust: z.record(z.string().min(1).max(256), z.number().min(0).max(1)),
    counters: z.record(z.string().min(1).max(128), nonNegative),
    history: z.array(historyEntrySchema),
    events: z.array(eventSchema),
    /**
     * The address book's snapshot (AddressBookSnapshot, src-shared/net/address-book.ts). Not
     * checked here on purpose: a damaged address book must never make the store call the whole
     * file damaged and set the drift state aside. AddressBook.fromJSON checks every entry on
     * load and drops what is bad; applyLimits bounds how many entries the file keeps.
     */
    addressBook: z.unknown().optional(),
  })
  .superRefine((doc, ctx) => {
    let d: number;
    try {
      d = resolveParams(doc.config.params).dimensions;
    } catch {
      return; // already reported under config.params
    }
    for (const key of ['S', 'D'] as const)
      if (doc.state[key].length !== d)
        ctx.addIssue({
          code: 'custom',
          path: ['state', key],
          message: `has ${doc.state[key].length} components, dimensions is ${d}`,
        });
  });

export type StoreDocument = z.infer<typeof documentSchema>;
export type StoreConfig = StoreDocument['config'];
export type StoreState = StoreDocument['state'];
export type HistoryEntry = StoreDocument['history'][number];
export type StoredEvent = StoreDocument['events'][number];

export interface FreshDocumentOptions {
  readonly appVersion: string;
  readonly now: Date;
  readonly config?: StoreConfig;
  /** The starting S; zeros of the configured dimensions if not given. */
  readonly S?: readonly number[];
}

/** The document of a node that starts with no store. */
export function freshDocument(opts: FreshDocumentOptions): StoreDocument {
  const config: StoreConfig = opts.config ?? { params: {} };
  let d: number = DEFAULT_PARAMS.dimensions;
  try {
    d = resolveParams(config.params).dimensions;
  } catch {
    // an invalid config is reported when the document is checked
  }
  return {
    format: STORE_FORMAT,
    writtenBy: opts.appVersion,
    savedAt: opts.now.toISOString(),
    config,
    state: {
      S: opts.S ? [...opts.S] : new Array<number>(d).fill(0),
      D: new Array<number>(d).fill(0),
      earned: 0,
      tcSelf: 1,
      recovery: false,
      cycle: 0,
    },
    trust: {},
    counters: {},
    history: [],
    events: [],
  };
}

/** Drops the oldest entries of every bounded section, in place. Returns how many went. */
export function applyLimits(doc: StoreDocument, limits: StoreLimits): number {
  let dropped = 0;
  if (doc.history.length > limits.history) {
    dropped += doc.history.length - limits.history;
    doc.history.splice(0, doc.history.length - limits.history);
  }
  if (doc.events.length > limits.events) {
    dropped += doc.events.length - limits.events;
    doc.events.splice(0, doc.events.length - limits.events);
  }
  // The address book lists its best entries first (see AddressBook.toJSON): keep the head.
  const book = doc.addressBook;
  if (typeof book === 'object' && book !== null && 'entries' in book) {
    const entries = (book as { entries: unknown }).entries;
    if (Array.isArray(entries) && entries.length > limits.addressBook) {
      dropped += entries.length - limits.addressBook;
      entries.splice(limits.addressBook);
    }
  }
  // Records keep insertion order (for keys that are not array indices): the first are the oldest.
  for (const [key, limit] of [
    ['trust', limits.trust],
    ['counters', limits.counters],
  ] as const) {
    const table = doc[key];
    const keys = Object.keys(table);
    if (keys.length > limit) {
      const next = Object.fromEntries(keys.slice(keys.length - limit).map((k) => [k, table[k]]));
      dropped += keys.length - limit;
      doc[key] = next;
    }
  }
  return dropped;
}

/** What a store file holds, as far as this version can tell. */
export type Inspection =
  | { readonly kind: 'ok'; readonly doc: StoreDocument }
  /** `reason` completes "node.json ..." in one line: "did not parse (...)". */
  | { readonly kind: 'corrupt'; readonly reason: string }
  | { readonly kind: 'newer'; readonly format: number; readonly writtenBy?: string };

/** One printable line of at most `max` characters, whatever bytes a file held. */
export function oneLine(text: string, max = 160): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid document';
  const path = issue.path.map(String).join('.');
  return oneLine(path ? `${path}: ${issue.message}` : issue.message);
}

/** Checks the text of a store file without touching anything. */
export function inspectText(text: string): Inspection {
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  if (body.trim() === '') return { kind: 'corrupt', reason: 'did not parse (the file is empty)' };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    return {
      kind: 'corrupt',
      reason: `did not parse (${oneLine(errorMessage(err), 100)})`,
    };
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const { format, writtenBy } = raw as { format?: unknown; writtenBy?: unknown };
    if (typeof format === 'number' && Number.isInteger(format) && format > STORE_FORMAT)
      return {
        kind: 'newer',
        format,
        writtenBy: typeof writtenBy === 'string' ? oneLine(writtenBy, 40) : undefined,
      };
  }
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success)
    return { kind: 'corrupt', reason: `does not match the schema (${firstIssue(parsed.error)})` };
  return { kind: 'ok', doc: parsed.data };
}

/**
 * Checks a document before it is written; returns the first problem in one line, or null.
 * A document that would not load again is never written.
 */
export function checkDocument(doc: StoreDocument): string | null {
  const parsed = documentSchema.safeParse(doc);
  return parsed.success ? null : firstIssue(parsed.error);
}

/** A VaultGuard event as the store keeps it. */
export function storedEvent(e: VaultEvent, cycle: number, at: string): StoredEvent {
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    at,
    cycle,
    rule: e.rule,
    ...(e.peer === undefined ? {} : { peer: e.peer }),
    value: num(e.value),
    limit: num(e.limit),
    reason: e.reason,
  };
}

/**
 * The largest store this version reads or writes, on disk or in IndexedDB. At the default limits,
 * with every field at its longest (64 dimensions, 1024 bootstrap addresses of 2048 characters,
 * 1000 history states, 500 events with 1000-character reasons, 1024 trust entries, 256 counters
 * and address-book entries), a store is about 5 MB; real ones are tens of kB. A larger one is not
 * one this version wrote: it is set aside like a damaged one, without being read (reading it
 * whole would take its size in memory, and over about 512 MB fails as a string).
 */
export const MAX_STORE_BYTES = 16 * 2 ** 20;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Why a store larger than MAX_STORE_BYTES was set aside unread. */
export function tooLargeToRead(bytes: number): string {
  return `is ${mb(bytes)}, larger than any store LVS Node writes (at most ${mb(MAX_STORE_BYTES)}), so it was not read`;
}

/** Why a document that would be set aside at the next start is not saved. */
export function tooLargeToSave(where: string, bytes: number): string {
  return `refusing to save ${where}: ${mb(bytes)} is over the ${mb(MAX_STORE_BYTES)} a store may hold, and it would not load again`;
}

/** The UTF-8 size of a store's text (counted only when it could be over the limit). */
export function storeTextBytes(text: string): number {
  // A UTF-16 unit is at most 3 bytes of UTF-8: short texts need no encoding to be known small.
  return text.length * 3 <= MAX_STORE_BYTES ? text.length : new TextEncoder().encode(text).length;
}
