import { describe, expect, it } from 'vitest';
import { labCommand, nemesisSpec, type NemesisSpec } from '../../src-shared/api/lab-api';
import { LabCommandError } from '../../src-shared/lab/errors';
import { NEMESIS_LOSS, planNemesis, type TimedCommand } from '../../src-shared/lab/nemesis';
import { seededRng } from '../../src-shared/random';

const nodes = Array.from({ length: 10 }, (_, i) => i);
const spec = (s: Partial<NemesisSpec>): NemesisSpec =>
  nemesisSpec.parse({ everyS: 10, durationS: 4, faults: ['partition-halves'], rounds: 3, ...s });
const plan = (s: Partial<NemesisSpec>, seed = 1, lab = nodes) =>
  planNemesis(spec(s), lab, seededRng(seed));

const ops = (p: TimedCommand[]) => p.map((c) => c.command.op);

describe('planNemesis', () => {
  it('applies each fault at k * everyS and undoes it durationS later, then heals', () => {
    const p = plan({});
    expect(p.map((c) => c.atMs)).toEqual([0, 4000, 10_000, 14_000, 20_000, 24_000, 30_000]);
    expect(p.map((c) => c.command)).toEqual([
      { op: 'partition', partition: { kind: 'partition-halves' } },
      { op: 'heal' },
      { op: 'partition', partition: { kind: 'partition-halves' } },
      { op: 'heal' },
      { op: 'partition', partition: { kind: 'partition-halves' } },
      { op: 'heal' },
      { op: 'heal' },
    ]);
  });

  it('every command passes the lab command schema and times never go back', () => {
    const all = [
      'partition-random-node',
      'majorities-ring',
      'kill-random',
      'freeze-random',
      'loss',
    ];
    const p = plan({
      faults: all as NemesisSpec['faults'],
      rounds: 40,
      everyS: 0.1,
      durationS: 0.1,
    });
    for (const { command } of p) expect(labCommand.parse(command)).toEqual(command);
    for (let i = 1; i < p.length; i++) expect(p[i].atMs).toBeGreaterThanOrEqual(p[i - 1].atMs);
  });

  it('scripted order takes the faults in turn; each undo matches its fault', () => {
    const p = plan({
      order: 'scripted',
      faults: ['kill-random', 'freeze-random', 'loss', 'bridge'],
      rounds: 5,
    });
    expect(ops(p.slice(0, 10))).toEqual([
      'kill',
      'revive',
      'freeze',
      'thaw',
      'link-faults',
      'link-faults',
      'partition',
      'heal',
      'kill',
      'revive',
    ]);
    expect(p[1].command).toEqual({ ...p[0].command, op: 'revive' });
    expect(p[3].command).toEqual({ ...p[2].command, op: 'thaw' });
    expect(p[4].command).toMatchObject({ faults: { loss: NEMESIS_LOSS, delayMs: 0 } });
    expect(p[5].command).toMatchObject({ faults: { loss: 0, delayMs: 0, reorder: 0 } });
    expect(p[4].command).not.toHaveProperty('links');
  });

  it('undoes every fault within its round and ends at rounds * everyS in one final heal', () => {
    const p = plan({
      order: 'scripted',
      faults: ['kill-random', 'freeze-random', 'loss'],
      rounds: 6,
    });
    const killed = p.flatMap(({ command: c }) => (c.op === 'kill' ? c.nodes : []));
    const revived = p.flatMap(({ command: c }) => (c.op === 'revive' ? c.nodes : []));
    expect(revived).toEqual(killed);
    expect(p).toHaveLength(13);
    expect(p.at(-1)).toEqual({ atMs: 60_000, command: { op: 'heal' } });
  });

  it('random order draws from the faults, the same for the same seed', () => {
    const faults: NemesisSpec['faults'] = ['partition-halves', 'kill-random', 'loss'];
    const a = plan({ faults, rounds: 30 }, 5);
    expect(plan({ faults, rounds: 30 }, 5)).toEqual(a);
    expect(plan({ faults, rounds: 30 }, 6)).not.toEqual(a);
    const applied = new Set(a.filter((_, i) => i % 2 === 0 && i < 60).map((c) => c.command.op));
    expect(applied).toEqual(new Set(['partition', 'kill', 'link-faults']));
  });

  it('durationS may equal everyS (the undo comes before the next fault)', () => {
    const p = plan({ everyS: 0.3, durationS: 0.3, rounds: 10 });
    expect(ops(p)).toEqual([...Array(10).fill(['partition', 'heal']).flat(), 'heal']);
    for (let i = 1; i < p.length; i++) expect(p[i].atMs).toBeGreaterThanOrEqual(p[i - 1].atMs);
  });

  it('refuses a fault longer than its period, a lab too small, or a partition it cannot make', () => {
    expect(() => plan({ everyS: 5, durationS: 6 })).toThrow(LabCommandError);
    expect(() => plan({ everyS: 5, durationS: 6 })).toThrow(
      'durationS (6) must be at most everyS (5)',
    );
    expect(() => plan({ faults: ['loss'] }, 1, [0])).toThrow(
      'a nemesis needs at least 2 nodes (the lab has 1)',
    );
    expect(() => plan({ faults: ['loss', 'majorities-ring'] }, 1, [0, 1, 2])).toThrow(
      'majorities-ring needs at least 4 nodes (the lab has 3)',
    );
  });
});
