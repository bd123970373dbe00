import { useState, type ReactNode } from 'react';
import { AGGREGATORS, type Aggregator } from '@shared/drift/params';
import type { LiarBehaviour, LabStatus } from '@shared/api/lab-api';
import { describeSlots } from '@shared/lab/partitions';
import { errorLine } from '../api/client';
import { describeEvent } from '@shared/lab/describe';
import { ticksCsv } from '../lib/csv';
import { saveText, stamp } from '../lib/download';
import { num } from '../lib/format';
import { PRESET_BUTTONS, partitionCommand, selectedVsRest } from '../lib/presets';
import { checkTrimF, parseNumber, parseVector } from '../lib/validate';
import { useMonitor, useMonitorState } from '../state/context';
import { displayedFrame } from '../state/store';
import { slotsOf } from '../state/tick-frame';
import { AddNodes } from './AddNodes';
import { useLabCommand } from './hooks';

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="group">
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}

/** Everything that steers a running lab, and the exports. */
export function LabControls() {
  const lab = useMonitorState((s) => s.labStatus);
  const held = useMonitorState((s) => s.history.ring.size);
  if (!lab)
    return (
      <section className="lab-controls">
        <p className="empty">No lab is running. Start one above, or run a scenario.</p>
        {held > 0 ? <Exports /> : null}
      </section>
    );
  return (
    <section className="lab-controls" aria-label="Lab controls">
      <RunControls lab={lab} />
      {/* The events near the top: they say what just happened, and the sidebar is long. */}
      <EventLog />
      <Partitions lab={lab} />
      <SelectedNodes />
      <AddNodes lab={lab} />
      <LinkFaults />
      <Attacks lab={lab} />
      <AggregatorSwitch lab={lab} />
      <Exports />
    </section>
  );
}

/** Speeds the lab can run at, as factors of its cycle. */
const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

function RunControls({ lab }: { lab: LabStatus }) {
  const { client, store } = useMonitor();
  const send = useLabCommand();
  const [speed, setSpeed] = useState(1);
  const stop = async () => {
    try {
      store.setInfo(await client.app({ op: 'stop-lab' }));
    } catch (err) {
      store.toast('error', `stop: ${errorLine(err)}`);
    }
  };
  return (
    <Group title="Run">
      <div className="buttons">
        {lab.paused ? (
          <button
            type="button"
            onClick={() => void send({ op: 'resume' })}
            data-testid="lab-resume"
          >
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => void send({ op: 'pause' })} data-testid="lab-pause">
            Pause
          </button>
        )}
        <button
          type="button"
          onClick={() => void send({ op: 'step' })}
          disabled={!lab.paused}
          title="One cycle of every node (while paused)"
          data-testid="lab-step"
        >
          Step
        </button>
        <button type="button" onClick={() => void stop()} data-testid="lab-stop">
          Stop lab
        </button>
      </div>
      <label className="field">
        <span>Speed (the lab's cycle is {lab.cycleMs} ms)</span>
        <select
          value={speed}
          onChange={(e) => {
            const factor = Number(e.target.value);
            setSpeed(factor);
            void send({ op: 'speed', factor });
          }}
          data-testid="lab-speed"
        >
          {SPEEDS.map((f) => (
            <option key={f} value={f}>
              {f}×
            </option>
          ))}
        </select>
      </label>
    </Group>
  );
}

function Partitions({ lab }: { lab: LabStatus }) {
  const { store } = useMonitor();
  const send = useLabCommand();
  const selection = useMonitorState((s) => s.selection);
  const frame = useMonitorState(displayedFrame);
  const partitionSelected = () => {
    const slots = frame ? slotsOf(frame) : Array.from({ length: lab.nodes }, (_, i) => i);
    const r = selectedVsRest(selection, slots);
    if (!r.ok) store.toast('error', `partition: ${r.reason}`);
    else void send(r.command);
  };
  return (
    <Group title="Partitions">
      <div className="buttons">
        {PRESET_BUTTONS.map((p) => (
          <button
            type="button"
            key={p.kind}
            title={p.title}
            data-testid={`preset-${p.kind}`}
            onClick={() => void send(partitionCommand(p.kind))}
          >
            {p.label}
          </button>
        ))}
        <button
          type="button"
          onClick={partitionSelected}
          disabled={selection.size === 0}
          title="The selected nodes in one group, every other node in the other"
          data-testid="partition-selected"
        >
          Partition the selected
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void send({ op: 'heal' })}
          data-testid="heal"
        >
          Heal
        </button>
      </div>
      <p className="muted small">
        {lab.partition
          ? `In place: ${lab.partition.kind}, ${lab.cut.length} links cut (dashed on the map).`
          : 'No partition in place.'}
      </p>
    </Group>
  );
}

function SelectedNodes() {
  const { store } = useMonitor();
  const send = useLabCommand();
  const selection = useMonitorState((s) => s.selection);
  const nodes = [...selection].sort((a, b) => a - b);
  const act = (op: 'kill' | 'revive' | 'freeze' | 'thaw' | 'stop') => () =>
    void send({ op, nodes });
  const none = nodes.length === 0;
  return (
    <Group title={`Selected: ${none ? 'none' : describeSlots(nodes)}`}>
      <div className="buttons">
        <button type="button" onClick={act('kill')} disabled={none} data-testid="node-kill">
          Kill
        </button>
        <button type="button" onClick={act('stop')} disabled={none} data-testid="node-stop">
          Stop
        </button>
        <button type="button" onClick={act('revive')} disabled={none} data-testid="node-revive">
          Revive
        </button>
        <button type="button" onClick={act('freeze')} disabled={none} data-testid="node-freeze">
          Freeze
        </button>
        <button type="button" onClick={act('thaw')} disabled={none} data-testid="node-thaw">
          Thaw
        </button>
        <button type="button" onClick={() => store.select([])} disabled={none}>
          Clear selection
        </button>
      </div>
      {none ? (
        <p className="muted small">Click a node on the map; shift-click or shift-drag for more.</p>
      ) : null}
    </Group>
  );
}

function LinkFaults() {
  const { store } = useMonitor();
  const send = useLabCommand();
  const [loss, setLoss] = useState('0.2');
  const [delay, setDelay] = useState('0');
  const [jitter, setJitter] = useState('0');
  const apply = () => {
    const l = parseNumber(loss, 'loss', 0, 1);
    const d = parseNumber(delay, 'delay', 0, 60_000);
    const j = parseNumber(jitter, 'jitter', 0, 60_000);
    for (const c of [l, d, j]) if (!c.ok) return store.toast('error', `link faults: ${c.reason}`);
    if (!l.ok || !d.ok || !j.ok) return;
    void send({
      op: 'link-faults',
      faults: { loss: l.value, delayMs: d.value, jitterMs: j.value },
    });
  };
  return (
    <Group title="Link faults (whole lab)">
      <div className="row">
        <label className="field small-field">
          <span>Loss (0..1)</span>
          <input value={loss} onChange={(e) => setLoss(e.target.value)} inputMode="decimal" />
        </label>
        <label className="field small-field">
          <span>Delay (ms)</span>
          <input value={delay} onChange={(e) => setDelay(e.target.value)} inputMode="numeric" />
        </label>
        <label className="field small-field">
          <span>Jitter (ms)</span>
          <input value={jitter} onChange={(e) => setJitter(e.target.value)} inputMode="numeric" />
        </label>
      </div>
      <div className="buttons">
        <button type="button" onClick={apply} data-testid="faults-apply">
          Apply
        </button>
        <button
          type="button"
          onClick={() => void send({ op: 'link-faults', faults: {} })}
          data-testid="faults-clear"
        >
          Clear
        </button>
      </div>
    </Group>
  );
}

type AttackKind = 'pull' | 'drain' | 'noise' | 'garbage';

function Attacks({ lab }: { lab: LabStatus }) {
  const { store } = useMonitor();
  const send = useLabCommand();
  const selection = useMonitorState((s) => s.selection);
  const frame = useMonitorState(displayedFrame);
  const d = frame?.d ?? lab.params.dimensions;
  const [kind, setKind] = useState<AttackKind>('pull');
  const [target, setTarget] = useState('');
  const [reach, setReach] = useState(
    String(Number((lab.params.anomalyLimit * 0.9).toPrecision(3))),
  );
  const [sigma, setSigma] = useState('5');
  const [count, setCount] = useState('3');
  const nodes = [...selection].sort((a, b) => a - b);
  const mean = frame?.metrics.mean ?? [];
  const defaultTarget = mean.length === d ? mean.map((m) => Math.max(0, Math.round(m + 30))) : [];

  const behaviour = (): LiarBehaviour | null => {
    const fail = (reason: string) => {
      store.toast('error', `attack: ${reason}`);
      return null;
    };
    if (kind === 'garbage') return { kind: 'garbage' };
    if (kind === 'noise') {
      const s = parseNumber(sigma, 'sigma', 1e-9, 1e12);
      return s.ok ? { kind: 'noise', sigma: s.value } : fail(s.reason);
    }
    const r = parseNumber(reach, 'reach', 1e-9, 1e12);
    if (!r.ok) return fail(r.reason);
    if (kind === 'drain') return { kind: 'drain', reach: r.value };
    const text = target.trim() === '' ? defaultTarget.join(', ') : target;
    const t = parseVector(text, d, 'target');
    return t.ok ? { kind: 'pull', target: t.value, reach: r.value } : fail(t.reason);
  };
  const liar = () => {
    const b = behaviour();
    if (b) void send({ op: 'liar', nodes, behaviour: b });
  };
  const sybil = () => {
    const b = behaviour();
    const c = parseNumber(count, 'count', 1, 256);
    if (!c.ok || !Number.isInteger(c.value))
      return store.toast('error', 'sybil: count must be a whole number in 1..256');
    if (b) void send({ op: 'sybil', count: c.value, targets: nodes, behaviour: b });
  };
  const none = nodes.length === 0;
  return (
    <Group title="Attacks on the selected">
      <div className="row">
        <label className="field small-field">
          <span>Lie</span>
          <select value={kind} onChange={(e) => setKind(e.target.value as AttackKind)}>
            <option value="pull">pull toward a target</option>
            <option value="drain">drain (pull toward 0)</option>
            <option value="noise">noise</option>
            <option value="garbage">garbage frames</option>
          </select>
        </label>
        {kind === 'pull' ? (
          <label className="field">
            <span>Target ({d} numbers)</span>
            <input
              value={target}
              placeholder={defaultTarget.join(', ')}
              onChange={(e) => setTarget(e.target.value)}
            />
          </label>
        ) : null}
        {kind === 'pull' || kind === 'drain' ? (
          <label className="field small-field">
            <span>Reach (VU)</span>
            <input value={reach} onChange={(e) => setReach(e.target.value)} inputMode="decimal" />
          </label>
        ) : null}
        {kind === 'noise' ? (
          <label className="field small-field">
            <span>Sigma (VU)</span>
            <input value={sigma} onChange={(e) => setSigma(e.target.value)} inputMode="decimal" />
          </label>
        ) : null}
      </div>
      <p className="muted small">
        Reach just under anomalyLimit ({num(lab.params.anomalyLimit)}) is the strongest lie
        VaultGuard admits.
      </p>
      <div className="buttons">
        <button type="button" onClick={liar} disabled={none} data-testid="attack-liar">
          Make liars
        </button>
        <button
          type="button"
          onClick={() => void send({ op: 'honest', nodes })}
          disabled={none}
          data-testid="attack-honest"
        >
          Honest again
        </button>
      </div>
      <div className="row">
        <label className="field small-field">
          <span>Sybils</span>
          <input value={count} onChange={(e) => setCount(e.target.value)} inputMode="numeric" />
        </label>
        <button
          type="button"
          onClick={sybil}
          disabled={none}
          title="New liar nodes, each linked to every selected node and to nothing else"
          data-testid="attack-sybil"
        >
          Add Sybils around the selected
        </button>
      </div>
    </Group>
  );
}

function AggregatorSwitch({ lab }: { lab: LabStatus }) {
  const { store } = useMonitor();
  const send = useLabCommand();
  const [aggregator, setAggregator] = useState<Aggregator>(lab.params.aggregator);
  const [trimF, setTrimF] = useState(String(lab.params.trimF));
  const apply = () => {
    if (aggregator !== 'trimmed') return void send({ op: 'set-params', params: { aggregator } });
    const f = checkTrimF(trimF);
    if (!f.ok) return store.toast('error', f.reason);
    void send({ op: 'set-params', params: { aggregator, trimF: f.value } });
  };
  return (
    <Group
      title={`Aggregator (now ${lab.params.aggregator}${lab.params.aggregator === 'trimmed' ? `(${lab.params.trimF})` : ''})`}
    >
      <div className="row">
        <label className="field small-field">
          <span>Aggregator</span>
          <select
            value={aggregator}
            onChange={(e) => setAggregator(e.target.value as Aggregator)}
            data-testid="aggregator-select"
          >
            {AGGREGATORS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        {aggregator === 'trimmed' ? (
          <label className="field small-field">
            <span>F</span>
            <input value={trimF} onChange={(e) => setTrimF(e.target.value)} inputMode="numeric" />
          </label>
        ) : null}
        <button type="button" onClick={apply} data-testid="aggregator-apply">
          Switch every node
        </button>
      </div>
    </Group>
  );
}

function Exports() {
  const { client, store } = useMonitor();
  const history = useMonitorState((s) => s.history);
  const recording = async () => {
    try {
      const r = await client.app({ op: 'recording' });
      if (!r) store.toast('error', 'recording: no lab has run yet');
      else
        saveText(
          r.text,
          r.name.endsWith('.jsonl') ? r.name : `${r.name}.jsonl`,
          'application/x-ndjson',
        );
    } catch (err) {
      store.toast('error', `recording: ${errorLine(err)}`);
    }
  };
  const csv = () => {
    const ticks = history.ring.toArray();
    if (ticks.length === 0) return store.toast('error', 'metrics: no ticks held yet');
    saveText(ticksCsv(ticks), `lab-metrics-${stamp()}.csv`, 'text/csv');
  };
  return (
    <Group title="Export">
      <div className="buttons">
        <button type="button" onClick={() => void recording()} data-testid="export-recording">
          Recording (.jsonl)
        </button>
        <button type="button" onClick={csv} data-testid="export-csv">
          Metrics (.csv, {history.ring.size} ticks)
        </button>
      </div>
      <p className="muted small">Each chart and the map have their own PNG button.</p>
    </Group>
  );
}

function EventLog() {
  const events = useMonitorState((s) => s.labEvents);
  const recent = events.slice(-40).reverse();
  return (
    <Group title="Lab events">
      <ol className="event-log" data-testid="lab-events">
        {recent.length === 0 ? <li className="muted">none yet</li> : null}
        {recent.map((e, i) => (
          <li key={`${e.t}-${i}`} className={`event-${e.type}`}>
            <span className="t">{(e.t / 1000).toFixed(1)} s</span> {describeEvent(e)}
          </li>
        ))}
      </ol>
    </Group>
  );
}
