import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabEvent, LabSnapshot } from '../../src-shared/api/lab-api';
import { NO_LINK_FAULTS } from '../../src-shared/api/lab-api';
import { verdictOf, type CheckSize, type ClaimOutcome } from '../../src-shared/claims/outcome';
import { resolveParams } from '../../src-shared/drift/params';
import { Lab } from '../lab/lab';
import { appVersion } from '../runtime/app-version';

/*
 * The claims about the network, answered by one lab of real nodes (docs/claims.md): drift
 * frames lost and late, a partition and its heal, and what the nodes spend in bytes and CPU
 * while they do it. One lab answers all four because starting one costs more than each phase.
 */

export const LAB_CLAIMS = ['packet-loss', 'partition', 'bandwidth', 'cpu'] as const;
export type LabClaim = (typeof LAB_CLAIMS)[number];

const EPSILON = 0.5;
const LOSS = 0.3;
/** Peers per node: a ring lattice, so that each half of a partition stays connected. */
const DEGREE = 4;
/** bench:node's budget: 30 KB a minute sent at 8 peers and 1 cycle/s (docs/benchmarks.md). */
const BYTES_PER_PEER_CYCLE = 62.5;
/**
 * What a drift frame costs on the wire beyond its own bytes: a 2-byte length, a 16-byte Noise
 * tag and a 12-byte Yamux header (docs/benchmarks.md, "Headless node"). The lab counts drift
 * bytes only.
 */
const TRANSPORT_BYTES = 30;
/** bench:node's CPU budget, 2% of a core at 1 cycle/s: 20 ms of CPU per node-cycle. */
const CPU_MS_PER_NODE_CYCLE = 20;

const SIZES = {
  quick: { nodes: 8, cycleMs: 100, cycles: 150 },
  full: { nodes: 24, cycleMs: 200, cycles: 400 },
} as const;

/** Resolves with the phase's convergence, or null when it has not come within `timeoutMs`. */
function nextConvergence(
  lab: Lab,
  after: 'start' | 'partition' | 'heal',
  timeoutMs: number,
): Promise<Extract<LabEvent, { type: 'converged' }> | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = lab.onEvent((e) => {
      if (e.type !== 'converged' || e.after !== after) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

const cyclesText = (e: { cycles: number } | null, limit: number) =>
  e === null ? `not within ${limit} cycles` : `${e.cycles} cycles`;

/** Starts a lab of the size's nodes, runs `use` on it, and stops and removes it. */
async function withLab<T>(size: CheckSize, use: (lab: Lab) => Promise<T>): Promise<T> {
  const s = SIZES[size];
  const folder = await mkdtemp(join(tmpdir(), 'lvs-claims-'));
  let lab: Lab | null = null;
  try {
    lab = await Lab.start({
      nodes: s.nodes,
      topology: `ring:${DEGREE}`,
      seed: 1,
      cycleMs: s.cycleMs,
      params: resolveParams({ beta: 0.3 }),
      initial: { min: 40, max: 60 },
      dir: join(folder, 'lab'),
      epsilon: EPSILON,
      appVersion: appVersion(),
      record: false,
    });
    return await use(lab);
  } finally {
    await lab?.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Runs two labs, one after the other so that neither's CPU is counted in the other's: one
 * converging from its seeded start over lossy, late links; one split in halves from its start,
 * then healed. Bytes and CPU are counted in the second, on clean links.
 */
export async function labClaims(size: CheckSize): Promise<Record<LabClaim, ClaimOutcome>> {
  const s = SIZES[size];
  const timeoutMs = s.cycles * s.cycleMs;
  const where = `${s.nodes} real nodes, ${DEGREE} peers each, ${s.cycleMs} ms cycles`;

  const lossy = await withLab(size, async (lab) => {
    // Asked before the first ticks are measured, so the whole start runs over lossy links.
    const converged = nextConvergence(lab, 'start', timeoutMs);
    await lab.apply({
      op: 'link-faults',
      faults: { ...NO_LINK_FAULTS, loss: LOSS, delayMs: s.cycleMs / 2, jitterMs: s.cycleMs / 2 },
    });
    return converged;
  });

  const split = await withLab(size, async (lab) => {
    const cpu0 = process.cpuUsage();
    const bytes: number[] = [];
    const off = lab.onSnapshot((snap: LabSnapshot) => {
      if (snap.metrics && snap.metrics.bytesPerNodeS > 0) bytes.push(snap.metrics.bytesPerNodeS);
    });
    const apart = nextConvergence(lab, 'partition', timeoutMs);
    await lab.apply({ op: 'partition', partition: { kind: 'partition-halves' } });
    const halves = await apart;
    const groups = lab.metrics?.groups ?? [];
    const gap =
      groups.length === 2
        ? Math.hypot(...groups[0]!.mean.map((m, c) => m - groups[1]!.mean[c]!))
        : NaN;
    const joined = nextConvergence(lab, 'heal', timeoutMs);
    await lab.apply({ op: 'heal' });
    const healed = await joined;
    off();
    const cpu = process.cpuUsage(cpu0);
    const nodeCycles = s.nodes * Math.max(1, lab.metrics?.cycle ?? 0);
    const mean = bytes.length ? bytes.reduce((a, b) => a + b, 0) / bytes.length : NaN;
    return {
      halves,
      gap,
      healed,
      nodeCycles,
      cpuMs: (cpu.user + cpu.system) / 1000 / nodeCycles,
      bytes: mean,
    };
  });

  // Drift bytes per peer per cycle, then as the wire carries them (one frame per peer-cycle).
  const drift = (split.bytes * s.cycleMs) / 1000 / DEGREE;
  const wire = drift + TRANSPORT_BYTES;
  const { halves, healed, gap, cpuMs } = split;
  return {
    'packet-loss': {
      verdict: verdictOf(lossy !== null),
      figure: `converged (spread < ${EPSILON}) in ${cyclesText(lossy, s.cycles)} with ${100 * LOSS}% of drift frames lost and the rest ${s.cycleMs / 2}..${s.cycleMs} ms late (${where})`,
      figures: { loss: LOSS, cycles: lossy?.cycles ?? NaN, ms: lossy?.ms ?? NaN },
    },
    partition: {
      verdict: verdictOf(halves !== null && healed !== null),
      figure: `split from the start, each half converged in ${cyclesText(halves, s.cycles)} to means ${Number.isFinite(gap) ? gap.toFixed(2) : '?'} VU apart; reconverged ${cyclesText(healed, s.cycles)} after the heal (${where})`,
      figures: { partitionCycles: halves?.cycles ?? NaN, gap, healCycles: healed?.cycles ?? NaN },
    },
    bandwidth: {
      verdict: verdictOf(wire <= BYTES_PER_PEER_CYCLE),
      figure: `${drift.toFixed(1)} drift bytes per peer per cycle, about ${wire.toFixed(1)} on the wire (budget ${BYTES_PER_PEER_CYCLE}: 30 KB a minute at 8 peers, 1 cycle/s)`,
      figures: {
        bytesPerNodeS: split.bytes,
        driftBytesPerPeerCycle: drift,
        wireBytesPerPeerCycle: wire,
      },
    },
    cpu: {
      verdict: verdictOf(cpuMs <= CPU_MS_PER_NODE_CYCLE),
      figure: `${cpuMs.toFixed(2)} ms of CPU per node-cycle, the lab's controller included (budget ${CPU_MS_PER_NODE_CYCLE} ms: 2% of a core at 1 cycle/s), ${(cpuMs / 10).toFixed(2)}% of a core at 1 cycle/s`,
      figures: { cpuMsPerNodeCycle: cpuMs, nodeCycles: split.nodeCycles },
    },
  };
}
