import type { ReactNode } from 'react';
import { captionIndexAt } from '@shared/lab/tour';
import { useMonitor, useMonitorState } from '../state/context';
import { labKey } from '../state/tick-frame';
import { runTourStep, type TourState } from '../state/tour';
import { useReplaceLab } from './ReplaceLab';

/*
 * The guided tour across the top of the window, in type an audience can read on a projector:
 * which step, the caption for this moment of the scenario, and the presenter's buttons. The
 * caption follows the lab's own clock (its newest tick), as the scenario's timeline does; at the
 * step's end it stays, and Continue starts the next step. Continue asks before it replaces a lab
 * the tour did not start; Leave tour closes the panel and leaves the lab running.
 */
export function TourPanel() {
  const monitor = useMonitor();
  const tour = useMonitorState((s) => s.tour);
  const running = useMonitorState((s) => s.labStatus);
  const lastT = useMonitorState((s) => s.history.ring.last()?.t ?? null);
  const replace = useReplaceLab();
  if (!tour) return null;

  const n = tour.steps.length;
  const step = tour.steps[tour.step];
  const ownLab = running !== null && tour.lab !== null && labKey(running) === tour.lab;
  const next = tour.step + 1;
  const go = () => {
    const start = () => void runTourStep(monitor, next);
    // The finale starts nothing; the tour's own lab is replaced without asking again.
    if (next >= n || ownLab) start();
    else replace.ask(`the tour's step "${tour.steps[next]!.title}"`, start);
  };
  const continueLabel =
    next < n ? `Continue: ${tour.steps[next]!.title}` : next === n ? 'Continue: finish' : null;

  let heading: string;
  let body: ReactNode;
  let canContinue = false;
  if (!step) {
    heading = tour.step < 0 ? `Guided tour · ${n} steps` : 'Guided tour · the end';
    body = <Caption text={tour.step < 0 ? tour.intro : tour.finale} />;
    canContinue = tour.step < 0;
  } else {
    heading = `Step ${tour.step + 1} of ${n} · ${step.title} · scenario ${step.scenario.name}`;
    const shown = stepView(tour, ownLab, lastT);
    body = shown.body;
    canContinue = shown.done;
  }
  return (
    <section className="tour" aria-label="Guided tour" data-testid="tour">
      <div className="tour-head">
        <span data-testid="tour-heading">{heading}</span>
        <span className="spacer" />
        {canContinue && continueLabel ? (
          <button type="button" className="primary" onClick={go} data-testid="tour-continue">
            {continueLabel}
          </button>
        ) : null}
        <button
          type="button"
          onClick={() => monitor.store.setTour(null)}
          title="Close the tour; the lab keeps running"
          data-testid="tour-leave"
        >
          Leave tour
        </button>
      </div>
      {body}
      {replace.dialog}
    </section>
  );
}

function Caption({ text, moment }: { text: string; moment?: string }) {
  return (
    <>
      {moment ? (
        <p className="tour-moment" data-testid="tour-moment">
          {moment}
        </p>
      ) : null}
      <p className="tour-caption" aria-live="polite" data-testid="tour-caption">
        {text}
      </p>
    </>
  );
}

/** A step: starting, failed, its lab gone, or its caption for the lab's time now. */
function stepView(
  tour: TourState,
  ownLab: boolean,
  lastT: number | null,
): { body: ReactNode; done: boolean } {
  const step = tour.steps[tour.step]!;
  if (tour.starting)
    return {
      body: (
        <p className="tour-waiting" data-testid="tour-waiting">
          Starting {step.scenario.nodes} nodes for {step.scenario.name}: wiring every link before t
          = 0…
        </p>
      ),
      done: false,
    };
  if (tour.error)
    return {
      body: (
        <p className="error-line" role="alert" data-testid="tour-error">
          This step could not start: {tour.error}
        </p>
      ),
      done: true,
    };
  if (!ownLab)
    return {
      body: (
        <p className="tour-waiting" data-testid="tour-waiting">
          This step's lab is no longer running (stopped or replaced); continue with the next step.
        </p>
      ),
      done: true,
    };
  const tS = lastT === null ? 0 : lastT / 1000;
  const i = captionIndexAt(step, tS);
  const caption = step.captions[i]!;
  const total = step.scenario.durationS;
  return {
    body: (
      <Caption
        text={caption.text}
        moment={`${Math.floor(Math.min(tS, total))} of ${total} s · ${caption.moment}`}
      />
    ),
    done: i === step.captions.length - 1,
  };
}
