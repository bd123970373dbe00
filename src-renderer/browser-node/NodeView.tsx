import { useEffect, useState } from 'react';
import type { LoggedEvent, NodeStatus, PeerView } from '@shared/api/node-api';
import { bytes, num, vec } from '../lib/format';
import type { BrowserNode } from './browser-node';
import { transportOf } from '../../src-shared/net/address-group';
import type { LogLine, PageLog } from './page-log';

/*
 * A browser node's own small status view: its state, its peers and what carries each, its cycle,
 * the drift protocol's bytes since it started, VaultGuard's interventions, and the way out. It
 * reads the node twice a second; it has no control over anything but its own node.
 */

interface Seen {
  readonly status: NodeStatus;
  readonly S: readonly number[];
  readonly peers: readonly PeerView[];
  readonly traffic: ReturnType<BrowserNode['core']['traffic']>;
  readonly events: readonly LoggedEvent[];
  readonly log: readonly LogLine[];
}

/**
 * Once a second, and not at all while the tab is hidden: redrawn twice a second, the view cost
 * the page as much CPU as the node itself (docs/benchmarks.md, bench:browser).
 */
const REFRESH_MS = 1000;

function look(node: BrowserNode, log: PageLog): Seen {
  return {
    status: node.core.status(),
    S: node.core.state().S,
    peers: node.core.peers(),
    traffic: node.core.traffic(),
    events: node.core.events(8),
    log: log.lines().slice(-8),
  };
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id;
}

export function NodeView({
  node,
  log,
  onLeave,
}: {
  node: BrowserNode;
  log: PageLog;
  onLeave: () => void;
}) {
  const [seen, setSeen] = useState<Seen>(() => look(node, log));
  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState === 'visible') setSeen(look(node, log));
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [node, log]);
  const { status, S, peers, traffic, events } = seen;
  const interventions = Object.entries(status.interventions).filter(([, n]) => n > 0);
  return (
    <main className="browser-node">
      <header>
        <h1>LVS Node in this browser</h1>
        <button type="button" data-testid="leave" onClick={onLeave}>
          Leave the swarm
        </button>
      </header>
      <p className="lead">
        This browser is a node of the swarm: it keeps its own state and talks to its peers directly.
        Closing the tab leaves the swarm; opening this page again resumes where it was.
      </p>
      <table className="compact" data-testid="node-status">
        <tbody>
          <tr>
            <th scope="row">session</th>
            <td className="mono" data-testid="node-session">
              {status.sessionId}
            </td>
          </tr>
          <tr>
            <th scope="row">reachable at</th>
            <td className="mono" data-testid="node-listen">
              {status.listen.length === 0 ? (
                'not yet: waiting for a relay reservation on a desktop node'
              ) : (
                <details>
                  <summary>
                    {status.listen.length} address{status.listen.length === 1 ? '' : 'es'}, through
                    a desktop node's relay
                  </summary>
                  {status.listen.map((a) => (
                    <div key={a} className="address">
                      {a}
                    </div>
                  ))}
                </details>
              )}
            </td>
          </tr>
          <tr>
            <th scope="row">cycle</th>
            <td data-testid="node-cycle">{status.cycle}</td>
          </tr>
          <tr>
            <th scope="row">mode</th>
            <td data-testid="node-mode">{status.mode}</td>
          </tr>
          <tr>
            <th scope="row">state S</th>
            <td className="mono" data-testid="node-state" data-values={S.join(',')}>
              {S.length === 0 ? 'joining: waiting for peers' : vec(S, 6)}
            </td>
          </tr>
          <tr>
            <th scope="row">spread to peers</th>
            <td data-testid="node-spread" data-value={status.spreadToPeers}>
              {num(status.spreadToPeers, 4)}
            </td>
          </tr>
          <tr>
            <th scope="row">peers</th>
            <td data-testid="node-peers">{status.peers}</td>
          </tr>
          <tr>
            <th scope="row">drift traffic</th>
            <td
              data-testid="node-traffic"
              data-bytes-in={traffic.bytesIn}
              data-bytes-out={traffic.bytesOut}
              data-frames-in={traffic.framesIn}
              data-frames-out={traffic.framesOut}
            >
              {bytes(traffic.bytesIn)} in · {bytes(traffic.bytesOut)} out
            </td>
          </tr>
          {status.network ? (
            <tr>
              <th scope="row">network</th>
              <td>{status.network.activity}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <h2>Peers</h2>
      <table className="compact" data-testid="peer-table">
        <thead>
          <tr>
            <th>peer</th>
            <th>over</th>
            <th>trust</th>
            <th>frames in · out</th>
            <th>last state</th>
          </tr>
        </thead>
        <tbody>
          {peers.map((p) => (
            <tr
              key={p.sessionId}
              data-testid="peer-row"
              data-peer={p.sessionId}
              data-transport={transportOf(p.address)}
              data-frames-in={p.framesIn}
              data-frames-out={p.framesOut}
            >
              <td className="mono" title={p.sessionId}>
                {short(p.sessionId)}
              </td>
              <td>{transportOf(p.address)}</td>
              <td>{num(p.trust, 3)}</td>
              <td>
                {p.framesIn} · {p.framesOut}
              </td>
              <td className="mono">{p.lastState ? vec(p.lastState, 4) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>VaultGuard</h2>
      <p data-testid="node-interventions">
        {interventions.length === 0
          ? 'no interventions'
          : interventions.map(([rule, n]) => `${rule} ${n}`).join(' · ')}
      </p>
      <ul className="events" data-testid="node-events">
        {events.map((e) => (
          <li key={`${e.at}-${e.cycle}-${e.rule}-${e.peer ?? ''}`}>
            cycle {e.cycle}: {e.rule}
            {e.peer === undefined ? '' : ` (${short(String(e.peer))})`} {e.reason}
          </li>
        ))}
      </ul>
      <h2>Log</h2>
      <ul className="log mono" data-testid="node-log">
        {seen.log.map((l) => (
          <li key={`${l.at}-${l.text}`} className={l.level}>
            {l.text}
          </li>
        ))}
      </ul>
    </main>
  );
}
