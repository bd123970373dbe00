import { useEffect, useState } from 'react';
import type { LoggedEvent, NodeStatus, PeerView } from '@shared/api/node-api';
import { bytes, num, vec } from '../lib/format';
import type { BrowserNode } from './browser-node';
import { transportOf } from '../../src-shared/net/address-group';
import type { LogLine, PageLog } from './page-log';

/*
 * A browser node's own small status view: its state, its peers and what carries each, its cycle,
 * the drift protocol's bytes since it started, VaultGuard's interventions, and the way out. It
 * reads the node once a second; it has no control over anything but its own node.
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
 * Once a second, and not at all while the tab is hidden. Every figure a redraw changes costs the
 * page CPU (Chromium lays out, paints and composites each changed box): redrawn whole twice a
 * second, the view cost the page as much as the node itself (docs/benchmarks.md, bench:browser).
 */
const REFRESH_MS = 1000;

/**
 * The node's own figures change every cycle and are redrawn every second. The peer table, the
 * VaultGuard events and the log are redrawn every DETAIL_EVERY refreshes, or at once when a peer
 * comes, goes or changes transport, or a new event or log line arrives: what a person watches
 * for stays immediate, and the per-peer counters, which change every cycle, cost a fifth.
 */
const DETAIL_EVERY = 5;

function samePeers(a: readonly PeerView[], b: readonly PeerView[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.sessionId === b[i]!.sessionId && p.address === b[i]!.address)
  );
}

function look(node: BrowserNode, log: PageLog, last?: Seen, refresh = 0): Seen {
  const peers = node.core.peers();
  const events = node.core.events(8);
  const lines = log.lines().slice(-8);
  const keep =
    last !== undefined &&
    refresh % DETAIL_EVERY !== 0 &&
    samePeers(peers, last.peers) &&
    events.length === last.events.length &&
    events.at(-1)?.at === last.events.at(-1)?.at &&
    events.at(-1)?.cycle === last.events.at(-1)?.cycle &&
    lines.length === last.log.length &&
    lines.at(-1) === last.log.at(-1);
  return {
    status: node.core.status(),
    S: node.core.state().S,
    traffic: node.core.traffic(),
    peers: keep ? last.peers : peers,
    events: keep ? last.events : events,
    log: keep ? last.log : lines,
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
    let refresh = 0;
    const t = setInterval(() => {
      if (document.visibilityState === 'visible')
        setSeen((last) => look(node, log, last, ++refresh));
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
      <dl className="facts" data-testid="node-status">
        <dt>session</dt>
        <dd className="mono" data-testid="node-session">
          {status.sessionId}
        </dd>
        <dt>reachable at</dt>
        <dd className="mono open" data-testid="node-listen">
          {status.listen.length === 0 ? (
            'not yet: waiting for a relay reservation on a desktop node'
          ) : (
            <details>
              <summary>
                {status.listen.length} address{status.listen.length === 1 ? '' : 'es'}, through a
                desktop node's relay
              </summary>
              {status.listen.map((a) => (
                <div key={a} className="address">
                  {a}
                </div>
              ))}
            </details>
          )}
        </dd>
        <dt>cycle</dt>
        <dd data-testid="node-cycle">{status.cycle}</dd>
        <dt>mode</dt>
        <dd data-testid="node-mode">{status.mode}</dd>
        <dt>state S</dt>
        <dd className="mono" data-testid="node-state" data-values={S.join(',')}>
          {S.length === 0 ? 'joining: waiting for peers' : vec(S, 6)}
        </dd>
        {status.holds ? (
          <>
            <dt>shards held</dt>
            <dd data-testid="node-shards" data-holds={status.holds.join(',')}>
              {status.holds.length === 0
                ? `none of ${status.params.shards} yet: waiting to hear a holder`
                : `${status.holds.join(', ')} of 0 to ${status.params.shards - 1} (S is 0 outside them)`}
            </dd>
          </>
        ) : null}
        <dt>spread to peers</dt>
        <dd data-testid="node-spread" data-value={status.spreadToPeers}>
          {num(status.spreadToPeers, 4)}
        </dd>
        <dt>peers</dt>
        <dd data-testid="node-peers">{status.peers}</dd>
        <dt>drift traffic</dt>
        <dd
          data-testid="node-traffic"
          data-bytes-in={traffic.bytesIn}
          data-bytes-out={traffic.bytesOut}
          data-frames-in={traffic.framesIn}
          data-frames-out={traffic.framesOut}
        >
          {bytes(traffic.bytesIn)} in · {bytes(traffic.bytesOut)} out
        </dd>
        {status.network ? (
          <>
            <dt>network</dt>
            <dd>{status.network.activity}</dd>
          </>
        ) : null}
      </dl>
      <h2>Peers</h2>
      <div className="peer-grid" role="table" aria-label="peers" data-testid="peer-table">
        <div className="peer-head" role="row">
          <span role="columnheader">peer</span>
          <span role="columnheader">over</span>
          <span role="columnheader">trust</span>
          <span role="columnheader">frames in · out</span>
          <span role="columnheader">last state</span>
        </div>
        {peers.map((p) => (
          <div
            key={p.sessionId}
            role="row"
            data-testid="peer-row"
            data-peer={p.sessionId}
            data-transport={transportOf(p.address)}
            data-frames-in={p.framesIn}
            data-frames-out={p.framesOut}
          >
            <span role="cell" className="mono" title={p.sessionId}>
              {short(p.sessionId)}
            </span>
            <span role="cell">{transportOf(p.address)}</span>
            <span role="cell">{num(p.trust, 3)}</span>
            <span role="cell">
              {p.framesIn} · {p.framesOut}
            </span>
            <span role="cell" className="mono">
              {p.lastState ? vec(p.lastState, 4) : '—'}
            </span>
          </div>
        ))}
      </div>
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
