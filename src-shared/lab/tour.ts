import type { ScenarioInfo } from '../api/monitor-api';
import { accept, refuse, type Checked } from '../checked';
import { describeCommand } from './describe';

/*
 * The guided tour: the shipped scenarios in order, with captions that say what to watch at each
 * moment, for a presenter in front of an audience. Defined once, as data, here: the monitor
 * shows it, and anything else (a test, the CLI) can read the same steps.
 *
 * A caption is tied to a moment of its scenario, never to a time written by hand: the start, a
 * command of the scenario's timeline (named in describeCommand's words, so that "heal" finds the
 * heal wherever the file puts it), or the end. resolveTour looks every moment up in the scenario
 * as the host loaded it and reports each caption that names a moment the scenario does not have,
 * so a changed timeline cannot leave a caption talking about something that does not happen.
 *
 * Placeholders in a caption are filled from the scenario: {nodes}, {epsilon}, and for a command
 * moment {at} (its time in seconds) and {command} (the command in words).
 */

/** A moment of a scenario: its start, the first command after the previous caption's, its end. */
export type TourMoment = 'start' | 'end' | { readonly command: string };

export interface TourCaption {
  readonly at: TourMoment;
  readonly text: string;
}

export interface TourStep {
  /** What the step shows, in a few words. */
  readonly title: string;
  /** The shipped scenario it runs. */
  readonly scenario: string;
  /** In the order of their moments; the first at the start (time 0), the last at the end. */
  readonly captions: readonly TourCaption[];
}

export interface Tour {
  /** Shown before the first step, while the presenter introduces it. */
  readonly intro: string;
  readonly steps: readonly TourStep[];
  /** Shown after the last step: the tour is over. */
  readonly finale: string;
}

/** What the tour reads of a scenario (the monitor has it from the host's scenario list). */
export type TourScenario = Pick<
  ScenarioInfo,
  'name' | 'nodes' | 'epsilon' | 'durationS' | 'timeline'
>;

export const TOUR: Tour = {
  intro:
    'A guided tour of LVS: four shipped scenarios run one after another on real nodes on this machine. ' +
    'Each caption says what to watch on the map and the charts as it happens. ' +
    'Press Continue to start each step, or Leave tour at any time.',
  steps: [
    {
      title: 'One swarm converges',
      scenario: 'converge',
      captions: [
        {
          at: 'start',
          text:
            '{nodes} nodes start far apart and nothing disturbs them. Watch the spread chart fall ' +
            'toward the dashed ε line and the map turn to one colour, "near", as the nodes agree: ' +
            'the chart writes how long convergence took.',
        },
        {
          at: 'end',
          text:
            'Converged: the spread stays under ε = {epsilon}, at its noise floor. The states never ' +
            'agree exactly (every node adds a little entropy each cycle), so the wander chart shows ' +
            'the mean drifting slowly, like a random walk.',
        },
      ],
    },
    {
      title: 'A partition, then the heal',
      scenario: 'partition-heal',
      captions: [
        {
          at: { command: 'partition partition-halves' },
          text:
            'The swarm is cut in two halves: watch the map split into two groups, each converging ' +
            'on its own. The spread chart writes "converged within each group", while the spread ' +
            'of the whole swarm stays high: the halves cannot talk.',
        },
        {
          at: { command: 'heal' },
          text:
            'At {at} s the partition heals: the map shows one group again. Watch the spread fall ' +
            'under the dashed ε line as the halves merge; the chart writes "reconverged … after ' +
            'the heal" with how long it took.',
        },
        {
          at: 'end',
          text:
            'One swarm again, at its noise floor. A partition delays agreement, it does not break ' +
            'it: each side keeps going, and they merge when the links come back.',
        },
      ],
    },
    {
      title: 'Two halves and one bridge',
      scenario: 'bridge',
      captions: [
        {
          at: { command: 'partition bridge' },
          text:
            'Two halves that can talk only through one bridge node, ringed on the map in both ' +
            "groups' colours. Watch each group converge on its own (the spread chart writes " +
            '"converged within each group"), while the spread of the whole swarm falls only ' +
            'slowly: everything the halves agree on flows through that one node.',
        },
        {
          at: { command: 'heal' },
          text:
            'At {at} s the partition heals. The bridge has already drawn the halves close, the ' +
            'spread near the dashed ε line: watch it fall under the line within a second or two ' +
            'and settle at the noise floor. The "reconverged" time the chart writes after the heal ' +
            'is short, since the bridge left little gap to close.',
        },
        {
          at: 'end',
          text:
            'One swarm at its noise floor. A single bridge node kept drawing the halves together ' +
            'all along; the heal only finished the merge.',
        },
      ],
    },
    {
      title: 'Liars: mean, then trimmed',
      scenario: 'sybil-mean-vs-trimmed',
      captions: [
        {
          at: 'start',
          text:
            '{nodes} honest nodes converge under the mean aggregator. Watch the spread fall under ' +
            'ε and the wander chart stay flat: nothing but their peers moves their states.',
        },
        {
          at: { command: 'sybil: 3 pull liar(s) linked to nodes 0..5' },
          text:
            'At {at} s three Sybil liars join, each linked to the same six honest nodes, pulling ' +
            'them toward a far point with lies just inside what VaultGuard accepts. Under the ' +
            'mean, watch the wander chart climb steadily and the cloud on the drift plane move ' +
            'as one: the whole swarm is dragged, not only the targets.',
        },
        {
          at: { command: 'set trimmed F to 3, aggregator to trimmed' },
          text:
            'At {at} s every node switches to trimmed(3): each target has exactly three liars, so ' +
            'trimming drops them all. Watch the wander chart go flat, the mean staying where it ' +
            'is, and the honest nodes agree again: the liars no longer move anyone.',
        },
        {
          at: 'end',
          text:
            'Clamping limits how fast liars can pull; trimmed(F) stops them as long as no honest ' +
            'node has more than F liars among its peers.',
        },
      ],
    },
  ],
  finale:
    'The tour is over. The last lab keeps running: pause it, step it or break it yourself with ' +
    'the controls on the left. Leave the tour to return to the monitor.',
};

/** A caption placed on its scenario's clock. */
export interface TimedCaption {
  /** Seconds from the scenario's start (its lab's t = 0). */
  readonly atS: number;
  /** The moment in words: "start", "heal at 20 s", "end at 40 s". */
  readonly moment: string;
  readonly text: string;
}

export interface TimedStep {
  readonly title: string;
  readonly scenario: TourScenario;
  readonly captions: readonly TimedCaption[];
}

/**
 * The steps placed, or every problem found, one line each. The reason is the first problem: the
 * one line the monitor shows; a test or an author reads them all.
 */
export type TourResolution = Checked<
  readonly TimedStep[],
  { readonly problems: readonly string[] }
>;

const PLACEHOLDER = /\{(\w+)\}/g;

/**
 * Places every caption of the tour on its scenario's clock. Reports, one line each, a step whose
 * scenario is missing, a caption whose moment its scenario does not have (a command not in the
 * timeline after the previous caption's, in describeCommand's words), captions out of order or
 * at the same time, a step that does not open at time 0 or close at the end, and a placeholder
 * that cannot be filled.
 */
export function resolveTour(tour: Tour, scenarios: readonly TourScenario[]): TourResolution {
  const problems: string[] = [];
  const steps: TimedStep[] = [];
  for (const [i, step] of tour.steps.entries()) {
    const where = `step ${i + 1} (${step.title})`;
    const scenario = scenarios.find((s) => s.name === step.scenario);
    if (!scenario) {
      problems.push(`${where}: no scenario named "${step.scenario}"`);
      continue;
    }
    const before = problems.length;
    const captions: TimedCaption[] = [];
    let next = 0; // the first timeline entry a command moment may match
    for (const [j, caption] of step.captions.entries()) {
      const at = caption.at;
      const here = `${where}, caption ${j + 1}`;
      let timed: { atS: number; moment: string; fill: Record<string, string> };
      if (at === 'start') timed = { atS: 0, moment: 'start', fill: {} };
      else if (at === 'end')
        timed = { atS: scenario.durationS, moment: `end at ${scenario.durationS} s`, fill: {} };
      else {
        const k = scenario.timeline.findIndex(
          (e, index) => index >= next && describeCommand(e.command).startsWith(at.command),
        );
        if (k < 0) {
          const has = scenario.timeline
            .slice(next)
            .map((e) => `${describeCommand(e.command)} at ${e.at} s`);
          problems.push(
            `${here}: waits for "${at.command}", which ${scenario.name}'s timeline does not have` +
              ` ${next > 0 ? 'after the previous caption ' : ''}(it has: ${has.join('; ') || 'nothing'})`,
          );
          continue;
        }
        next = k + 1;
        const entry = scenario.timeline[k]!;
        const words = describeCommand(entry.command);
        timed = {
          atS: entry.at,
          moment: `${words} at ${entry.at} s`,
          fill: { at: String(entry.at), command: words },
        };
      }
      const values: Record<string, string> = {
        nodes: String(scenario.nodes),
        epsilon: String(scenario.epsilon),
        ...timed.fill,
      };
      const unknown = [...caption.text.matchAll(PLACEHOLDER)]
        .map((m) => m[1]!)
        .filter((name) => !(name in values));
      if (unknown.length > 0)
        problems.push(`${here}: {${unknown.join('}, {')}} cannot be filled at the ${timed.moment}`);
      const previous = captions.at(-1);
      if (previous && !(timed.atS > previous.atS))
        problems.push(
          `${here}: its moment (${timed.moment}) does not come after the previous caption's (${previous.moment})`,
        );
      captions.push({
        atS: timed.atS,
        moment: timed.moment,
        text: caption.text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole),
      });
    }
    if (problems.length > before) continue;
    if (captions[0]?.atS !== 0)
      problems.push(
        `${where}: the first caption must be at time 0, so that one shows from the start`,
      );
    if (step.captions.at(-1)?.at !== 'end')
      problems.push(`${where}: the last caption must be at the end, where the presenter continues`);
    steps.push({ title: step.title, scenario, captions });
  }
  return problems.length > 0 ? refuse(problems[0]!, { problems }) : accept(steps);
}

/** The index of the caption showing at t seconds of the step's scenario (the last one reached). */
export function captionIndexAt(step: TimedStep, tS: number): number {
  let shown = 0;
  for (const [i, c] of step.captions.entries()) if (c.atS <= tS) shown = i;
  return shown;
}
