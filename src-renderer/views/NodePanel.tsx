import { useCallback, useState } from 'react';
import type { NodeStatus, PeerView } from '@shared/api/node-api';
import { RULES } from '@shared/drift/rules';
import { errorLine } from '../api/client';
import { num, seconds, vec } from '../lib/format';
import { KIND_LABEL } from '../lib/node-kind';
import { useMonitor, useMonitorState } from '../state/context';
import { lastLiveState } from '../state/last-state';
import { displayedFrame } from '../state/store';
import { CONDITION_NAME } from '../state/tick-frame';
import { heldComponents } from '../lib/shard-view';
import { usePolling } from './hooks';
import { ParamsEditor } from './ParamsEditor';

function Row({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{children}</td>
    </tr>
  );
}

function Interventions({ counts }: { counts: Record<string, number> }) {
  const used = RULES.filter((r) => (counts[r] ?? 0) > 0);
  if (used.length === 0) return <p className="muted small">No VaultGuard intervention yet.</p>;
  return (
    <table className="compact">
      <tbody>
        {used.map((r) => (
          <tr key={r}>
            <th scope="row">{r}</th>
            <td>{counts[r]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One lab node: what runs it, its state from the ticks, its status from the lab, its peers, its
 * parameters.
 */
export function LabNodePanel({ slot }: { slot: number }) {
  const { client, store } = useMonitor();
  const snapshot = useMonitorState((s) => s.labSnapshot);
  const frame = useMonitorState(displayedFrame);
  const history = useMonitorState((s) => s.history);
  const [status, setStatus] = useState<NodeStatus | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const sample = snapshot?.samples.find((s) => s.slot === slot) ?? null;
  const alive = sample?.condition === 'up' || sample?.condition === 'frozen';
  const poll = useCallback(() => {
    client.lab({ op: 'node', node: slot }).then(
      (s) => {
        setStatus(s);
        setStatusError(null);
      },
      (err: unknown) => setStatusError(errorLine(err)),
    );
  }, [client, slot]);
  usePolling(poll, 1000, alive);

  if (!sample) return <p className="empty">Node {slot} is not in the lab.</p>;
  const d = frame?.d ?? sample.S.length;
  const stateOf = (p: number) =>
    frame && p < frame.n ? frame.S.subarray(p * d, (p + 1) * d) : new Float64Array(0);
  // A dead node reports nothing: show what it held when last seen up, and nothing it no longer
  // has (a mode, a session: the status polled while it was alive is stale now).
  const dead = sample.condition === 'dead';
  const last = dead ? lastLiveState(history.ring, slot) : null;
  const shown = alive ? status : null;
  const gone = dead ? '— (dead)' : '—';
  const held = (v: readonly number[]) => heldComponents(v, sample.holds, frame?.K ?? 1);
  return (
    <div className="node-panel" data-testid="lab-node-panel">
      <h3>
        Lab node {slot}{' '}
        <span className={`badge badge-${sample.condition}`}>{sample.condition}</span>
        {sample.liar ? <span className="badge badge-liar">liar: {sample.liar}</span> : null}
      </h3>
      {dead ? (
        <p className="muted small" data-testid="lab-node-last">
          {last
            ? `Down. Its last state, as seen at ${seconds(last.t)}:`
            : 'Down. Its last state is older than the ticks this window keeps.'}
        </p>
      ) : null}
      <table className="compact">
        <tbody>
          <Row name="kind">{KIND_LABEL[sample.kind]}</Row>
          <Row name="S">{dead ? (last ? vec(last.S) : '—') : vec(held(sample.S))}</Row>
          <Row name="D">{dead ? (last ? vec(last.D) : '—') : vec(held(sample.D))}</Row>
          <Row name="earned">{num(dead ? last?.earned : sample.earned)} VU</Row>
          <Row name="tcSelf">— (not reported by the lab)</Row>
          <Row name="mode">{shown?.mode ?? gone}</Row>
          <Row name="cycle">{dead ? gone : sample.cycle}</Row>
          <Row name="session">{shown ? shown.sessionId.slice(0, 16) : gone}</Row>
          <Row name="frames in/out">
            {sample.framesIn} / {sample.framesOut}
          </Row>
        </tbody>
      </table>
      {statusError && alive ? <p className="error-line">{statusError}</p> : null}
      <h4>Parameters</h4>
      {shown ? (
        <ParamsEditor
          key={`${slot}:${shown.params.alpha}:${shown.params.beta}:${shown.params.aggregator}:${shown.params.trimF}`}
          current={shown.params}
          send={async (params) => {
            store.setLabStatus(await client.lab({ op: 'set-params', params, nodes: [slot] }));
            poll();
          }}
        />
      ) : (
        <p className="muted small">{alive ? 'loading…' : 'the node is down'}</p>
      )}
      <h4>Peers ({sample.peers.length})</h4>
      <table className="compact peers" data-testid="lab-node-peers">
        <thead>
          <tr>
            <th scope="col">node</th>
            <th scope="col">TC</th>
            <th scope="col">state</th>
            <th scope="col">last S</th>
          </tr>
        </thead>
        <tbody>
          {sample.peers.map((p) => (
            <tr key={p}>
              <td>
                <button type="button" className="link" onClick={() => store.select([p])}>
                  {p}
                </button>
              </td>
              <td title="The lab does not report trust per peer">—</td>
              <td>{frame && p < frame.n ? CONDITION_NAME[frame.cond[p]] : '—'}</td>
              <td>{vec(stateOf(p), 4, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>VaultGuard</h4>
      <Interventions counts={sample.interventions} />
      <p className="muted small">
        The lab reports counts per rule for its nodes; your own node lists each event with its
        reason.
      </p>
    </div>
  );
}

/** The personal node: S, D, earned, tcSelf, mode, parameters, peers and the VaultGuard log. */
export function PersonalNodePanel() {
  const { client, store } = useMonitor();
  const node = useMonitorState((s) => s.node);
  const running = useMonitorState((s) => !!s.info?.node);
  const events = useMonitorState((s) => s.nodeEvents);
  const [peers, setPeers] = useState<readonly PeerView[]>([]);
  const poll = useCallback(() => {
    client
      .node({ op: 'peers' })
      .then(setPeers, (err: unknown) => store.toast('error', `peers: ${errorLine(err)}`));
  }, [client, store]);
  usePolling(poll, 2000, running);
  if (!node)
    return (
      <p className="empty">
        {running ? 'Waiting for the node’s first snapshot…' : 'No node running.'}
      </p>
    );
  const { status, state } = node;
  return (
    <div className="node-panel" data-testid="personal-node-panel">
      <table className="compact">
        <tbody>
          <Row name="S">{vec(state.S)}</Row>
          <Row name="D">{vec(state.D)}</Row>
          <Row name="earned">{num(state.earned)} VU</Row>
          <Row name="tcSelf">{num(state.tcSelf, 3)}</Row>
          <Row name="DC">{num(state.dc, 3)}</Row>
          <Row name="mode">
            {status.mode}
            {status.lowPowerReasons.length ? ` (${status.lowPowerReasons.join(', ')})` : ''}
          </Row>
          <Row name="cycle">{status.cycle}</Row>
          <Row name="spread to peers">{num(status.spreadToPeers)}</Row>
        </tbody>
      </table>
      <h4>Parameters</h4>
      <ParamsEditor
        key={`${status.params.alpha}:${status.params.beta}:${status.params.aggregator}:${status.params.trimF}`}
        current={status.params}
        send={(params) => client.node({ op: 'set-params', params })}
      />
      <h4>Peers ({peers.length})</h4>
      <table className="compact peers" data-testid="node-peers">
        <thead>
          <tr>
            <th scope="col">session</th>
            <th scope="col">TC</th>
            <th scope="col">last state</th>
            <th scope="col">cycle</th>
            <th scope="col">bad</th>
          </tr>
        </thead>
        <tbody>
          {peers.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                no peers yet
              </td>
            </tr>
          ) : null}
          {peers.map((p) => (
            <tr key={p.sessionId} title={p.address}>
              <td>{p.sessionId.slice(-10)}</td>
              <td>{num(p.trust, 3)}</td>
              <td>{p.lastState ? vec(p.lastState, 4, 3) : '—'}</td>
              <td>{p.lastCycle ?? '—'}</td>
              <td>{p.badFrames}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>VaultGuard log</h4>
      <ol className="event-log" data-testid="vaultguard-log">
        {events.length === 0 ? <li className="muted">no intervention yet</li> : null}
        {events
          .slice(-100)
          .reverse()
          .map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <span className="t">cycle {e.cycle}</span> <strong>{e.rule}</strong>: {e.reason}
            </li>
          ))}
      </ol>
    </div>
  );
}
