import { beforeAll, describe, expect, it } from 'vitest';
import { scenarioInfo } from '../../src-shared/api/monitor-api';
import { describeCommand } from '../../src-shared/lab/describe';
import {
  captionIndexAt,
  resolveTour,
  TOUR,
  type TimedStep,
  type Tour,
  type TourScenario,
} from '../../src-shared/lab/tour';
import { listScenarios, loadScenario } from '../../src-main/lab/scenario-file';

/*
 * The guided tour's steps and captions (src-shared/lab/tour.ts) against the shipped scenario
 * files: every caption is tied to a moment its scenario has, in order, and a scenario changed
 * under the tour fails here rather than leaving a caption about something that does not happen.
 */

let shipped: TourScenario[];

beforeAll(async () => {
  shipped = await Promise.all(
    (await listScenarios()).map(async (name) => scenarioInfo(name, await loadScenario(name))),
  );
});

const resolved = (tour: Tour = TOUR, scenarios = shipped): readonly TimedStep[] => {
  const r = resolveTour(tour, scenarios);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value;
};

const problems = (scenarios: TourScenario[], tour: Tour = TOUR): readonly string[] => {
  const r = resolveTour(tour, scenarios);
  return r.ok ? [] : r.problems;
};

/** The shipped scenarios with one of them changed. */
const changed = (name: string, change: (s: TourScenario) => TourScenario): TourScenario[] =>
  shipped.map((s) => (s.name === name ? change(s) : s));

describe('the guided tour', () => {
  it('places every caption of every step on a moment of the shipped scenarios', () => {
    expect(resolveTour(TOUR, shipped)).toMatchObject({ ok: true });
  });

  it('runs converge, partition and heal, the bridge, then liars under mean and under trimmed', () => {
    const steps = resolved();
    expect(steps.map((s) => s.scenario.name)).toEqual([
      'converge',
      'partition-heal',
      'bridge',
      'sybil-mean-vs-trimmed',
    ]);
    const moments = steps.map((s) => s.captions.map((c) => c.moment));
    expect(moments[1]).toEqual([
      'partition partition-halves at 0 s',
      'heal at 20 s',
      'end at 40 s',
    ]);
    expect(moments[3]).toEqual([
      'start',
      'sybil: 3 pull liar(s) linked to nodes 0..5 at 5 s',
      'set trimmed F to 3, aggregator to trimmed at 35 s',
      'end at 65 s',
    ]);
  });

  it('ties each caption to its scenario: time 0, a timeline command at its own time, or the end', () => {
    for (const step of resolved()) {
      const { scenario, captions } = step;
      expect(captions[0]!.atS, step.title).toBe(0);
      expect(captions.at(-1)!.atS, step.title).toBe(scenario.durationS);
      for (const [i, c] of captions.entries()) {
        if (i > 0)
          expect(c.atS, `${step.title}: ${c.moment}`).toBeGreaterThan(captions[i - 1]!.atS);
        if (c.moment === 'start' || c.moment.startsWith('end at ')) continue;
        const entry = scenario.timeline.find(
          (e) => `${describeCommand(e.command)} at ${e.at} s` === c.moment,
        );
        expect(entry?.at, `${step.title}: ${c.moment}`).toBe(c.atS);
      }
    }
  });

  it('fills the placeholders from the scenario and leaves none behind', () => {
    const steps = resolved();
    for (const step of steps)
      for (const c of step.captions) expect(c.text, c.moment).not.toMatch(/\{\w+\}/);
    expect(steps[1]!.captions[1]!.text).toMatch(/^At 20 s the partition heals/);
    expect(steps[0]!.captions[0]!.text).toMatch(/^30 nodes start far apart/);
    expect(steps[0]!.captions[1]!.text).toContain('ε = 0.5');
  });

  it('follows a timeline that moves: the captions take the file’s new times', () => {
    const later = changed('partition-heal', (s) => ({
      ...s,
      timeline: s.timeline.map((e) => (e.command.op === 'heal' ? { ...e, at: 25 } : e)),
    }));
    const heal = resolved(TOUR, later)[1]!.captions[1]!;
    expect(heal).toMatchObject({ atS: 25, moment: 'heal at 25 s' });
    expect(heal.text).toMatch(/^At 25 s the partition heals/);
  });

  it('fails when a caption waits for a command its scenario no longer has', () => {
    const noHeal = changed('bridge', (s) => ({
      ...s,
      timeline: s.timeline.filter((e) => e.command.op !== 'heal'),
    }));
    expect(problems(noHeal)).toEqual([
      `step 3 (Two halves and one bridge), caption 2: waits for "heal", which bridge's timeline does not have after the previous caption (it has: nothing)`,
    ]);
  });

  it('fails when the commands come in another order than the captions', () => {
    const healFirst = changed('partition-heal', (s) => ({
      ...s,
      timeline: [
        { at: 0, command: { op: 'heal' } },
        { at: 20, command: s.timeline[0]!.command },
      ],
    }));
    expect(problems(healFirst).join('\n')).toMatch(
      /step 2 \(A partition, then the heal\), caption 2: waits for "heal", which partition-heal's timeline does not have after the previous caption/,
    );
  });

  it('fails when a command changes what it does (another partition, other liars)', () => {
    const otherKind = changed('bridge', (s) => ({
      ...s,
      timeline: s.timeline.map((e) =>
        e.command.op === 'partition'
          ? { ...e, command: { op: 'partition', partition: { kind: 'partition-halves' } } }
          : e,
      ),
    }));
    expect(problems(otherKind).join('\n')).toMatch(/caption 1: waits for "partition bridge"/);
    const fewerLiars = changed('sybil-mean-vs-trimmed', (s) => ({
      ...s,
      timeline: s.timeline.map((e) =>
        e.command.op === 'sybil' ? { ...e, command: { ...e.command, count: 2 } } : e,
      ),
    }));
    expect(problems(fewerLiars).join('\n')).toMatch(/waits for "sybil: 3 pull liar\(s\)/);
  });

  it('fails when a step does not open at time 0, a caption shares a moment, or a scenario is gone', () => {
    const lateStart = changed('partition-heal', (s) => ({
      ...s,
      timeline: s.timeline.map((e) => (e.command.op === 'partition' ? { ...e, at: 2 } : e)),
    }));
    expect(problems(lateStart)).toEqual([
      'step 2 (A partition, then the heal): the first caption must be at time 0, so that one shows from the start',
    ]);
    const twice: Tour = {
      ...TOUR,
      steps: [
        {
          title: 'twice',
          scenario: 'converge',
          captions: [
            { at: 'start', text: 'a' },
            { at: 'start', text: 'b' },
            { at: 'end', text: 'c' },
          ],
        },
      ],
    };
    expect(problems(shipped, twice)).toEqual([
      "step 1 (twice), caption 2: its moment (start) does not come after the previous caption's (start)",
    ]);
    expect(problems(shipped.filter((s) => s.name !== 'bridge'))).toEqual([
      'step 3 (Two halves and one bridge): no scenario named "bridge"',
    ]);
  });

  it('refuses a placeholder the moment cannot fill, and a step that does not end at the end', () => {
    const tour: Tour = {
      ...TOUR,
      steps: [
        {
          title: 'bad',
          scenario: 'converge',
          captions: [
            { at: 'start', text: 'at {at} s, {colour}' },
            { at: { command: 'heal' }, text: 'x' },
          ],
        },
        { title: 'open', scenario: 'converge', captions: [{ at: 'start', text: 'x' }] },
      ],
    };
    expect(problems(shipped, tour)).toEqual([
      'step 1 (bad), caption 1: {at}, {colour} cannot be filled at the start',
      `step 1 (bad), caption 2: waits for "heal", which converge's timeline does not have (it has: nothing)`,
      'step 2 (open): the last caption must be at the end, where the presenter continues',
    ]);
    // The one line the monitor shows is the first of them.
    expect(resolveTour(tour, shipped)).toMatchObject({
      ok: false,
      reason: 'step 1 (bad), caption 1: {at}, {colour} cannot be filled at the start',
    });
  });

  it('shows the last caption whose moment the lab has reached', () => {
    const step = resolved()[1]!; // partition at 0, heal at 20, end at 40
    expect([0, 19.9, 20, 39.99, 40, 55].map((t) => captionIndexAt(step, t))).toEqual([
      0, 0, 1, 1, 2, 2,
    ]);
  });
});
