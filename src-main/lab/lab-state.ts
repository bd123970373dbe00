import {
  NO_LINK_FAULTS,
  type LiarBehaviour,
  type PartitionSpec,
} from '../../src-shared/api/lab-api';
import type { DriftParams } from '../../src-shared/drift/params';
import type { PartitionPlan } from '../../src-shared/lab/partitions';
import type { FaultTable } from '../../src-shared/lab/pool-protocol';

/**
 * What the lab has been asked to be, in one place: the controller's truth, which every command
 * is checked against (lab.ts, prepare) and which status and snapshots are drawn from. The pools
 * keep only what they need to carry it out on their own nodes (src-shared/lab/node-pool.ts: the
 * orders a node revived later must get), and never decide anything from it.
 */
export class LabState {
  /** Slots 0..nodes-1; added nodes and sybils extend it, nothing shrinks it. */
  nodes: number;
  params: DriftParams;
  readonly dead = new Set<number>();
  readonly frozen = new Set<number>();
  readonly liars = new Map<number, LiarBehaviour>();
  /** The slots that are browser nodes (Chromium tabs); every other slot is a Node.js node. */
  readonly browsers = new Set<number>();
  /** Capped slots and their maxShards (docs/shards.md, "In the lab"); every other slot holds up to K. */
  readonly caps = new Map<number, number>();
  partition: { readonly spec: PartitionSpec; readonly plan: PartitionPlan } | null = null;
  faults: FaultTable = { all: NO_LINK_FAULTS, links: [] };
  paused = false;
  /** The speed factor every node cycles at (the `speed` command), part of the asked rate. */
  speed = 1;

  constructor(nodes: number, params: DriftParams) {
    this.nodes = nodes;
    this.params = params;
  }

  /** Nodes running (frozen ones included). */
  get up(): number {
    return this.nodes - this.dead.size;
  }

  slots(): number[] {
    return Array.from({ length: this.nodes }, (_, i) => i);
  }
}
