import { resolveParams } from '../../src-shared/drift/params';
import { LabCommandError } from '../../src-shared/lab/errors';
import { ScenarioError, type Scenario, type TimelineEntry } from '../../src-shared/lab/scenario';
import type { Lab, LabOptions } from './lab';

/*
 * Running a scenario on a lab that has started: each timeline command at its time (seconds
 * since the nodes were released, on the lab's own clock), then a wait to the scenario's end.
 * Commands go one at a time, in order: one that takes a while (reviving many nodes) delays the
 * ones after it rather than overlapping them, as the lab would queue them anyway.
 */

/** How often onProgress is called while a scenario runs. */
const PROGRESS_MS = 250;

/**
 * A timeline command the lab refused when its time came (a slot the lab does not have, a node
 * already dead): a mistake in the scenario, like any other ScenarioError. One line:
 * `timeline[3] (kill at 10 s): unknown node 42: ...`.
 */
export class ScenarioRunError extends ScenarioError {
  constructor(
    message: string,
    /** The refused entry's index in the timeline. */
    readonly index: number,
  ) {
    super(message);
  }
}

/** `timeline[3] (kill at 10 s)`: how errors and logs name a timeline entry. */
export function describeEntry(index: number, entry: TimelineEntry): string {
  return `timeline[${index}] (${entry.command.op} at ${entry.at} s)`;
}

export interface ScenarioRunOptions {
  /** Called every quarter second with the seconds run so far (at most totalS) and at the end. */
  readonly onProgress?: (elapsedS: number, totalS: number) => void;
  /** Ends the run early: the promise then resolves without applying anything further. */
  readonly signal?: AbortSignal;
}

/**
 * Applies the scenario's timeline to the lab and resolves once durationS have passed since the
 * lab started (or at once when the signal aborts). A command the lab refuses rejects with a
 * ScenarioRunError naming the entry; any other failure rejects as it is. The lab keeps
 * running either way: stopping it is the caller's.
 */
export async function runScenario(
  lab: Lab,
  scenario: Scenario,
  opts: ScenarioRunOptions = {},
): Promise<void> {
  const { onProgress, signal } = opts;
  const totalS = scenario.durationS;
  const report = () => onProgress?.(Math.min(totalS, Math.max(0, lab.now() / 1000)), totalS);
  const progress = onProgress ? setInterval(report, PROGRESS_MS) : undefined;
  try {
    for (const [i, entry] of scenario.timeline.entries()) {
      if (!(await waitUntil(lab, entry.at * 1000, signal))) return;
      try {
        await lab.apply(entry.command);
      } catch (err) {
        if (err instanceof LabCommandError)
          throw new ScenarioRunError(`${describeEntry(i, entry)}: ${err.message}`, i);
        throw err;
      }
    }
    if (!(await waitUntil(lab, totalS * 1000, signal))) return;
    onProgress?.(totalS, totalS);
  } finally {
    clearInterval(progress);
  }
}

/** Waits until the lab's clock reads `ms`; false when the signal aborted first. */
async function waitUntil(lab: Lab, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  // Timers and the lab's clock (performance.now) can disagree by a fraction of a millisecond.
  for (;;) {
    if (signal?.aborted) return false;
    const left = ms - lab.now();
    if (left <= 0) return true;
    await new Promise<void>((done) => {
      const onAbort = () => {
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        done();
      }, Math.ceil(left));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface LabOptionsFor {
  readonly dir: string;
  readonly appVersion: string;
  readonly workers?: number;
  readonly record?: boolean;
  /** Browser nodes among the scenario's nodes (`lvs lab --browsers`). */
  readonly browsers?: LabOptions['browsers'];
}

/** The lab a scenario asks for (its parameters resolved over the drift defaults). */
export function labOptionsFor(scenario: Scenario, o: LabOptionsFor): LabOptions {
  const { lab } = scenario;
  return {
    nodes: lab.nodes,
    topology: lab.topology,
    seed: lab.seed,
    cycleMs: lab.cycleMs,
    params: resolveParams(lab.params),
    initial: { min: lab.initial.min, max: lab.initial.max },
    dir: o.dir,
    epsilon: scenario.measure.epsilon,
    appVersion: o.appVersion,
    scenario: scenario.name,
    ...(o.workers === undefined ? {} : { workers: o.workers }),
    ...(o.record === undefined ? {} : { record: o.record }),
    ...(o.browsers === undefined ? {} : { browsers: o.browsers }),
    ...(lab.capped ? { capped: lab.capped } : {}),
  };
}
