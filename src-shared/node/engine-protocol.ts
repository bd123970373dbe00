import type { NodeStateView } from '../api/node-api';
import type { CycleResult, PeerReport } from '../drift/node-drift';
import type { DriftParams } from '../drift/params';

/*
 * Messages between the node's main thread (the libp2p host) and its drift engine worker.
 * Plain structured-clone data; the main thread is the only sender of commands.
 */

/** What the engine starts from: a stored state or a genesis state. */
export interface EngineInit {
  readonly params: DriftParams;
  readonly state: readonly number[];
  readonly earned: number;
  readonly tcSelf: number;
  /** Cycles already run (0 for a new node). */
  readonly cycle?: number;
  /** Seeded entropy (labs, tests); absent: the platform's secure generator. */
  readonly seed?: number;
  /** K > 1: the shards held from the start (docs/shards.md, "In the node"). */
  readonly holds?: readonly number[];
}

export type EngineCommand =
  | {
      readonly op: 'step';
      readonly id: number;
      readonly peers: readonly PeerReport[];
      readonly load: number;
    }
  | { readonly op: 'set-params'; readonly id: number; readonly params: DriftParams }
  | { readonly op: 'penalise'; readonly id: number; readonly peer: string; readonly drop?: number }
  | { readonly op: 'snapshot'; readonly id: number }
  /** K > 1: start holding a shard from `state` (its width of components). */
  | {
      readonly op: 'adopt';
      readonly id: number;
      readonly shard: number;
      readonly state: readonly number[];
    };

/** The engine's state after a command: what the node shows (its state view), and keeps. */
export interface EngineSnapshot extends NodeStateView {
  readonly cycle: number;
  readonly trust: Record<string, number>;
  /** VaultGuard interventions since start, by rule id. */
  readonly counts: readonly number[];
  /** K > 1: the shards held, ascending, and the weight each claims (K entries, NaN: not held). */
  readonly holds?: readonly number[];
  readonly dcs?: readonly number[];
}

export type EngineReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly snapshot: EngineSnapshot;
      readonly cycle?: CycleResult;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };
