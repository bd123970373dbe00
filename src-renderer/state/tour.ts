import { resolveTour, TOUR, type TimedStep, type Tour } from '@shared/lab/tour';
import { errorLine } from '../api/client';
import type { Monitor } from './context';
import { labKey } from './tick-frame';

/*
 * The guided tour as it runs in this monitor (the steps and captions are @shared/lab/tour.ts).
 * The steps are placed on the clocks of the scenarios the host says it runs, so the captions
 * follow whatever timeline the host's scenarios have. The presenter moves on: each step's lab
 * starts when Continue is pressed, never by itself.
 */

export interface TourState {
  readonly intro: string;
  readonly finale: string;
  readonly steps: readonly TimedStep[];
  /** -1: the intro; 0 .. steps.length - 1: a step; steps.length: the finale. */
  readonly step: number;
  /** The lab the step runs (labKey), once the host has started it. */
  readonly lab: string | null;
  readonly starting: boolean;
  /** Why the step could not start (one line), or null. */
  readonly error: string | null;
}

/**
 * Opens the tour at its intro, once its captions are placed on the host's scenarios. A caption
 * the host's scenarios cannot place is a toast naming it; the tour does not open.
 */
export async function openTour({ client, store }: Monitor, tour: Tour = TOUR): Promise<void> {
  try {
    const resolved = resolveTour(tour, await client.app({ op: 'scenarios' }));
    if (!resolved.ok) {
      store.toast('error', `tour: ${resolved.reason}`);
      return;
    }
    store.setTour({
      intro: tour.intro,
      finale: tour.finale,
      steps: resolved.value,
      step: -1,
      lab: null,
      starting: false,
      error: null,
    });
  } catch (err) {
    store.toast('error', `tour: ${errorLine(err)}`);
  }
}

/** Starts step `index` (its scenario replaces the running lab), or shows the finale after the last. */
export async function runTourStep({ client, store }: Monitor, index: number): Promise<void> {
  const tour = store.getState().tour;
  if (!tour) return;
  const step = tour.steps[index];
  if (!step) {
    store.setTour({ ...tour, step: tour.steps.length, lab: null, starting: false, error: null });
    return;
  }
  store.setTour({ ...tour, step: index, lab: null, starting: true, error: null });
  store.setStarting({ nodes: step.scenario.nodes, since: Date.now() });
  // Only the step that asked is updated: the presenter may have left the tour meanwhile.
  const settle = (patch: Partial<TourState>) => {
    const now = store.getState().tour;
    if (now && now.step === index && now.starting) store.setTour({ ...now, ...patch });
  };
  try {
    const status = await client.app({ op: 'run-scenario', name: step.scenario.name });
    store.setLabStatus(status);
    settle({ lab: labKey(status), starting: false });
  } catch (err) {
    settle({ starting: false, error: errorLine(err) });
  } finally {
    store.setStarting(null);
  }
}
