import { MAX_LAB_NODES } from '../api/lab-api';

/*
 * How large a lab this machine can carry, from what it has: cores, memory, open files. The
 * figures are from docs/benchmarks.md ("Lab"): on 2 cores, 500 nodes started in 19 s and kept
 * up at 1 cycle/s on 1.27 cores, 200 nodes kept up at 4 cycles/s on 1.26 cores (about 400
 * node-cycles per second per core), and a lab takes up to 3.7 MB per node. The largest lab the
 * form offers is the smallest of what the cores, the memory and the open-file limit allow, and
 * the form names which one it was.
 */

/** Nodes per core a lab may have: 500 on 2 cores started and kept up at 1 cycle/s. */
export const NODES_PER_CORE = 250;
/** Memory a lab node may take (3.7 MB measured at 100 nodes), with headroom. */
export const BYTES_PER_NODE = 4 * 2 ** 20;
/** Share of the machine's memory a lab may take: the rest is the system's and the monitor's. */
export const MEMORY_SHARE = 0.5;
/**
 * Open files per node: its listener, one socket per link (8 in the default topology, more when
 * peers re-dial), its store, with headroom.
 */
export const FILES_PER_NODE = 16;
/** Node-cycles per second one core carries and keeps up (the 4 cycles/s row, rounded down). */
export const NODE_CYCLES_PER_CORE_S = 400;

export interface Machine {
  readonly cores: number;
  readonly memoryBytes: number;
  /** The process's open-file limit, or null where it cannot be read. */
  readonly openFiles: number | null;
}

export interface LabCapacity {
  /** The largest lab this machine is sized for (2..MAX_LAB_NODES). */
  readonly maxNodes: number;
  /** Why that number, as a phrase: "2 cores × 250 nodes per core". */
  readonly reason: string;
  readonly cores: number;
}

const GiB = 2 ** 30;

/** The largest lab for this machine, and what limits it. */
export function labCapacity(m: Machine): LabCapacity {
  const cores = Math.max(1, Math.floor(m.cores));
  const bounds: Array<{ nodes: number; reason: string }> = [
    { nodes: MAX_LAB_NODES, reason: `the lab's own limit of ${MAX_LAB_NODES} nodes` },
    {
      nodes: cores * NODES_PER_CORE,
      reason: `${cores} core${cores === 1 ? '' : 's'} × ${NODES_PER_CORE} nodes per core`,
    },
    {
      nodes: Math.floor((m.memoryBytes * MEMORY_SHARE) / BYTES_PER_NODE),
      reason: `${(m.memoryBytes / GiB).toFixed(1)} GiB of memory (half of it, at ${BYTES_PER_NODE / 2 ** 20} MiB per node)`,
    },
  ];
  if (m.openFiles !== null)
    bounds.push({
      nodes: Math.floor(m.openFiles / FILES_PER_NODE),
      reason: `the open-file limit of ${m.openFiles} (${FILES_PER_NODE} per node)`,
    });
  const tightest = bounds.reduce((a, b) => (b.nodes < a.nodes ? b : a));
  return { maxNodes: Math.max(2, tightest.nodes), reason: tightest.reason, cores };
}

/** About how many nodes keep up at this cycle on this machine's cores. */
export function nodesKeepingUp(cores: number, cycleMs: number): number {
  return Math.max(2, Math.floor((Math.max(1, cores) * NODE_CYCLES_PER_CORE_S * cycleMs) / 1000));
}
