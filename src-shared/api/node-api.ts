import { z } from 'zod';
import { AGGREGATORS, NUMERIC_PARAMS, WEIGHTINGS, type DriftParams } from '../drift/params';
import type { RuleName, VaultEvent } from '../drift/rules';
import { accept, refuse, type Checked } from '../checked';

/*
 * The typed API between a node and whatever watches or steers it: the desktop monitor over
 * Electron IPC, the web monitor over a WebSocket, tests. Plain data only, and every request
 * is checked against its schema at each boundary before anything acts on it.
 */

export type NodeMode = 'active' | 'recovery' | 'low-power' | 'paused';

export interface NodeStatus {
  /** This run's ephemeral session id (no persistent identity unless asked for). */
  readonly sessionId: string;
  readonly listen: readonly string[];
  readonly cycle: number;
  readonly mode: NodeMode;
  readonly lowPowerReasons: readonly string[];
  readonly peers: number;
  /** RMS distance from this node's state to its peers' latest states. */
  readonly spreadToPeers: number;
  readonly params: DriftParams;
  readonly interventions: Record<RuleName, number>;
  readonly uptimeMs: number;
  /** How the node finds and keeps peers; absent on a lab's nodes (their links are the lab's). */
  readonly network?: NetworkView;
  /** Where devices open the node's join page (`lvs node --join-port`); absent when it has none. */
  readonly join?: JoinView;
  /** K > 1 only: the shards the node holds, ascending (docs/shards.md, "In the node"). */
  readonly holds?: readonly number[];
}

/** The join page: a browser node for phones and laptops, served by the node itself. */
export interface JoinView {
  /** `http://<address>:<port>/`, one per address devices elsewhere reach this machine by. */
  readonly urls: readonly string[];
}

/**
 * How others can reach this node: `public` (a confirmed public address: AutoNAT, UPnP or a public
 * interface), `relayed` (only through a relay reservation), or `private` (neither, yet: only
 * peers on its own network, or none).
 */
export type Reachability = 'public' | 'relayed' | 'private';

/** Reachability in words, as the CLI and the monitor say it. */
export const REACHABILITY_WORDS: Readonly<Record<Reachability, string>> = {
  public: 'reachable directly',
  relayed: 'reachable through a relay',
  private: 'not reachable from outside (yet)',
};

export interface NetworkView {
  readonly reachability: Reachability;
  /** Addresses to give to someone elsewhere: public ones, then relayed ones. */
  readonly shareable: readonly string[];
  readonly outbound: number;
  readonly inbound: number;
  /** Open connections by address group (IPv4 /16, IPv6 /32; `relay` for relayed ones). */
  readonly peersByGroup: Readonly<Record<string, number>>;
  readonly book: { readonly new: number; readonly tried: number };
  /** What the node is doing about peers, in words ("dialling 3 known addresses, ..."). */
  readonly activity: string;
}

export interface NodeStateView {
  readonly S: readonly number[];
  readonly D: readonly number[];
  readonly earned: number;
  readonly tcSelf: number;
  readonly dc: number;
  readonly recovery: boolean;
  /** K > 1 only: the shards held, ascending (S is 0 outside them). */
  readonly holds?: readonly number[];
}

export interface PeerView {
  readonly sessionId: string;
  readonly address: string;
  readonly trust: number;
  readonly lastState: readonly number[] | null;
  readonly lastCycle: number | null;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly badFrames: number;
}

export interface HistoryPoint {
  readonly cycle: number;
  /** ms since the epoch */
  readonly at: number;
  readonly S: readonly number[];
}

export interface LoggedEvent extends VaultEvent {
  readonly cycle: number;
  readonly at: number;
}

/** What a node pushes to its watchers, at most once per SNAPSHOT_MIN_INTERVAL_MS. */
export interface NodeSnapshot {
  readonly status: NodeStatus;
  readonly state: NodeStateView;
}

export const SNAPSHOT_MIN_INTERVAL_MS = 200;
/** Longest lists a single answer carries. */
export const MAX_HISTORY = 1000;
export const MAX_EVENTS = 500;

const paramShape = Object.fromEntries(
  Object.keys(NUMERIC_PARAMS).map((k) => [k, z.number({ error: `${k} must be a number` })]),
) as Record<keyof typeof NUMERIC_PARAMS, z.ZodNumber>;

/** Ranges are checked by resolveParams at the node, against its current parameters. */
export const paramsPatch = z
  .strictObject({
    ...paramShape,
    aggregator: z.enum(AGGREGATORS),
    weighting: z.enum(WEIGHTINGS),
  })
  .partial();

const multiaddr = z
  .string()
  .max(512)
  .regex(/^\/\S+$/, {
    error: 'must be a multiaddr such as /ip4/192.168.1.7/tcp/4001 (/p2p/<peer id> optional)',
  });
const sessionId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9]+$/, { error: 'must be a peer session id (letters and digits)' });

const requestSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ op: z.literal('status') }),
    z.strictObject({ op: z.literal('state') }),
    z.strictObject({ op: z.literal('peers') }),
    z.strictObject({
      op: z.literal('events'),
      limit: z.number().int().min(1).max(MAX_EVENTS).optional(),
    }),
    z.strictObject({
      op: z.literal('history'),
      limit: z.number().int().min(1).max(MAX_HISTORY).optional(),
    }),
    z.strictObject({ op: z.literal('set-params'), params: paramsPatch }),
    z.strictObject({ op: z.literal('pause') }),
    z.strictObject({ op: z.literal('resume') }),
    z.strictObject({ op: z.literal('low-power'), on: z.boolean() }),
    z.strictObject({ op: z.literal('connect'), address: multiaddr }),
    z.strictObject({ op: z.literal('disconnect'), peer: sessionId }),
  ],
  {
    error:
      'op must be one of status, state, peers, events, history, set-params, pause, resume, low-power, connect, disconnect',
  },
);

export type NodeRequest = z.infer<typeof requestSchema>;

/** The answer to each request. */
export interface NodeResponses {
  status: NodeStatus;
  state: NodeStateView;
  peers: readonly PeerView[];
  events: readonly LoggedEvent[];
  history: readonly HistoryPoint[];
  'set-params': DriftParams;
  pause: NodeStatus;
  resume: NodeStatus;
  'low-power': NodeStatus;
  connect: PeerView;
  disconnect: NodeStatus;
}

export type ResponseTo<R extends NodeRequest> = NodeResponses[R['op']];

/** One node seen through either transport. */
export interface NodeApi {
  request<R extends NodeRequest>(req: R): Promise<ResponseTo<R>>;
  /** Snapshots as the node pushes them; returns the unsubscribe function. */
  onSnapshot(listener: (s: NodeSnapshot) => void): () => void;
  onEvent(listener: (e: LoggedEvent) => void): () => void;
}

export type RequestVerdict = Checked<NodeRequest>;

/** Checks a request from outside; the reason is one line naming the field. */
export function checkNodeRequest(value: unknown): RequestVerdict {
  const r = requestSchema.safeParse(value);
  return r.success ? accept(r.data) : refuse(reasonOf(r.error));
}

/** A schema failure as one line: the first issue, with the path to the field. */
export function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return `${where}${issue?.message ?? 'malformed request'}`;
}
