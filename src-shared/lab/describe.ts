import type { LabCommand, LinkFaults } from '../api/lab-api';
import { describeSlots } from './partitions';

/*
 * Commands as people read them, for event lines (the CLI, the monitor's event log): one short
 * phrase each, naming the nodes as slot ranges.
 */

const sortedSlots = (nodes: readonly number[]) => describeSlots([...nodes].sort((a, b) => a - b));

export function describeFaults(f: LinkFaults): string {
  const set = Object.entries(f).filter(([, v]) => v !== 0);
  return set.length === 0 ? 'none' : set.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** One command as a short phrase: `kill nodes 1..5`, `partition partition-halves`. */
export function describeCommand(c: LabCommand): string {
  switch (c.op) {
    case 'partition':
      return c.partition.kind === 'groups'
        ? `partition into groups ${c.partition.groups.map((g) => `[${sortedSlots(g)}]`).join(' ')}`
        : `partition ${c.partition.kind}`;
    case 'kill':
    case 'stop':
    case 'revive':
    case 'freeze':
    case 'thaw':
    case 'honest':
      return `${c.op} nodes ${sortedSlots(c.nodes)}`;
    case 'link-faults':
      return `link faults ${describeFaults(c.faults)} on ${c.links ? `${c.links.length} link(s)` : 'every link'}`;
    case 'clock-skew':
      return `clock skew x${c.factor} on nodes ${sortedSlots(c.nodes)}`;
    case 'liar':
      return `liar (${c.behaviour.kind}) nodes ${sortedSlots(c.nodes)}`;
    case 'sybil':
      return `sybil: ${c.count} ${c.behaviour.kind} liar(s) linked to nodes ${sortedSlots(c.targets)}`;
    case 'set-params':
      return `set params ${JSON.stringify(c.params)}${c.nodes ? ` on nodes ${sortedSlots(c.nodes)}` : ''}`;
    case 'speed':
      return `speed x${c.factor}`;
    case 'add-nodes':
      return `add ${c.count} node(s)`;
    case 'nemesis': {
      const s = c.schedule;
      return `nemesis ${s.faults.join(', ')} (${s.order}) every ${s.everyS} s for ${s.durationS} s, ${s.rounds} round(s)`;
    }
    default:
      return c.op;
  }
}
