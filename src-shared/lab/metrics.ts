import type { NodeSample, TickMetrics } from '../api/lab-api';
import { RULES, countsByRule, emptyCounts } from '../drift/rules';
import {
  distance,
  maxPairwiseDistance,
  networkMean,
  spreadOf,
  stdPerCoordinate,
} from '../sim/metrics';
import { heldCloud } from './held-cloud';

/*
 * A lab's metrics per tick, from the nodes' samples. They are taken over the *counted* nodes:
 * honest, up, and with a state. Liars report what they like, and dead, frozen or starting
 * nodes hold states that no longer (or not yet) take part, so counting them would measure the
 * fault rather than the swarm. Spread and diameter are the simulator's own (sim/metrics.ts),
 * so a lab and a simulation of the same swarm can be compared number for number. With K > 1
 * shards every measure reads a component only from the nodes that hold its shard (held-cloud.ts).
 */

/** Outbound traffic counters of one node, as its sample reports them (totals since it started). */
export interface TrafficCounters {
  readonly framesOut: number;
  readonly bytesOut: number;
}

/** Every node's counters at one tick: what the next tick measures its rates against. */
export interface TrafficMark {
  readonly t: number;
  readonly byNode: ReadonlyMap<number, TrafficCounters>;
}

export interface TickInput {
  /** ms since the lab started */
  readonly t: number;
  readonly samples: readonly NodeSample[];
  /** The partition's groups (PartitionPlan.groups), [] without a partition. */
  readonly groups: readonly (readonly number[])[];
  /** The previous tick's mark, or null on the first tick (the rates are then 0). */
  readonly previous: TrafficMark | null;
  /** The lab's K (`shards`); 1, the whole state, when left out. */
  readonly shards?: number;
}

/** Whether a node's state counts toward the swarm's metrics. */
export function isCounted(s: NodeSample): boolean {
  return s.liar === null && s.condition === 'up' && s.S.length > 0;
}

/**
 * The metrics of one tick, and the traffic mark the next tick needs. Rates are the increase
 * of the counted nodes' outbound counters since the previous tick, per counted node, per
 * second. Counters restart at 0 with a node, so a counter that went down is taken as a
 * restart and its whole new value as the increase (a node that restarted and then sent more
 * than before within one tick is undercounted; the samples carry nothing that could tell).
 * Interventions are the honest nodes' totals summed by rule, whatever their condition.
 */
export function tickMetrics(input: TickInput): { metrics: TickMetrics; traffic: TrafficMark } {
  const { t, samples, groups, previous } = input;
  const K = input.shards ?? 1;
  const counted = samples.filter(isCounted);
  const measure = (nodes: readonly NodeSample[]) =>
    K > 1 && nodes.length > 0 ? heldCloud(nodes, nodes[0]!.S.length, K) : cloud(nodes);
  const whole = measure(counted);
  const bySlot = new Map(counted.map((s) => [s.slot, s]));

  const distances = new Array<number>(maxSlot(samples) + 1).fill(NaN);
  counted.forEach((s, i) => {
    distances[s.slot] = 'distances' in whole ? whole.distances[i]! : distance(s.S, whole.mean);
  });

  const members = (group: readonly number[]) => group.flatMap((slot) => bySlot.get(slot) ?? []);
  const metrics: TickMetrics = {
    t,
    cycle: lowerMedian(counted.map((s) => s.cycle)),
    counted: counted.length,
    spread: whole.spread,
    maxDistance: whole.maxDistance,
    mean: whole.mean,
    distances,
    groups: groups.map((group) => {
      const g = measure(members(group));
      return { mean: g.mean, spread: g.spread };
    }),
    ...rates(counted, previous, t),
    interventions: interventionTotals(samples),
  };
  const byNode = new Map(
    samples.map((s) => [s.slot, { framesOut: s.framesOut, bytesOut: s.bytesOut }]),
  );
  return { metrics, traffic: { t, byNode } };
}

/** Mean, spread and diameter of some nodes' states, through the simulator's measures. */
function cloud(nodes: readonly NodeSample[]): {
  mean: number[];
  spread: number;
  maxDistance: number;
} {
  const n = nodes.length;
  if (n === 0) return { mean: [], spread: 0, maxDistance: 0 };
  const d = nodes[0].S.length;
  const state = new Float64Array(n * d);
  nodes.forEach((s, i) => {
    if (s.S.length !== d) {
      throw new RangeError(
        `node ${s.slot} has ${s.S.length} dimensions, node ${nodes[0].slot} ${d}`,
      );
    }
    state.set(s.S, i * d);
  });
  const mean = networkMean(state, n, d, new Float64Array(d));
  const spread = spreadOf(stdPerCoordinate(state, n, d, mean, new Float64Array(d)));
  return { mean: Array.from(mean), spread, maxDistance: maxPairwiseDistance(state, n, d) };
}

function rates(
  counted: readonly NodeSample[],
  previous: TrafficMark | null,
  t: number,
): { framesPerNodeS: number; bytesPerNodeS: number } {
  const seconds = previous === null ? 0 : (t - previous.t) / 1000;
  if (previous === null || seconds <= 0 || counted.length === 0) {
    return { framesPerNodeS: 0, bytesPerNodeS: 0 };
  }
  let frames = 0;
  let bytes = 0;
  for (const s of counted) {
    const before = previous.byNode.get(s.slot);
    frames += increase(before?.framesOut, s.framesOut);
    bytes += increase(before?.bytesOut, s.bytesOut);
  }
  const per = counted.length * seconds;
  return { framesPerNodeS: frames / per, bytesPerNodeS: bytes / per };
}

/** A counter's growth; one that fell (or was not there) restarted from 0. */
function increase(before: number | undefined, now: number): number {
  return before === undefined || now < before ? now : now - before;
}

function interventionTotals(samples: readonly NodeSample[]): TickMetrics['interventions'] {
  const totals = emptyCounts();
  for (const s of samples) {
    if (s.liar !== null) continue;
    RULES.forEach((rule, i) => (totals[i] += s.interventions[rule] ?? 0));
  }
  return countsByRule(totals);
}

/** The median, the lower middle value for an even count so that it is some node's own count. */
function lowerMedian(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function maxSlot(samples: readonly NodeSample[]): number {
  return samples.reduce((m, s) => Math.max(m, s.slot), -1);
}
