import { useId, useState, type ReactNode } from 'react';
import { useMonitorState } from '../state/context';
import { labKey } from '../state/tick-frame';

/** A start that would replace the running lab, waiting for the user to say yes. */
interface Replacing {
  readonly what: string;
  readonly go: () => void;
  /** The running lab it would replace (labKey). */
  readonly lab: string | null;
}

export interface ReplaceLab {
  /** Runs `go` at once when no lab is running; otherwise asks first, naming `what` starts. */
  readonly ask: (what: string, go: () => void) => void;
  /** The question, while it is asked (null otherwise): render it where the start was asked. */
  readonly dialog: ReactNode;
  readonly asking: boolean;
}

/**
 * The question before anything replaces a running lab (the host stops it first and ends its
 * recording): the start form, a scenario and the guided tour all ask it the same way. A question
 * belongs to the lab that was running when it was asked: once that lab stops or another starts,
 * it is stale and no longer shown.
 */
export function useReplaceLab(): ReplaceLab {
  const running = useMonitorState((s) => s.labStatus);
  const runningKey = running ? labKey(running) : null;
  const [askingOf, setAsking] = useState<Replacing | null>(null);
  const asking = askingOf && askingOf.lab === runningKey ? askingOf : null;
  const id = useId();
  const ask = (what: string, go: () => void) => {
    if (!running) return go();
    setAsking({ what, go, lab: runningKey });
  };
  const dialog =
    asking && running ? (
      <div
        className="confirm"
        role="alertdialog"
        aria-labelledby={`${id}-replace`}
        data-testid="replace-lab-confirm"
      >
        <p id={`${id}-replace`}>
          A lab is running ({running.nodes} nodes, {running.topology}, seed {running.seed}).
          Starting {asking.what} stops it and ends its recording.
        </p>
        <div className="buttons">
          <button
            type="button"
            className="primary"
            data-testid="replace-lab-yes"
            onClick={() => {
              setAsking(null);
              asking.go();
            }}
          >
            Replace the running lab
          </button>
          <button type="button" data-testid="replace-lab-no" onClick={() => setAsking(null)}>
            Keep it
          </button>
        </div>
      </div>
    ) : null;
  return { ask, dialog, asking: asking !== null };
}
