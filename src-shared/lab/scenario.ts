import { z } from 'zod';
import { labCommand, MAX_LAB_NODES, type LabCommand } from '../api/lab-api';
import { paramsPatch } from '../api/node-api';
import { ParamError, resolveParams, type DriftParams } from '../drift/params';
import { seededRng } from '../random';
import { CappedNodesError, checkCappedNodes, type CappedNodes } from '../sim/shard-book';
import { buildTopology, parseTopology } from '../sim/topology';
import { errorMessage } from '../error-message';

/*
 * Scenario files: a lab to start and a timeline of lab commands to apply, as JSON. Every object
 * is strict, so a misspelt key is an error naming the key rather than a setting silently ignored.
 * What can be checked without a running lab is checked here (ranges, the topology against the
 * node count, parameters, the timeline's order, the dimensions of liars' vectors); what depends on
 * the lab as it runs (a slot that exists, a node that is up) is left to the lab, which rejects
 * such a command when its time comes.
 *
 *   { "name": "partition-heal", "description": "...",
 *     "lab": { "nodes": 20, "topology": "random:8", "seed": 1, "cycleMs": 200,
 *              "params": { "beta": 0.2 }, "initial": { "min": 40, "max": 60 },
 *              "capped": { "share": 0.5, "shards": 1 } },
 *     "timeline": [ { "at": 5, "command": { "op": "partition", ... } }, { "at": 15, ... } ],
 *     "measure": { "epsilon": 0.5 },
 *     "durationS": 30 }
 *
 * Defaults: description "", seed 1, cycleMs 200, params {} (the drift defaults), initial
 * 40..60 per component, no capped nodes, timeline [], measure { epsilon: 0.5 }.
 */

/** Degree of a topology given without one ("random", "ring"), as `lvs sim --degree`'s default. */
export const SCENARIO_DEFAULT_DEGREE = 8;
/** Longest run and latest timeline entry a scenario may ask for: a day, in seconds. */
export const MAX_SCENARIO_S = 86_400;
const MAX_TIMELINE = 10_000;

/** A scenario file that cannot be used. The message is one line: `source: path: problem`. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    message: string,
    /** The field at fault (`lab.topology`, `timeline[2].at`), when one is. */
    readonly path?: string,
    /** What is wrong with it, without the scenario's name and the path. */
    readonly problem?: string,
  ) {
    super(message);
  }
}

const got = (input: unknown): string =>
  typeof input === 'string' ? JSON.stringify(input) : String(input);

/** A strict object whose unknown keys are reported with the keys it does know. */
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        return `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys} (known: ${known})`;
      }
      return `${what} must be an object`;
    },
  });
}

/** A number in min..max (an integer when asked), with one message for every way to miss. */
function numberIn(name: string, min: number, max: number, integer = false) {
  const error = (issue: { input: unknown }) =>
    `${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max} (got ${got(issue.input)})`;
  return z
    .number({ error })
    .refine((v) => v >= min && v <= max && (!integer || Number.isInteger(v)), { error });
}

function positive(name: string) {
  const error = (issue: { input: unknown }) =>
    `${name} must be a number > 0 (got ${got(issue.input)})`;
  return z.number({ error }).refine((v) => v > 0, { error });
}

/** Checked by resolveParams (its ParamError message) before the shape of a patch is taken. */
const paramsField = z
  .record(z.string(), z.unknown(), { error: 'params must be an object of drift parameters' })
  .superRefine((value, ctx) => {
    try {
      resolveParams(value);
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
    }
  })
  .pipe(paramsPatch);

const initialSchema = strict(
  {
    min: numberIn('initial.min', 0, 1e12),
    max: numberIn('initial.max', 0, 1e12),
  },
  'initial',
).refine((i) => i.min <= i.max, {
  error: 'initial.min must not exceed initial.max',
  path: ['max'],
});

/** Nodes of small capacity (docs/shards.md, "Nodes of small capacity"), as `lvs lab --capped`. */
export const cappedSchema = strict(
  {
    share: numberIn('capped.share', 0, 1),
    shards: numberIn('capped.shards', 1, 10_000, true),
  },
  'capped',
);

/** lab.capped against the lab's K, by the simulator's and the CLI's own check. */
export function checkCapped(
  lab: { params: z.infer<typeof paramsPatch>; capped?: CappedNodes | undefined },
  ctx: z.RefinementCtx,
): void {
  if (!lab.capped || !Number.isInteger(lab.capped.shards)) return;
  let K: number;
  try {
    K = resolveParams(lab.params).shards;
  } catch (e) {
    if (e instanceof ParamError) return; // lab.params has its issue already
    throw e;
  }
  try {
    checkCappedNodes(lab.capped, K);
  } catch (e) {
    if (!(e instanceof CappedNodesError)) throw e;
    ctx.addIssue({
      code: 'custom',
      message: e.message,
      path: e.fault === 'cap' ? ['capped', 'shards'] : ['capped'],
    });
  }
}

const labSchema = strict(
  {
    nodes: numberIn('nodes', 2, MAX_LAB_NODES, true),
    topology: z.string({ error: 'topology must be a string such as "random:8"' }),
    seed: numberIn('seed', 0, 2 ** 32 - 1, true).default(1),
    cycleMs: numberIn('cycleMs', 20, 60_000, true).default(200),
    params: paramsField.default({}),
    initial: initialSchema.default({ min: 40, max: 60 }),
    capped: cappedSchema.optional(),
  },
  'lab',
).superRefine((lab, ctx) => {
  checkCapped(lab, ctx);
  // Parse, then build on the lab's node count: "random:8" on 5 nodes or "ring:3" fail here,
  // before any node starts. (Refinements run after a field's own refinement failed: a node
  // count out of range has its issue already and must not build a huge graph.)
  if (!Number.isInteger(lab.nodes) || lab.nodes < 2 || lab.nodes > MAX_LAB_NODES) return;
  try {
    const spec = parseTopology(lab.topology, SCENARIO_DEFAULT_DEGREE);
    buildTopology(spec, lab.nodes, seededRng(lab.seed));
  } catch (e) {
    // TopologyError, or the rare generator that gives up (randomRegular's pairings).
    if (!(e instanceof Error)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message, path: ['topology'] });
  }
});

const entrySchema = strict(
  {
    at: numberIn('at (seconds from the start)', 0, MAX_SCENARIO_S),
    command: labCommand,
  },
  'a timeline entry',
);

const measureSchema = strict({ epsilon: positive('epsilon') }, 'measure');

const scenarioSchema = strict(
  {
    name: z
      .string({ error: 'name must be a string' })
      .min(1, { error: 'name must not be empty' })
      .max(100, { error: 'name must be at most 100 characters' }),
    description: z
      .string({ error: 'description must be a string' })
      .max(4000, { error: 'description must be at most 4000 characters' })
      .default(''),
    lab: labSchema,
    timeline: z
      .array(entrySchema, { error: 'timeline must be an array of { at, command }' })
      .max(MAX_TIMELINE, { error: `timeline must have at most ${MAX_TIMELINE} entries` })
      .default([]),
    measure: measureSchema.default({ epsilon: 0.5 }),
    durationS: z
      .number({ error: (i) => `durationS must be a number > 0 (got ${got(i.input)})` })
      .refine((v) => v > 0 && v <= MAX_SCENARIO_S, {
        error: (i) => `durationS must be in (0, ${MAX_SCENARIO_S}] (got ${got(i.input)})`,
      }),
  },
  'a scenario',
).superRefine((s, ctx) => {
  const { timeline } = s;
  for (let i = 1; i < timeline.length; i++) {
    if (timeline[i].at < timeline[i - 1].at) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeline', i, 'at'],
        message: `timeline must be sorted by at: ${timeline[i].at} comes after ${timeline[i - 1].at}`,
      });
      return;
    }
  }
  const last = timeline.at(-1);
  if (last && s.durationS < last.at) {
    ctx.addIssue({
      code: 'custom',
      path: ['durationS'],
      message: `durationS (${s.durationS}) must be >= the last timeline entry's at (${last.at})`,
    });
    return;
  }
  checkTimeline(s.lab.params, timeline, ctx);
});

/** Set-params patches against the parameters they apply to; liars' vectors against d. */
function checkTimeline(
  labParams: z.infer<typeof paramsPatch>,
  timeline: readonly { at: number; command: LabCommand }[],
  ctx: z.RefinementCtx,
): void {
  let params: DriftParams;
  try {
    params = resolveParams(labParams);
  } catch (e) {
    if (e instanceof ParamError) return; // lab.params has its issue already
    throw e;
  }
  const d = params.dimensions;
  for (const [i, { command }] of timeline.entries()) {
    if (command.op === 'set-params') {
      try {
        const next = resolveParams(command.params, params);
        if (next.dimensions !== d) {
          ctx.addIssue({
            code: 'custom',
            path: ['timeline', i, 'command', 'params', 'dimensions'],
            message: `a running lab cannot change dimensions (${d} to ${next.dimensions})`,
          });
          return;
        }
        if (next.shards !== params.shards) {
          ctx.addIssue({
            code: 'custom',
            path: ['timeline', i, 'command', 'params', 'shards'],
            message: `a running lab cannot change shards (${params.shards} to ${next.shards})`,
          });
          return;
        }
        // Only a patch for every node changes what later patches are checked against.
        if (command.nodes === undefined) params = next;
      } catch (e) {
        if (!(e instanceof ParamError)) throw e;
        ctx.addIssue({
          code: 'custom',
          path: ['timeline', i, 'command', 'params'],
          message: e.message,
        });
        return;
      }
    }
    if (command.op === 'liar' || command.op === 'sybil') {
      const b = command.behaviour;
      const vector = b.kind === 'constant' ? b.state : b.kind === 'pull' ? b.target : null;
      if (vector && vector.length !== d) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeline', i, 'command', 'behaviour', b.kind === 'constant' ? 'state' : 'target'],
          message: `has ${vector.length} component${vector.length === 1 ? '' : 's'}; the lab has ${d} dimension${d === 1 ? '' : 's'}`,
        });
        return;
      }
    }
  }
}

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type TimelineEntry = Scenario['timeline'][number];

/** `timeline[2].command.op`: numbers as indexes, so a path reads as it would in code. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += `${out ? '.' : ''}${String(key)}`;
  }
  return out;
}

/**
 * The first issue as one line: `source: path: message` (no path for the file as a whole). An
 * unknown key comes first, as it usually explains the rest (a misspelt key leaves its field
 * missing).
 */
function refusal(source: string, error: z.ZodError): ScenarioError {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  if (!issue) return new ScenarioError(`${source}: not a valid scenario`);
  let message = issue.message;
  // labCommand's objects are strict with zod's own wording; say it as ours do.
  if (issue.code === 'unrecognized_keys' && message.startsWith('Unrecognized key'))
    message = `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  // Parsed with reportInput, so that an absent field can be told from a wrong one.
  if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    issue.input === undefined
  )
    message = 'missing';
  const path = pathOf(issue.path);
  const problem = message.replace(/\s*\n\s*/g, ' ');
  return new ScenarioError(
    `${source}: ${path ? `${path}: ` : ''}${problem}`,
    path === '' ? undefined : path,
    problem,
  );
}

/** Checks a scenario given as a value (one made in code); errors as parseScenario's. */
export function checkScenario(value: unknown, source: string): Scenario {
  return check(value, source);
}

function check(value: unknown, source: string): Scenario {
  const r = scenarioSchema.safeParse(value, { reportInput: true });
  if (!r.success) throw refusal(source, r.error);
  return r.data;
}

/**
 * Parses and checks a scenario file's text. `source` names it in errors (a path or a name).
 * Throws a ScenarioError whose message is one line.
 */
export function parseScenario(text: string, source: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const why = errorMessage(e);
    throw new ScenarioError(`${source}: not valid JSON: ${why.replace(/\s*\n\s*/g, ' ')}`);
  }
  return check(value, source);
}

export interface ScenarioOverrides {
  nodes?: number;
  /** `--capped` with `--capped-shards`, checked against K by the CLI, and here again. */
  capped?: CappedNodes;
  topology?: string;
  seed?: number;
  cycleMs?: number;
  durationS?: number;
}

/**
 * The scenario with command-line values in place of the file's, checked again as a whole (the
 * topology against the new node count, durationS against the timeline). Slots the timeline
 * names are not checked against the node count: the lab rejects such a command when it comes.
 * Errors name the scenario: `NAME with overrides: lab.nodes: ...`.
 */
export function applyOverrides(s: Scenario, o: ScenarioOverrides): Scenario {
  const defined = <T extends object>(x: T) =>
    Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));
  const { durationS, ...lab } = o;
  const merged = {
    ...s,
    lab: { ...s.lab, ...defined(lab) },
    ...(durationS === undefined ? {} : { durationS }),
  };
  return check(merged, `${s.name} with overrides`);
}
