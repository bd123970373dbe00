import { z } from 'zod';
import type { ShardTick } from '../lab/shard-tally';
import { accept, refuse, type Checked } from '../checked';
import type { DriftParams } from '../drift/params';
import type { RuleName } from '../drift/rules';
import type { LabPace } from '../lab/pace';
import { PRESET_KINDS } from '../lab/partitions';
import { paramsPatch, reasonOf, type NodeStatus } from './node-api';

/*
 * The typed API of a lab (many real nodes on one machine) for whatever drives it: the monitor
 * over Electron IPC or a WebSocket, scenario files, `lvs lab`, tests. It follows the node API's
 * pattern: plain data, every request checked against its schema at each boundary, and then
 * checked against the lab as it is (checkAgainstLab) before anything changes.
 *
 * Nodes are named by slot: 0 .. nodes-1 in the order they were added. A slot keeps its number
 * through kill and revive (its session id changes: a revived node has a fresh transport key).
 */

/** Largest lab a request may ask for (memory: about 1.5 MB per node). */
export const MAX_LAB_NODES = 2000;
/**
 * Browser nodes a lab may hold: each is a Chromium tab of its own (a renderer process, its
 * node's Web Worker), far heavier than a Node.js node on a shared thread.
 */
export const MAX_LAB_BROWSERS = 32;

/** Nodes one add-nodes command may add. */
export const MAX_ADD_NODES = 500;

/**
 * Why `browsers` of a lab's `nodes` cannot be browser nodes, or null when they can: a browser
 * node cannot listen, so at least one Node.js node must be there to relay for it. The count's
 * own range (0..MAX_LAB_BROWSERS) is checked by each caller's schema or flag.
 */
export function tooManyBrowsers(browsers: number, nodes: number): string | null {
  return browsers < nodes
    ? null
    : `of the lab's ${nodes} nodes at least one must be a Node.js node, to relay for the browser nodes (give at most ${nodes - 1})`;
}
const slot = z
  .number({ error: 'a node is a slot number' })
  .int({ error: 'a node is a whole slot number' })
  .min(0, { error: 'a node is a slot number >= 0' })
  .max(MAX_LAB_NODES - 1);
/**
 * A list of nodes names each node once. A command carried out node by node would otherwise
 * half-run: the second `revive` of one node finds it running after the first has revived it,
 * and the command fails with the lab already changed.
 */
const slots = z
  .array(slot)
  .min(1, { error: 'name at least one node' })
  .max(MAX_LAB_NODES)
  .superRefine((list, ctx) => {
    const twice = firstRepeated(list);
    if (twice !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: `node ${twice} is named twice: name each node once`,
      });
  });
/** Links between two different nodes, each named once (either way round: a link has no direction). */
const links = z
  .array(z.tuple([slot, slot]))
  .min(1)
  .max(100_000)
  .superRefine((list, ctx) => {
    const loop = list.find(([a, b]) => a === b);
    if (loop)
      ctx.addIssue({
        code: 'custom',
        message: `link [${loop[0]}, ${loop[1]}] joins a node to itself: a link joins two different nodes`,
      });
    const twice = firstRepeated(
      list.map(([a, b]) => Math.min(a, b) * MAX_LAB_NODES + Math.max(a, b)),
    );
    if (twice !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: `link [${Math.floor(twice / MAX_LAB_NODES)}, ${twice % MAX_LAB_NODES}] is named twice: name each link once`,
      });
  });

/** The first value that appears a second time in `list`, or undefined. */
function firstRepeated(list: readonly number[]): number | undefined {
  const seen = new Set<number>();
  for (const x of list) {
    if (seen.has(x)) return x;
    seen.add(x);
  }
  return undefined;
}
const share = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, { error: `${what} must be in 0..1` })
    .max(1, { error: `${what} must be in 0..1` });
const ms = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .min(0, { error: `${what} must be >= 0 ms` })
    .max(max, { error: `${what} must be at most ${max} ms` });
const vector = z.array(z.number().finite().min(0)).min(1).max(64);

// ---------------------------------------------------------------- partitions

/**
 * Partitions, named as Jepsen's nemeses name them where a name exists: the presets of
 * src-shared/lab/partitions.ts (which defines them), then custom groups.
 */
export const PARTITION_KINDS = [...PRESET_KINDS, 'groups'] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];

export const partitionSpec = z.discriminatedUnion(
  'kind',
  [
    /** A preset takes nothing but its name. */
    z.strictObject({ kind: z.enum(PRESET_KINDS) }),
    /** Custom groups: nodes talk only within their group; nodes in no group are isolated. */
    z.strictObject({
      kind: z.literal('groups'),
      groups: z.array(slots).min(2, { error: 'a partition needs at least two groups' }).max(64),
    }),
  ],
  { error: `kind must be one of ${PARTITION_KINDS.join(', ')}` },
);
export type PartitionSpec = z.infer<typeof partitionSpec>;

// ---------------------------------------------------------------- faults and attacks

/** Faults injected on drift frames at the sender's protocol layer. */
export const linkFaults = z.strictObject({
  /** Share of frames dropped. */
  loss: share('loss').default(0),
  /** Extra delay of every frame. */
  delayMs: ms('delayMs', 60_000).default(0),
  /** Uniform extra delay in 0..jitterMs on top of delayMs. */
  jitterMs: ms('jitterMs', 60_000).default(0),
  /** Share of frames sent twice. */
  duplicate: share('duplicate').default(0),
  /** Share of frames held back and sent after the next one. */
  reorder: share('reorder').default(0),
});
export type LinkFaults = z.infer<typeof linkFaults>;
export const NO_LINK_FAULTS: LinkFaults = Object.freeze({
  loss: 0,
  delayMs: 0,
  jitterMs: 0,
  duplicate: 0,
  reorder: 0,
});

/**
 * What a liar node sends instead of its state. It still runs a node (it keeps its sessions and
 * cycles), so only its messages lie.
 * - constant: the same state every cycle (far off, the anomaly bound excludes it);
 * - pull: to each peer, that peer's own state moved `reach` toward `target`: the strongest lie
 *   the anomaly bound admits when reach is just under anomalyLimit (docs/model.md, "What the
 *   theory says": clamping limits speed, not destination);
 * - drain: pull toward zero (the drain VaultGuard looks for);
 * - noise: its honest state plus Gaussian noise of `sigma` per component;
 * - garbage: frames that do not decode (the sender is penalised, then disconnected).
 * `weight` replaces the drift coefficient it claims (inflated weights); VaultGuard bounds it.
 */
export const liarBehaviour = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('constant'),
      state: vector,
      weight: z.number().min(0).optional(),
    }),
    z.strictObject({
      kind: z.literal('pull'),
      target: vector,
      reach: z.number().positive(),
      weight: z.number().min(0).optional(),
    }),
    z.strictObject({
      kind: z.literal('drain'),
      reach: z.number().positive(),
      weight: z.number().min(0).optional(),
    }),
    z.strictObject({
      kind: z.literal('noise'),
      sigma: z.number().positive(),
      weight: z.number().min(0).optional(),
    }),
    z.strictObject({ kind: z.literal('garbage') }),
  ],
  { error: 'behaviour kind must be one of constant, pull, drain, noise, garbage' },
);
export type LiarBehaviour = z.infer<typeof liarBehaviour>;

// ---------------------------------------------------------------- nemesis schedules

/** A single fault a nemesis applies for a while and then undoes. */
export const nemesisFault = z.enum([...PRESET_KINDS, 'kill-random', 'freeze-random', 'loss']);
export type NemesisFault = z.infer<typeof nemesisFault>;

export const nemesisSpec = z.strictObject({
  /** Seconds from the start of one fault to the start of the next. */
  everyS: z.number().positive().max(3600),
  /** Seconds each fault lasts (at most everyS). */
  durationS: z.number().positive().max(3600),
  /** Faults to draw from (random order, seeded), or to apply in turn when `scripted`. */
  faults: z.array(nemesisFault).min(1).max(64),
  order: z.enum(['random', 'scripted']).default('random'),
  /** How many faults in all; the schedule then heals everything and stops. */
  rounds: z.number().int().min(1).max(10_000),
});
export type NemesisSpec = z.infer<typeof nemesisSpec>;

// ---------------------------------------------------------------- commands

/**
 * What changes a running lab, one schema per op. Every command is recorded with its time. A new
 * op also needs its words (src-shared/lab/describe.ts) and its work in the lab (Lab.prepare in
 * src-main/lab/lab.ts): both switch over every op, so the typecheck asks for them.
 */
const COMMAND_SCHEMAS = [
  z.strictObject({ op: z.literal('partition'), partition: partitionSpec }),
  z.strictObject({ op: z.literal('heal') }),
  /** A crash: no final save. */
  z.strictObject({ op: z.literal('kill'), nodes: slots }),
  /** A graceful stop: a final save, peers told. `revive` starts a stopped node again too. */
  z.strictObject({ op: z.literal('stop'), nodes: slots }),
  z.strictObject({ op: z.literal('revive'), nodes: slots }),
  z.strictObject({ op: z.literal('freeze'), nodes: slots }),
  z.strictObject({ op: z.literal('thaw'), nodes: slots }),
  /** Whole lab when `links` is absent; otherwise those links, both directions. */
  z.strictObject({
    op: z.literal('link-faults'),
    faults: linkFaults,
    links: links.optional(),
  }),
  /** A node's cycle timer runs `factor` times slower (factor < 1: faster); 1 undoes it. */
  z.strictObject({
    op: z.literal('clock-skew'),
    nodes: slots,
    factor: z.number().min(0.1, { error: 'factor must be in 0.1..10' }).max(10, {
      error: 'factor must be in 0.1..10',
    }),
  }),
  z.strictObject({ op: z.literal('liar'), nodes: slots, behaviour: liarBehaviour }),
  z.strictObject({ op: z.literal('honest'), nodes: slots }),
  /** Adds `count` liar nodes, each linked to every target and to nothing else. */
  z.strictObject({
    op: z.literal('sybil'),
    count: z.number().int().min(1).max(256),
    targets: slots,
    behaviour: liarBehaviour,
  }),
  /** Drift parameters for every node (or the ones named), from their next cycle. */
  z.strictObject({
    op: z.literal('set-params'),
    params: paramsPatch,
    nodes: slots.optional(),
  }),
  /**
   * New honest nodes, wired into the topology's degree; they join from their peers. Browser
   * nodes (each a Chromium tab) only in a lab started with browser nodes.
   */
  z.strictObject({
    op: z.literal('add-nodes'),
    count: z.number().int().min(1).max(MAX_ADD_NODES),
    kind: z.enum(['node', 'browser'], { error: "kind must be 'node' or 'browser'" }).optional(),
  }),
  z.strictObject({ op: z.literal('nemesis'), schedule: nemesisSpec }),
  z.strictObject({ op: z.literal('nemesis-stop') }),
  /** Every node cycles `factor` times as fast as the lab's cycle (1: as started). */
  z.strictObject({
    op: z.literal('speed'),
    factor: z
      .number({ error: 'factor must be a number' })
      .min(0.25, { error: 'speed factor must be in 0.25..4' })
      .max(4, { error: 'speed factor must be in 0.25..4' }),
  }),
  /** Every node stops cycling (sessions stay up) / goes on / runs one cycle. */
  z.strictObject({ op: z.literal('pause') }),
  z.strictObject({ op: z.literal('resume') }),
  z.strictObject({ op: z.literal('step') }),
] as const;

export const labCommand = z.discriminatedUnion('op', COMMAND_SCHEMAS, {
  error: `op must be one of ${COMMAND_SCHEMAS.map((c) => c.shape.op.value).join(', ')}`,
});
export type LabCommand = z.infer<typeof labCommand>;
export type LabCommandInput = z.input<typeof labCommand>;

const labQuery = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('status') }),
  /** The newest tick's metrics and every node's sample. */
  z.strictObject({ op: z.literal('snapshot') }),
  /** The links as they are on the live connections. */
  z.strictObject({ op: z.literal('links') }),
  /** One node's status, as its own node API gives it. */
  z.strictObject({ op: z.literal('node'), node: slot }),
  /** The events so far (newest last). */
  z.strictObject({
    op: z.literal('events'),
    limit: z.number().int().min(1).max(10_000).optional(),
  }),
]);
export type LabQuery = z.infer<typeof labQuery>;

export type LabRequest = LabQuery | LabCommand;

// ---------------------------------------------------------------- what a lab reports

export type NodeCondition = 'starting' | 'up' | 'frozen' | 'dead';

/**
 * What runs a lab node: a Node.js node on one of the lab's worker threads, or a browser node in
 * a Chromium tab of its own (src-renderer/lab-tab.html). Both run the same node core.
 */
export type NodeKind = 'node' | 'browser';

/** One node at one tick. */
export interface NodeSample {
  readonly slot: number;
  readonly kind: NodeKind;
  readonly condition: NodeCondition;
  /** A liar's behaviour kind, or null for an honest node. */
  readonly liar: LiarBehaviour['kind'] | null;
  /** Cycles run; 0 while the node has no state yet. */
  readonly cycle: number;
  /** [] until the node has a state. */
  readonly S: readonly number[];
  readonly D: readonly number[];
  readonly earned: number;
  /** Slots of the peers with an open drift session. */
  readonly peers: readonly number[];
  /** Totals since the node (re)started. */
  readonly framesOut: number;
  readonly framesIn: number;
  readonly bytesOut: number;
  readonly bytesIn: number;
  readonly interventions: Record<RuleName, number>;
  /** K > 1 only: the shards the node holds, ascending (absent with K = 1: the whole state). */
  readonly holds?: readonly number[];
  /** A capped node's cap: the most shards it holds (absent: uncapped, up to K). */
  readonly maxShards?: number;
}

/**
 * A lab's nodes of small capacity (docs/shards.md, "In the lab"): the share of slots capped, at
 * most how many shards each capped one holds, and the slots capped so far, ascending.
 */
export interface CappedSlots {
  readonly share: number;
  readonly shards: number;
  readonly slots: readonly number[];
}

/** Metrics over the honest nodes that are up and have a state (see docs/lab.md). */
export interface TickMetrics {
  /** ms since the lab started */
  readonly t: number;
  /** Median cycle count of those nodes. */
  readonly cycle: number;
  readonly counted: number;
  /** RMS distance from the honest mean (the simulator's spread). */
  readonly spread: number;
  readonly maxDistance: number;
  readonly mean: readonly number[];
  /** Each node's distance to the honest mean (NaN for nodes not counted), by slot. */
  readonly distances: readonly number[];
  /** Mean and spread per partition group while a partition is in place. */
  readonly groups: readonly { readonly mean: readonly number[]; readonly spread: number }[];
  /** Per honest node that is up, per second, since the previous tick. */
  readonly framesPerNodeS: number;
  readonly bytesPerNodeS: number;
  readonly interventions: Record<RuleName, number>;
}

/** Things that happen in a lab, recorded in order. */
export type LabEvent =
  /** K > 1: no live node holds the shard any more (docs/shards.md, "In the lab"). */
  | {
      readonly t: number;
      readonly type: 'shard-lost';
      readonly shard: number;
      readonly cycle: number;
    }
  /** K > 1: every neighbourhood holds the shard r times again, `cycles` after it fell short. */
  | {
      readonly t: number;
      readonly type: 'shard-repaired';
      readonly shard: number;
      readonly cycle: number;
      readonly cycles: number;
    }
  | { readonly t: number; readonly type: 'command'; readonly command: LabCommand }
  /**
   * The measure of its phase held for CONVERGE_RUN ticks in a row (src-shared/lab/convergence.ts):
   * the swarm's spread after the start or a heal, every group's after a partition.
   */
  | {
      readonly t: number;
      readonly type: 'converged';
      /** What the time is measured from: the start, the partition or the heal at `since`. */
      readonly after: 'start' | 'partition' | 'heal';
      readonly since: number;
      /** The epsilon it was measured against (absent in recordings made before it was kept). */
      readonly epsilon?: number;
      /** From `since` to the first tick of the run under epsilon. */
      readonly cycles: number;
      readonly ms: number;
    }
  /** A converged phase's measure rose to epsilon or over: that convergence no longer holds. */
  | {
      readonly t: number;
      readonly type: 'unconverged';
      readonly after: 'start' | 'partition' | 'heal';
      readonly since: number;
      readonly epsilon: number;
      /** The spread that broke it (the widest group's after a partition; NaN: not measured). */
      readonly spread: number;
    }
  /** Every node is up, wired and released (t = 0): how long that took. */
  | {
      readonly t: number;
      readonly type: 'started';
      readonly nodes: number;
      readonly links: number;
      readonly ms: number;
    }
  | { readonly t: number; readonly type: 'node'; readonly slot: number; readonly what: string }
  /** The lab fell behind its asked cycle rate, or keeps up again (src-shared/lab/pace.ts). */
  | { readonly t: number; readonly type: 'pace'; readonly pace: LabPace }
  | { readonly t: number; readonly type: 'error'; readonly message: string };

export interface LabStatus {
  readonly running: boolean;
  readonly paused: boolean;
  readonly nodes: number;
  readonly up: number;
  readonly seed: number;
  readonly topology: string;
  readonly cycleMs: number;
  readonly params: DriftParams;
  readonly partition: PartitionSpec | null;
  /** The topology's links the partition cuts (the map draws them dashed). */
  readonly cut: readonly (readonly [number, number])[];
  /**
   * The partition's groups as planned (slots, ascending), so the map can count and colour them:
   * a bridge node is in two, and links alone would show one group. Empty without a partition
   * and for majorities-ring, which has none.
   */
  readonly groups: readonly (readonly number[])[];
  readonly dir: string;
  readonly startedAt: number;
  /** The spread under which the lab counts as converged (docs/lab.md, "Convergence"). */
  readonly epsilon: number;
  /**
   * The slots that are browser nodes (ascending), in a lab started with browser nodes (even 0:
   * then []), which is the only kind of lab that can add some. Absent: a lab of Node.js nodes
   * only, which cannot take browser nodes.
   */
  readonly browsers?: readonly number[];
  /** A lab with capped nodes (`lvs lab --capped`): which slots are capped, at how many shards. */
  readonly capped?: CappedSlots;
}

export interface LabSnapshot {
  readonly status: LabStatus;
  readonly metrics: TickMetrics | null;
  readonly samples: readonly NodeSample[];
  /** K > 1: holders per shard, their fewest in a neighbourhood, each shard's spread. */
  readonly shards?: ShardTick;
  /**
   * Whether the lab keeps up with its asked cycle rate; null while not measured (the first
   * seconds, paused, just after a step or a change of speed or of the nodes counted). Absent
   * where a snapshot is made without a lab (a test's stand-in host): the same as null.
   */
  readonly pace?: LabPace | null;
}

export interface LabResponses {
  status: LabStatus;
  snapshot: LabSnapshot;
  links: readonly (readonly [number, number])[];
  node: NodeStatus;
  events: readonly LabEvent[];
}

/** The answer to a request: a query's answer, or the status after a command. */
export type LabResponseTo<R extends LabRequest> = R['op'] extends keyof LabResponses
  ? LabResponses[R['op']]
  : LabStatus;

export interface LabApi {
  request<R extends LabRequest>(req: R): Promise<LabResponseTo<R>>;
  onSnapshot(listener: (s: LabSnapshot) => void): () => void;
  onEvent(listener: (e: LabEvent) => void): () => void;
}

const QUERY_OPS: ReadonlySet<unknown> = new Set(['status', 'snapshot', 'links', 'node', 'events']);

/** Whether a request asks something (answered) rather than changes something (a command). */
export function isLabQuery(value: unknown): boolean {
  return QUERY_OPS.has((value as { op?: unknown } | null)?.op);
}

export type LabVerdict<T> = Checked<T>;

/** Checks the shape of a request from outside; the reason is one line naming the field. */
export function checkLabRequest(value: unknown): LabVerdict<LabRequest> {
  // Queries and commands share `op`; choose the schema by it so the error names the right one.
  if (isLabQuery(value)) {
    const r = labQuery.safeParse(value);
    return r.success ? accept(r.data) : refuse(reasonOf(r.error));
  }
  return checkLabCommand(value);
}

export function checkLabCommand(value: unknown): LabVerdict<LabCommand> {
  const r = labCommand.safeParse(value);
  return r.success ? accept(r.data) : refuse(reasonOf(r.error));
}
