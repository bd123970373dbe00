import type { LiarBehaviour, LinkFaults, NodeKind, NodeSample } from '../api/lab-api';
import type { NodeStatus } from '../api/node-api';
import type { DriftParams } from '../drift/params';
import type { Transport } from '../net/address-group';

/*
 * Messages between a lab's controller and the node pools that host its nodes: one pool per
 * worker thread for Node.js nodes, one per Chromium tab for browser nodes. Plain data (structured
 * clone to a worker, JSON to a tab); the controller is the only sender of commands, and it has
 * checked every one against the lab before it sends it.
 */

/** What every pool is told at its start; where its nodes keep their stores is its launcher's. */
export interface PoolInit {
  readonly appVersion: string;
  readonly cycleMs: number;
  readonly params: DriftParams;
  readonly seed: number;
  readonly persistMs: number;
  /** How often each node's missing links are dialled again. */
  readonly maintainMs: number;
}

/**
 * Where a live node can be reached: every address it has now. A browser node has none until it
 * holds a relay reservation; its pool then reports them (PoolMessage 'addresses').
 */
export interface DirectoryEntry {
  readonly slot: number;
  readonly kind: NodeKind;
  readonly peerId: string;
  readonly addresses: readonly string[];
}

/** Frame faults: the default for every link, and per link (both directions). */
export interface FaultTable {
  readonly all: LinkFaults;
  readonly links: readonly (readonly [number, number, LinkFaults])[];
}

export type PoolRequest =
  | {
      readonly op: 'start';
      readonly slot: number;
      /** The seeded initial state; null: join from the peers. */
      readonly initial: readonly number[] | null;
      /** A liar from its first cycle (a Sybil). */
      readonly liar?: LiarBehaviour;
      /** A capped node's maxShards (absent: K); kept for its revivals. */
      readonly maxShards?: number;
    }
  | { readonly op: 'directory'; readonly entries: readonly DirectoryEntry[] }
  /** Every node's topology neighbours (the links it keeps unless cut). */
  | { readonly op: 'wiring'; readonly neighbours: Readonly<Record<number, readonly number[]>> }
  | { readonly op: 'cut'; readonly cut: readonly (readonly number[])[] | null }
  /** Crashes (graceful false) or stops the nodes. */
  | { readonly op: 'kill'; readonly slots: readonly number[]; readonly graceful: boolean }
  | { readonly op: 'revive'; readonly slot: number }
  | { readonly op: 'freeze'; readonly slots: readonly number[]; readonly on: boolean }
  | { readonly op: 'skew'; readonly slots: readonly number[]; readonly factor: number }
  | { readonly op: 'speed'; readonly factor: number }
  | { readonly op: 'faults'; readonly table: FaultTable }
  | {
      readonly op: 'liar';
      readonly slots: readonly number[];
      readonly behaviour: LiarBehaviour | null;
    }
  | {
      readonly op: 'params';
      readonly slots: readonly number[] | null;
      readonly params: Partial<DriftParams>;
    }
  | { readonly op: 'pause' | 'resume' | 'step' | 'maintain' | 'sample' | 'links' | 'stop' }
  | { readonly op: 'node-status'; readonly slot: number };

/** One end of a connection between two lab nodes. */
export interface PoolLink {
  readonly from: number;
  readonly link: readonly [number, number];
  /** What carries it, as this end sees it. */
  readonly transport: Transport;
}

export interface PoolAnswers {
  start: DirectoryEntry;
  revive: DirectoryEntry;
  sample: NodeSample[];
  links: PoolLink[];
  'node-status': NodeStatus;
}

export type PoolAnswer<R extends PoolRequest> = R['op'] extends keyof PoolAnswers
  ? PoolAnswers[R['op']]
  : null;

export type PoolCommand = PoolRequest & { readonly id: number };

export type PoolMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: string }
  /** Something a node reported that the lab's event log should show. */
  | { readonly type: 'node'; readonly slot: number; readonly what: string }
  /** A node's addresses changed (a browser node gained or lost its relay reservation). */
  | { readonly type: 'addresses'; readonly slot: number; readonly addresses: readonly string[] };

/** What a pool tells its controller unasked: the PoolMessages other than replies. */
export type PoolNotice = Exclude<PoolMessage, { readonly type: 'reply' }>;
