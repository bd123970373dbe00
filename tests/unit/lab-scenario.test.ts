import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyOverrides,
  parseScenario,
  ScenarioError,
  type Scenario,
} from '../../src-shared/lab/scenario';
import { listScenarios, loadScenario } from '../../src-main/lab/scenario-file';

/*
 * Scenario files: every shipped one loads; each kind of mistake is one line naming the file,
 * the field and the problem; command-line overrides are checked again.
 */

const SHIPPED = [
  'bridge',
  'churn',
  'converge',
  'drain',
  'lossy-links',
  'partition-heal',
  'sybil-mean-vs-trimmed',
];

const base = {
  name: 'test',
  description: 'a test scenario',
  lab: {
    nodes: 20,
    topology: 'random:8',
    seed: 1,
    cycleMs: 200,
    params: { beta: 0.2 },
    initial: { min: 40, max: 60 },
  },
  timeline: [
    { at: 5, command: { op: 'partition', partition: { kind: 'partition-halves' } } },
    { at: 15, command: { op: 'heal' } },
  ],
  measure: { epsilon: 0.5 },
  durationS: 30,
};

type Json = Record<string, unknown>;
/** The base scenario with `edit` applied to a deep copy. */
function variant(edit: (s: Json & typeof base) => void): string {
  const s = structuredClone(base) as Json & typeof base;
  edit(s);
  return JSON.stringify(s);
}

/** The one-line message parseScenario throws for this text. */
function problem(text: string): string {
  try {
    parseScenario(text, 'x.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ScenarioError');
}

describe('shipped scenarios', () => {
  it('are all listed', async () => {
    expect(await listScenarios()).toEqual(SHIPPED);
  });

  it.each(SHIPPED)('%s loads by name and is a sensible demo', async (name) => {
    const s = await loadScenario(name);
    expect(s.name).toBe(name);
    expect(s.description.length).toBeGreaterThan(80);
    expect(s.lab.nodes).toBeGreaterThanOrEqual(20);
    expect(s.lab.nodes).toBeLessThanOrEqual(50);
    expect(s.lab.cycleMs).toBe(200);
    expect(s.lab.initial).toEqual({ min: 40, max: 60 });
    expect(s.measure.epsilon).toBe(0.5);
  });

  it('sybil-mean-vs-trimmed switches to trimmed(F) with F = the sybils each target hears', async () => {
    const s = await loadScenario('sybil-mean-vs-trimmed');
    expect(s.lab.params).toMatchObject({ alpha: 0, aggregator: 'mean' });
    const sybil = s.timeline.find((e) => e.command.op === 'sybil')?.command;
    const switchTo = s.timeline.find((e) => e.command.op === 'set-params')?.command;
    expect(sybil?.op === 'sybil' && switchTo?.op === 'set-params').toBe(true);
    if (sybil?.op !== 'sybil' || switchTo?.op !== 'set-params') return;
    expect(switchTo.params).toEqual({ aggregator: 'trimmed', trimF: sybil.count });
    // Just under the anomaly limit (50), and toward a target that keeps states >= 0.
    expect(sybil.behaviour).toMatchObject({ kind: 'pull', reach: 45 });
  });

  it('loads a file by path, and says so in one line when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs-scenario-'));
    try {
      const path = join(dir, 'mine.json');
      await writeFile(path, JSON.stringify(base));
      expect((await loadScenario(path)).name).toBe('test');
      await expect(loadScenario(join(dir, 'none.json'))).rejects.toThrow(
        `no scenario file at ${join(dir, 'none.json')}`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the shipped scenarios when a name is unknown', async () => {
    await expect(loadScenario('partition-heel')).rejects.toThrow(
      /^unknown scenario "partition-heel"; shipped scenarios: bridge, churn, .*sybil-mean-vs-trimmed/,
    );
  });
});

describe('parseScenario', () => {
  it('fills the defaults', () => {
    const s = parseScenario(
      JSON.stringify({ name: 'm', lab: { nodes: 10, topology: 'ring:4' }, durationS: 5 }),
      'm.json',
    );
    expect(s).toEqual({
      name: 'm',
      description: '',
      lab: {
        nodes: 10,
        topology: 'ring:4',
        seed: 1,
        cycleMs: 200,
        params: {},
        initial: { min: 40, max: 60 },
      },
      timeline: [],
      measure: { epsilon: 0.5 },
      durationS: 5,
    });
  });

  it('refuses bad JSON in one line', () => {
    expect(problem('{ "name": "x", }')).toMatch(/^x\.json: not valid JSON: /);
  });

  it.each([
    [
      'a misspelt key at the top',
      variant((s) => {
        s.durationSec = 30;
      }),
      'x.json: unknown key "durationSec" (known: name, description, lab, timeline, measure, durationS)',
    ],
    [
      'a misspelt key in lab',
      variant((s) => {
        (s.lab as Json).node = 3;
      }),
      'x.json: lab: unknown key "node" (known: nodes, topology, seed, cycleMs, params, initial, capped)',
    ],
    [
      'a misspelt key in a command',
      variant((s) => {
        (s.timeline[1].command as Json).nodes = [1];
      }),
      'x.json: timeline[1].command: unknown key "nodes"',
    ],
    [
      'a bad topology',
      variant((s) => {
        s.lab.topology = 'randum:8';
      }),
      'x.json: lab.topology: bad topology "randum:8": unknown kind "randum"; allowed forms: ring, ring:K',
    ],
    [
      'a topology too dense for the nodes',
      variant((s) => {
        s.lab.nodes = 6;
      }),
      'x.json: lab.topology: degree must be an integer in 1..n-1 (n = 6)',
    ],
    [
      'an out-of-range parameter',
      variant((s) => {
        s.lab.params.beta = 2;
      }),
      'x.json: lab.params: beta must be in (0, 1] (got 2)',
    ],
    [
      'an unknown parameter',
      variant((s) => {
        (s.lab.params as Json).betta = 0.1;
      }),
      'x.json: lab.params: unknown parameter betta (known: dimensions, alpha, beta',
    ],
    [
      'an unsorted timeline',
      variant((s) => {
        s.timeline[1].at = 2;
      }),
      'x.json: timeline[1].at: timeline must be sorted by at: 2 comes after 5',
    ],
    [
      'a bad command',
      variant((s) => {
        s.timeline[1].command.op = 'heel';
      }),
      'x.json: timeline[1].command.op: op must be one of partition, heal,',
    ],
    [
      'a bad partition kind',
      variant((s) => {
        (s.timeline[0].command as Json).partition = { kind: 'halves' };
      }),
      'x.json: timeline[0].command.partition.kind: kind must be one of partition-halves,',
    ],
    [
      'a negative at',
      variant((s) => {
        s.timeline[0].at = -1;
      }),
      'x.json: timeline[0].at: at (seconds from the start) must be a number in 0..86400 (got -1)',
    ],
    [
      'too many nodes',
      variant((s) => {
        s.lab.nodes = 2001;
      }),
      'x.json: lab.nodes: nodes must be an integer in 2..2000 (got 2001)',
    ],
    [
      'a cycle too short',
      variant((s) => {
        s.lab.cycleMs = 10;
      }),
      'x.json: lab.cycleMs: cycleMs must be an integer in 20..60000 (got 10)',
    ],
    [
      'initial min over max',
      variant((s) => {
        s.lab.initial = { min: 60, max: 40 };
      }),
      'x.json: lab.initial.max: initial.min must not exceed initial.max',
    ],
    [
      'a negative initial state',
      variant((s) => {
        s.lab.initial.min = -1;
      }),
      'x.json: lab.initial.min: initial.min must be a number in 0..1000000000000 (got -1)',
    ],
    [
      'a run shorter than its timeline',
      variant((s) => {
        s.durationS = 10;
      }),
      "x.json: durationS: durationS (10) must be >= the last timeline entry's at (15)",
    ],
    [
      'a zero duration',
      variant((s) => {
        s.durationS = 0;
        s.timeline = [];
      }),
      'x.json: durationS: durationS must be in (0, 86400] (got 0)',
    ],
    [
      'a zero epsilon',
      variant((s) => {
        s.measure.epsilon = 0;
      }),
      'x.json: measure.epsilon: epsilon must be a number > 0 (got 0)',
    ],
    [
      'a liar target with the wrong dimensions',
      variant((s) => {
        s.timeline.push({
          at: 20,
          command: {
            op: 'sybil',
            count: 2,
            targets: [0],
            behaviour: { kind: 'pull', target: [1, 2, 3], reach: 45 },
          } as never,
        });
      }),
      'x.json: timeline[2].command.behaviour.target: has 3 components; the lab has 2 dimensions',
    ],
    [
      'a set-params out of range',
      variant((s) => {
        s.timeline.push({ at: 20, command: { op: 'set-params', params: { trimF: 40 } } as never });
      }),
      'x.json: timeline[2].command.params: trimF must be an integer in 0..32 (got 40)',
    ],
    [
      'a set-params changing shards',
      variant((s) => {
        s.timeline.push({ at: 20, command: { op: 'set-params', params: { shards: 2 } } as never });
      }),
      'x.json: timeline[2].command.params.shards: a running lab cannot change shards (1 to 2)',
    ],
    [
      'capped nodes with one shard',
      variant((s) => {
        (s.lab as Json).capped = { share: 0.5, shards: 1 };
      }),
      'x.json: lab.capped: needs shards above 1: with one shard every node holds the whole state',
    ],
    [
      'capped nodes holding more shards than there are',
      variant((s) => {
        s.lab.params = { dimensions: 8, shards: 4 } as never;
        (s.lab as Json).capped = { share: 0.5, shards: 5 };
      }),
      'x.json: lab.capped.shards: must be an integer in 1..4, as there are 4 shards (got 5)',
    ],
    [
      'a capped share past 1',
      variant((s) => {
        s.lab.params = { dimensions: 8, shards: 4 } as never;
        (s.lab as Json).capped = { share: 1.5, shards: 1 };
      }),
      'x.json: lab.capped.share: capped.share must be a number in 0..1 (got 1.5)',
    ],
    [
      'capped nodes without their cap',
      variant((s) => {
        s.lab.params = { dimensions: 8, shards: 4 } as never;
        (s.lab as Json).capped = { share: 0.5 };
      }),
      'x.json: lab.capped.shards: missing',
    ],
    ['not an object', '[1, 2]', 'x.json: a scenario must be an object'],
  ])('refuses %s in one line naming it', (_what, text, expected) => {
    expect(problem(text)).toContain(expected);
    expect(problem(text).startsWith(expected.slice(0, 10))).toBe(true);
  });

  it('carries capped nodes in the lab section; none by default', () => {
    const capped = { share: 0.25, shards: 2 };
    const s = parseScenario(
      variant((x) => {
        x.lab.params = { dimensions: 8, shards: 4 } as never;
        (x.lab as Json).capped = capped;
      }),
      'x.json',
    );
    expect(s.lab.capped).toEqual(capped);
    expect(parseScenario(JSON.stringify(base), 'x.json').lab.capped).toBeUndefined();
  });

  it('leaves slots beyond the nodes to the lab', () => {
    const s = parseScenario(
      variant((x) => {
        x.timeline.push({ at: 20, command: { op: 'kill', nodes: [30] } as never });
      }),
      'x.json',
    );
    expect(s.timeline[2].command).toEqual({ op: 'kill', nodes: [30] });
  });

  it('fills command defaults from the lab API (link faults)', () => {
    const s = parseScenario(
      variant((x) => {
        x.timeline.push({ at: 20, command: { op: 'link-faults', faults: { loss: 0.5 } } as never });
      }),
      'x.json',
    );
    expect(s.timeline[2].command).toEqual({
      op: 'link-faults',
      faults: { loss: 0.5, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 },
    });
  });
});

describe('applyOverrides', () => {
  let s: Scenario;
  beforeAll(() => {
    s = parseScenario(JSON.stringify(base), 'x.json');
  });

  it('replaces what the flags give and keeps the rest', () => {
    const o = applyOverrides(s, { nodes: 40, seed: 9, cycleMs: 100, durationS: 60 });
    expect(o.lab).toEqual({ ...s.lab, nodes: 40, seed: 9, cycleMs: 100 });
    expect(o.durationS).toBe(60);
    expect(o.timeline).toEqual(s.timeline);
    expect(applyOverrides(s, {})).toEqual(s);
    expect(applyOverrides(s, { topology: 'ws:6:0.1' }).lab.topology).toBe('ws:6:0.1');
  });

  it("puts --capped in place of the scenario's, checked against its K", () => {
    const sharded = applyOverrides(s, {});
    const K4 = parseScenario(
      variant((x) => {
        x.lab.params = { dimensions: 8, shards: 4 } as never;
        (x.lab as Json).capped = { share: 0.25, shards: 2 };
      }),
      'x.json',
    );
    expect(applyOverrides(K4, { capped: { share: 0.5, shards: 1 } }).lab.capped).toEqual({
      share: 0.5,
      shards: 1,
    });
    expect(() => applyOverrides(sharded, { capped: { share: 0.5, shards: 1 } })).toThrow(
      /^test with overrides: lab\.capped: needs shards above 1/,
    );
  });

  it('does not change the scenario it was given', () => {
    const copy = structuredClone(s);
    applyOverrides(s, { nodes: 30, durationS: 50 });
    expect(s).toEqual(copy);
  });

  it('checks the result again in one line', () => {
    expect(() => applyOverrides(s, { topology: 'ring:3' })).toThrow(
      /^test with overrides: lab\.topology: degree must be an even integer/,
    );
    expect(() => applyOverrides(s, { nodes: 5 })).toThrow(
      /^test with overrides: lab\.topology: degree must be an integer in 1\.\.n-1 \(n = 5\)/,
    );
    expect(() => applyOverrides(s, { durationS: 10 })).toThrow(
      "test with overrides: durationS: durationS (10) must be >= the last timeline entry's at (15)",
    );
    expect(() => applyOverrides(s, { cycleMs: 5 })).toThrow(ScenarioError);
  });

  it('names the field at fault and the problem as fields, for callers that name their flags', () => {
    let caught: unknown;
    try {
      applyOverrides(s, { nodes: 5 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    const e = caught as ScenarioError;
    expect(e.path).toBe('lab.topology');
    expect(e.problem).toMatch(/^degree must be an integer in 1\.\.n-1 \(n = 5\)/);
    expect(e.message).toBe(`test with overrides: lab.topology: ${e.problem}`);
  });

  it('leaves a timeline slot past the new node count for the lab to reject', () => {
    const withSlot = parseScenario(
      variant((x) => {
        x.lab.nodes = 40;
        x.timeline.push({ at: 20, command: { op: 'kill', nodes: [30] } as never });
      }),
      'x.json',
    );
    expect(applyOverrides(withSlot, { nodes: 20 }).timeline[2].command).toEqual({
      op: 'kill',
      nodes: [30],
    });
  });
});
