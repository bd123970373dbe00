import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ScenarioInfo } from '@shared/api/monitor-api';
import { MAX_LAB_BROWSERS, MAX_LAB_NODES } from '@shared/api/lab-api';
import { DEFAULT_PARAMS, NUMERIC_PARAMS } from '@shared/drift/params';
import { nodesKeepingUp } from '@shared/lab/capacity';
import { errorLine } from '../api/client';
import { checkStartForm, type StartForm } from '../lib/validate';
import { useMonitor, useMonitorState } from '../state/context';
import { labKey } from '../state/tick-frame';
import { useReplaceLab } from './ReplaceLab';

/**
 * Starting a lab: the form (size, topology, seed, cycle, browser nodes, shards and capped nodes),
 * or a shipped scenario. Shows progress while the host wires the nodes, and the host's one-line
 * error when it refuses. The largest lab offered is the host machine's (AppInfo.capacity), with
 * its reason. A start while a lab runs replaces it (the host stops it first), so it asks before
 * (useReplaceLab). While a lab runs the form folds away, so that the lab's controls and events sit
 * near the top of the sidebar.
 */
export function StartLab() {
  const { client, store } = useMonitor();
  const starting = useMonitorState((s) => s.starting);
  const running = useMonitorState((s) => s.labStatus);
  const runningKey = running ? labKey(running) : null;
  const capacity = useMonitorState((s) => s.info?.capacity ?? null);
  const maxNodes = capacity?.maxNodes ?? MAX_LAB_NODES;
  const browserNodes = useMonitorState((s) => s.info?.browserNodes);
  const noBrowsers = browserNodes && !browserNodes.ok ? browserNodes.reason : null;
  const connected = useMonitorState(
    (s) => s.connection.kind === 'open' || s.connection.kind === 'electron',
  );
  const [form, setForm] = useState<StartForm>({
    nodes: '50',
    topology: 'random:8',
    seed: '1',
    cycleMs: '200',
    browsers: '0',
  });
  // An error or a question belongs to the lab that was running when it came (its key): once a
  // lab starts or stops (here, in another window, or after a start that timed out here) it is
  // stale and no longer shown.
  const [errorOf, setErrorOf] = useState<{ text: string; lab: string | null } | null>(null);
  const current = useRef(runningKey);
  useEffect(() => {
    current.current = runningKey;
  }, [runningKey]);
  const error = errorOf && errorOf.lab === runningKey ? errorOf.text : null;
  const setError = (text: string | null) =>
    setErrorOf(text === null ? null : { text, lab: current.current });
  const [scenarios, setScenarios] = useState<readonly ScenarioInfo[]>([]);
  const [scenario, setScenario] = useState('');
  const [scenarioNodes, setScenarioNodes] = useState('');
  const replace = useReplaceLab();
  const id = useId();

  /** Runs `go` at once when no lab is running; otherwise asks first. */
  const unlessReplacing = (what: string, go: () => void) => {
    if (running) setError(null);
    replace.ask(what, go);
  };

  useEffect(() => {
    if (!connected) return;
    let live = true;
    client.app({ op: 'scenarios' }).then(
      (list) => {
        if (!live) return;
        setScenarios(list);
        setScenario((s) => s || (list[0]?.name ?? ''));
      },
      (err: unknown) => store.toast('error', `scenarios: ${errorLine(err)}`),
    );
    return () => {
      live = false;
    };
  }, [client, store, connected]);

  const start = async (nodes: number, run: () => Promise<unknown>) => {
    setError(null);
    store.setStarting({ nodes, since: Date.now() });
    try {
      await run();
    } catch (err) {
      setError(errorLine(err));
    } finally {
      store.setStarting(null);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A host that cannot run browser nodes has the field disabled: what it holds is not asked for.
    const checked = checkStartForm(
      noBrowsers ? { ...form, browsers: '0' } : form,
      capacity ?? undefined,
      browserNodes,
    );
    if (!checked.ok) {
      setError(checked.reason);
      return;
    }
    unlessReplacing(`a new lab of ${checked.value.nodes} nodes`, () => {
      void start(checked.value.nodes, async () =>
        store.setLabStatus(await client.app({ op: 'start-lab', setup: checked.value })),
      );
    });
  };

  const runScenario = (e: FormEvent) => {
    e.preventDefault();
    const info = scenarios.find((s) => s.name === scenario);
    if (!info) {
      setError('choose a scenario');
      return;
    }
    const text = scenarioNodes.trim();
    const nodes = text === '' ? undefined : Number(text);
    if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 2 || nodes > maxNodes)) {
      setError(
        `nodes must be a whole number in 2..${maxNodes}, or empty for the scenario's` +
          (capacity ? ` (this machine: ${capacity.reason})` : ''),
      );
      return;
    }
    unlessReplacing(`scenario ${info.name}`, () => {
      void start(nodes ?? info.nodes, async () =>
        store.setLabStatus(
          await client.app(
            nodes === undefined
              ? { op: 'run-scenario', name: info.name }
              : { op: 'run-scenario', name: info.name, nodes },
          ),
        ),
      );
    });
  };

  const field = (
    name: keyof StartForm,
    label: string,
    hint: string,
    { off = false, placeholder }: { off?: boolean; placeholder?: string } = {},
  ) => (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        value={form[name] ?? ''}
        onChange={(e) => setForm({ ...form, [name]: e.target.value })}
        aria-describedby={`${id}-${name}`}
        disabled={!!starting || off}
        placeholder={placeholder}
        inputMode={name === 'topology' || name === 'capped' ? 'text' : 'numeric'}
      />
      <small id={`${id}-${name}`} className="muted">
        {hint}
      </small>
    </label>
  );

  const chosen = scenarios.find((s) => s.name === scenario);
  const cycle = Number(form.cycleMs);
  const keepUp =
    capacity && Number.isInteger(cycle) && cycle >= 20
      ? `; at ${cycle} ms cycles about ${nodesKeepingUp(capacity.cores, cycle)} keep up here`
      : '';
  const nodesHint = capacity
    ? `2..${maxNodes} (this machine: ${capacity.reason})${keepUp}`
    : `2..${maxNodes}`;
  return (
    <section className="start-lab" aria-labelledby={`${id}-title`}>
      <details open={!running || !!starting || error !== null || replace.asking}>
        <summary>
          <h2 id={`${id}-title`}>{running ? 'Start another lab' : 'Start a lab'}</h2>
        </summary>
        <form onSubmit={submit} data-testid="start-lab-form" noValidate>
          {field('nodes', 'Nodes', nodesHint)}
          {field('topology', 'Topology', 'random:8, ring:4, ws:8:0.1, ba:3, er:6, complete')}
          {field('seed', 'Seed', 'the same seed repeats the run')}
          {field('cycleMs', 'Cycle (ms)', '20..60000')}
          {field(
            'browsers',
            'Browser nodes',
            noBrowsers
              ? `not on this host: ${noBrowsers}`
              : `0..${MAX_LAB_BROWSERS}, fewer than the nodes: the last ones run as Chromium tabs on the host; with at least one, Add nodes can add more`,
            { off: noBrowsers !== null },
          )}
          {field(
            'dimensions',
            'Dimensions (d)',
            `1..${NUMERIC_PARAMS.dimensions.max}: the state's components`,
            {
              placeholder: String(DEFAULT_PARAMS.dimensions),
            },
          )}
          {field(
            'shards',
            'Shards (K)',
            `1..d: above 1, the state is split into K shards and each node holds some of them, every shard kept by ${DEFAULT_PARAMS.replication} nodes of each neighbourhood`,
            { placeholder: String(DEFAULT_PARAMS.shards) },
          )}
          {field(
            'capped',
            'Capped nodes',
            'share:shards, such as 0.5:1: that share of the nodes holds at most that many shards (K above 1)',
            { placeholder: 'none' },
          )}
          <button type="submit" data-testid="start-lab-button" disabled={!!starting}>
            {starting ? 'Starting…' : 'Start lab'}
          </button>
        </form>
        {starting ? <StartProgress nodes={starting.nodes} since={starting.since} /> : null}
        {error ? (
          <p className="error-line" role="alert" data-testid="start-lab-error">
            {error}
          </p>
        ) : null}
        <form onSubmit={runScenario} className="scenario-form" data-testid="scenario-form">
          <label className="field">
            <span>Scenario</span>
            <select
              value={scenario}
              onChange={(e) => setScenario(e.target.value)}
              disabled={!!starting || scenarios.length === 0}
            >
              {scenarios.length === 0 ? <option value="">(none yet)</option> : null}
              {scenarios.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name} ({s.nodes} nodes, {s.durationS} s)
                </option>
              ))}
            </select>
          </label>
          {chosen ? <p className="muted small">{chosen.description}</p> : null}
          <label className="field">
            <span>Nodes (optional)</span>
            <input
              value={scenarioNodes}
              onChange={(e) => setScenarioNodes(e.target.value)}
              placeholder={chosen ? String(chosen.nodes) : ''}
              inputMode="numeric"
              disabled={!!starting}
            />
          </label>
          <button type="submit" disabled={!!starting || !chosen} data-testid="run-scenario">
            Run scenario
          </button>
        </form>
      </details>
      {replace.dialog}
    </section>
  );
}

function StartProgress({ nodes, since }: { nodes: number; since: number }) {
  const [now, setNow] = useState(since);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, []);
  return (
    <div className="progress" role="status" data-testid="start-lab-progress">
      <progress aria-label="Starting the lab" />
      <span>
        Starting {nodes} nodes: wiring every link before t = 0… {((now - since) / 1000).toFixed(0)}{' '}
        s
      </span>
    </div>
  );
}
