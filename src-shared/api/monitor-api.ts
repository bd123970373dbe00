import { z } from 'zod';
import { accept, refuse, type Checked } from '../checked';
import type { DriftParams } from '../drift/params';
import type { LabCapacity } from '../lab/capacity';
import { cappedSchema, checkCapped, type Scenario } from '../lab/scenario';
import {
  checkLabCommand,
  checkLabRequest,
  isLabQuery,
  MAX_LAB_BROWSERS,
  MAX_LAB_NODES,
  tooManyBrowsers,
  type LabCommand,
  type LabEvent,
  type LabSnapshot,
  type LabStatus,
} from './lab-api';
import {
  checkNodeRequest,
  paramsPatch,
  reasonOf,
  type LoggedEvent,
  type NodeSnapshot,
  type NodeStatus,
} from './node-api';

/*
 * The one API between the monitor (the renderer) and the process that hosts a personal node
 * and a lab: the Electron main process over IPC, or `lvs node|lab --monitor` over a WebSocket.
 * Each request names its target: the app itself (start or stop a lab, scenarios, recordings),
 * the personal node (the node API), or the lab (the lab API). Every request is checked here,
 * at the host's boundary, before it reaches anything.
 */

// ---------------------------------------------------------------- the app's own requests

const BROWSERS_RANGE = `browsers must be a whole number in 0..${MAX_LAB_BROWSERS}`;

const labSetup = z
  .strictObject({
    nodes: z.number().int().min(2).max(MAX_LAB_NODES),
    topology: z.string().min(1).max(64),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    cycleMs: z.number().int().min(20).max(60_000).default(200),
    params: paramsPatch.default({}),
    epsilon: z.number().positive().max(1e6).default(0.5),
    /**
     * Of the nodes, this many (the last slots) are browser nodes, each a Chromium tab on the
     * host. Given (even 0), the lab can add browser nodes later; absent, it cannot.
     */
    browsers: z
      .number()
      .int({ error: BROWSERS_RANGE })
      .min(0, { error: BROWSERS_RANGE })
      .max(MAX_LAB_BROWSERS, { error: BROWSERS_RANGE })
      .optional(),
    /** Nodes of small capacity, as `lvs lab --capped` (docs/shards.md): K above 1 only. */
    capped: cappedSchema.optional(),
  })
  .superRefine((setup, ctx) => {
    const { browsers, nodes } = setup;
    const problem = browsers === undefined ? null : tooManyBrowsers(browsers, nodes);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['browsers'] });
    checkCapped(setup, ctx);
  });
export type LabSetup = z.infer<typeof labSetup>;
export type LabSetupInput = z.input<typeof labSetup>;

const appRequest = z.discriminatedUnion(
  'op',
  [
    /** What the host runs, and what it can do. */
    z.strictObject({ op: z.literal('info') }),
    /** Starts a lab (stopping the running one first). */
    z.strictObject({ op: z.literal('start-lab'), setup: labSetup }),
    /** Starts a lab from a shipped scenario and runs its timeline. */
    z.strictObject({
      op: z.literal('run-scenario'),
      name: z
        .string()
        .regex(/^[a-z0-9-]{1,64}$/, { error: 'name must be a shipped scenario name' }),
      nodes: z.number().int().min(2).max(MAX_LAB_NODES).optional(),
    }),
    z.strictObject({ op: z.literal('stop-lab') }),
    z.strictObject({ op: z.literal('scenarios') }),
    /** The running (or last) lab's recording, as JSON lines text, for export and replay. */
    z.strictObject({ op: z.literal('recording') }),
    /** The personal node: start it, stop it (it keeps its store). */
    z.strictObject({ op: z.literal('start-node') }),
    z.strictObject({ op: z.literal('stop-node') }),
  ],
  {
    error:
      'op must be one of info, start-lab, run-scenario, stop-lab, scenarios, recording, start-node, stop-node',
  },
);
export type AppRequest = z.infer<typeof appRequest>;
export type AppRequestInput = z.input<typeof appRequest>;

export interface ScenarioInfo {
  readonly name: string;
  readonly description: string;
  readonly nodes: number;
  readonly durationS: number;
  /** Its commands and their times (s): the guided tour times its captions by them. */
  readonly timeline: readonly { readonly at: number; readonly command: LabCommand }[];
  readonly epsilon: number;
}

/** What a monitor is told of a scenario it may run as `name`. */
export function scenarioInfo(name: string, s: Scenario): ScenarioInfo {
  return {
    name,
    description: s.description,
    nodes: s.lab.nodes,
    durationS: s.durationS,
    timeline: s.timeline,
    epsilon: s.measure.epsilon,
  };
}

export interface AppInfo {
  readonly version: string;
  /** 'electron' or 'web': what the monitor is shown in. */
  readonly shell: 'electron' | 'web';
  readonly node: NodeStatus | null;
  readonly lab: LabStatus | null;
  /** A scenario the lab is running, and how far (s). */
  readonly scenario: {
    readonly name: string;
    readonly elapsedS: number;
    readonly totalS: number;
  } | null;
  readonly defaults: DriftParams;
  /**
   * The largest lab this host's machine is sized for, and why (the form's limit). Absent from a
   * host that cannot tell (a test's stand-in): the form then offers the API's MAX_LAB_NODES.
   */
  readonly capacity?: LabCapacity;
  /**
   * Whether this host can run browser nodes (Chromium tabs) in a lab it starts, and if not why
   * (no Chromium, the page not built): the form's browser field says so. Absent from a host
   * that cannot tell (a test's stand-in): the field is offered and the host's answer decides.
   */
  readonly browserNodes?: { readonly ok: true } | { readonly ok: false; readonly reason: string };
}

export interface AppResponses {
  info: AppInfo;
  'start-lab': LabStatus;
  'run-scenario': LabStatus;
  'stop-lab': AppInfo;
  scenarios: readonly ScenarioInfo[];
  recording: { readonly name: string; readonly text: string } | null;
  'start-node': NodeStatus;
  'stop-node': AppInfo;
}

// ---------------------------------------------------------------- one envelope

export type MonitorRequest =
  | { readonly target: 'app'; readonly request: AppRequestInput }
  | { readonly target: 'node'; readonly request: unknown }
  | { readonly target: 'lab'; readonly request: unknown };

/** What the host pushes to every monitor it serves. */
export type MonitorPush =
  | { readonly kind: 'node-snapshot'; readonly snapshot: NodeSnapshot }
  | { readonly kind: 'node-event'; readonly event: LoggedEvent }
  | { readonly kind: 'lab-snapshot'; readonly snapshot: LabSnapshot }
  | { readonly kind: 'lab-event'; readonly event: LabEvent }
  | { readonly kind: 'app'; readonly info: AppInfo };

/** The monitor's view of its host, whichever transport carries it. */
export interface MonitorApi {
  request(req: MonitorRequest): Promise<unknown>;
  /** Pushes as they come; returns the unsubscribe function. */
  subscribe(listener: (push: MonitorPush) => void): () => void;
}

/** Over a WebSocket, requests carry an id and each gets one reply with it. */
export type WireMessage =
  | { readonly type: 'request'; readonly id: number; readonly body: MonitorRequest }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  | { readonly type: 'push'; readonly push: MonitorPush };

/** The largest message a host accepts from a monitor (a request is small). */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** A checked request with the target it goes to; an app request is parsed here, fully. */
export type RoutedRequest =
  | { readonly target: 'app'; readonly request: AppRequest }
  | { readonly target: 'node' | 'lab'; readonly request: unknown };

/**
 * Checks a request from a monitor: the envelope, then the request against its target's schema.
 * Node and lab requests are checked again by the node and the lab (their own boundaries).
 */
export function checkMonitorRequest(value: unknown): Checked<RoutedRequest> {
  if (typeof value !== 'object' || value === null)
    return refuse('a request must be an object with target and request');
  const { target, request, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return refuse(`unknown key "${extra[0]}" in the request`);
  switch (target) {
    case 'app': {
      const r = appRequest.safeParse(request);
      return r.success ? accept({ target, request: r.data }) : refuse(reasonOf(r.error));
    }
    case 'node': {
      const v = checkNodeRequest(request);
      return v.ok ? accept({ target, request: v.value }) : v;
    }
    case 'lab': {
      const v = isLabQuery(request) ? checkLabRequest(request) : checkLabCommand(request);
      return v.ok ? accept({ target, request: v.value }) : v;
    }
    default:
      return refuse('target must be one of app, node, lab');
  }
}
