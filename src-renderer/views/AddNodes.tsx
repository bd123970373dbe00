import { useId, useState } from 'react';
import type { LabStatus, NodeKind } from '@shared/api/lab-api';
import { errorLine } from '../api/client';
import { KIND_LABEL } from '../lib/node-kind';
import { checkAddNodes } from '../lib/validate';
import { useMonitor } from '../state/context';
import { labKey } from '../state/tick-frame';

/**
 * New honest nodes for the running lab (`add-nodes`): Node.js nodes, or browser nodes where the
 * lab can take them (one started with browser nodes: its status names its browser slots). The
 * line under the button is the host's when it refuses, kept beside the control that was refused.
 */
export function AddNodes({ lab }: { lab: LabStatus }) {
  const { client, store } = useMonitor();
  const id = useId();
  const [count, setCount] = useState('1');
  const [chosen, setChosen] = useState<NodeKind>('node');
  // A refusal belongs to the lab it came from: once another lab runs it is stale, not shown.
  const [errorOf, setErrorOf] = useState<{ text: string; lab: string } | null>(null);
  const key = labKey(lab);
  const error = errorOf?.lab === key ? errorOf.text : null;
  const setError = (text: string | null) => setErrorOf(text === null ? null : { text, lab: key });
  const [sending, setSending] = useState(false);
  const browsersOk = lab.browsers !== undefined;
  // A browser choice left from a lab that took them does not carry over to one that cannot.
  const kind: NodeKind = browsersOk ? chosen : 'node';

  const add = async () => {
    const c = checkAddNodes(count);
    if (!c.ok) return setError(c.reason);
    setError(null);
    setSending(true);
    try {
      store.setLabStatus(await client.lab({ op: 'add-nodes', count: c.value, kind }));
    } catch (err) {
      setError(errorLine(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <fieldset className="group" data-testid="add-nodes">
      <legend>Add nodes</legend>
      <div className="row">
        <label className="field small-field">
          <span>Count</span>
          <input
            value={count}
            onChange={(e) => setCount(e.target.value)}
            inputMode="numeric"
            data-testid="add-nodes-count"
          />
        </label>
        <label className="field small-field">
          <span>Kind</span>
          <select
            value={kind}
            onChange={(e) => setChosen(e.target.value as NodeKind)}
            aria-describedby={`${id}-kind`}
            data-testid="add-nodes-kind"
          >
            <option value="node">{KIND_LABEL.node}</option>
            {browsersOk ? <option value="browser">{KIND_LABEL.browser}</option> : null}
          </select>
        </label>
        <button
          type="button"
          onClick={() => void add()}
          disabled={sending}
          title="Honest nodes wired into the topology's degree; they join from their peers"
          data-testid="add-nodes-button"
        >
          {sending ? 'Adding…' : 'Add'}
        </button>
      </div>
      <p id={`${id}-kind`} className="muted small">
        {browsersOk
          ? `Browser nodes run as Chromium tabs on the host (${lab.browsers?.length ?? 0} now).`
          : 'Browser nodes only in a lab started with some.'}
      </p>
      {error ? (
        <p className="error-line" role="alert" data-testid="add-nodes-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
