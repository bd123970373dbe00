import { useId, useState, type FormEvent } from 'react';
import { AGGREGATORS, describeRange, NUMERIC_PARAMS, type DriftParams } from '@shared/drift/params';
import { errorLine } from '../api/client';
import { checkParamsForm, type ParamsForm, type ParamsPatch } from '../lib/validate';

/**
 * alpha, beta and the aggregator, checked here as the node checks them, then sent; the host's
 * one-line error is shown under the form when it refuses. Remount it (key) when `current` changes.
 */
export function ParamsEditor({
  current,
  send,
}: {
  current: DriftParams;
  send: (patch: ParamsPatch) => Promise<unknown>;
}) {
  const id = useId();
  const [form, setForm] = useState<ParamsForm>({
    alpha: String(current.alpha),
    beta: String(current.beta),
    aggregator: current.aggregator,
    trimF: String(current.trimF),
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    const checked = checkParamsForm(form, current);
    if (!checked.ok) return setError(checked.reason);
    if (Object.keys(checked.value).length === 0) return setError('nothing changed');
    setError(null);
    setBusy(true);
    try {
      await send(checked.value);
      setDone(true);
    } catch (err) {
      setError(errorLine(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="params" onSubmit={(e) => void submit(e)} data-testid="params-form" noValidate>
      <div className="row">
        <label className="field small-field">
          <span>alpha</span>
          <input
            value={form.alpha}
            onChange={(e) => setForm({ ...form, alpha: e.target.value })}
            inputMode="decimal"
            aria-describedby={`${id}-hint`}
          />
        </label>
        <label className="field small-field">
          <span>beta</span>
          <input
            value={form.beta}
            onChange={(e) => setForm({ ...form, beta: e.target.value })}
            inputMode="decimal"
            aria-describedby={`${id}-hint`}
          />
        </label>
        <label className="field small-field">
          <span>aggregator</span>
          <select
            value={form.aggregator}
            onChange={(e) => setForm({ ...form, aggregator: e.target.value })}
          >
            {AGGREGATORS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        {form.aggregator === 'trimmed' ? (
          <label className="field small-field">
            <span>F</span>
            <input
              value={form.trimF}
              onChange={(e) => setForm({ ...form, trimF: e.target.value })}
              inputMode="numeric"
            />
          </label>
        ) : null}
        <button type="submit" disabled={busy} data-testid="params-apply">
          Apply
        </button>
      </div>
      <small id={`${id}-hint`} className="muted">
        alpha {describeRange(NUMERIC_PARAMS.alpha)} (seeds: 0.01..0.10), beta{' '}
        {describeRange(NUMERIC_PARAMS.beta)} (seeds: 0.05..0.20)
      </small>
      {error ? (
        <p className="error-line" role="alert" data-testid="params-error">
          {error}
        </p>
      ) : null}
      {done && !error ? <p className="ok-line">applied from the next cycle</p> : null}
    </form>
  );
}
