import { useEffect, useState } from 'react';
import type { LoggedEvent, NodeStatus, PeerView } from '@shared/api/node-api';
import { bytes, num, vec } from '../lib/format';
import type { BrowserNode } from './browser-node';
import { transportOf } from '../../src-shared/net/address-group';
import type { LogLine, PageLog } from './page-log';

/*
 * A browser node's own small status view: its state, its peers and what carries each, its cycle,
 * the drift protocol's bytes since it started, VaultGuard's interventions, and the way out. It
 * reads the node at most once a second (below); it has no control over anything but its own node.
 */

interface Seen {
  /** Whether someone is using the page: figures every second rather than every 5 s. */
  readonly attended: boolean;
  readonly status: NodeStatus;
  readonly S: readonly number[];
  readonly peers: readonly PeerView[];
  readonly traffic: ReturnType<BrowserNode['core']['traffic']>;
  readonly events: readonly LoggedEvent[];
  readonly log: readonly LogLine[];
}

/*
 * How often the view redraws. Every figure a redraw changes costs the page CPU (Chromium lays
 * out, paints, rasterises and composites each changed box): redrawn whole twice a second, the
 * view cost the page as much as the node itself, and at one redraw a second the page in front
 * stayed above its 2% budget (docs/benchmarks.md, bench:browser). So the figures follow the
 * person, not the clock: every second while someone uses the page (a pointer, a key, a touch, a
 * scroll or focus within ATTENTION_MS, and the first ATTENTION_MS after it opens), every
 * IDLE_REFRESH_MS while it sits open unattended, never while the tab is hidden. A peer that comes,
 * goes or changes transport, a VaultGuard event and a log line are shown within a second either
 * way. An unattended redraw cost about 16 ms of the renderer's threads in Chromium's trace (7 ms
 * of the main thread's frame, 6 ms of rasterising, the rest React and compositing): every 5 s that
 * was 0.4 to 0.5 points of a core, measured against the same page hidden; every 15 s, a third.
 */
const REFRESH_MS = 1000;
const IDLE_REFRESH_MS = 15_000;
const ATTENTION_MS = 30_000;
const ATTENTION_EVENTS = ['pointermove', 'pointerdown', 'keydown', 'wheel', 'touchstart', 'focus'];

/**
 * The peer table, the events and the log are redrawn every DETAIL_EVERY_MS, or at once when what
 * a person watches for changes (above): the per-peer counters change every cycle, and redrawing
 * them every second would cost the most of all.
 */
const DETAIL_EVERY_MS = 5000;

function samePeers(a: readonly PeerView[], b: readonly PeerView[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.sessionId === b[i]!.sessionId && p.address === b[i]!.address)
  );
}

interface Details {
  readonly peers: readonly PeerView[];
  readonly events: readonly LoggedEvent[];
  readonly log: readonly LogLine[];
}

function details(node: BrowserNode, log: PageLog): Details {
  return { peers: node.core.peers(), events: node.core.events(8), log: log.lines().slice(-8) };
}

/** Whether a person would see something new in the details: a peer, an event or a log line. */
function news(now: Details, last: Details): boolean {
  return !(
    samePeers(now.peers, last.peers) &&
    now.events.length === last.events.length &&
    now.events.at(-1)?.at === last.events.at(-1)?.at &&
    now.events.at(-1)?.cycle === last.events.at(-1)?.cycle &&
    now.log.length === last.log.length &&
    now.log.at(-1) === last.log.at(-1)
  );
}

function look(node: BrowserNode, shown: Details, attended: boolean): Seen {
  return {
    attended,
    status: node.core.status(),
    S: node.core.state().S,
    traffic: node.core.traffic(),
    ...shown,
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
  const [seen, setSeen] = useState<Seen>(() => look(node, details(node, log), true));
  useEffect(() => {
    let attendedAt = Date.now();
    let drawnAt = Date.now();
    let detailsAt = Date.now();
    let shown = details(node, log);
    const draw = (now: number, fresh: Details, withDetails: boolean, attended: boolean) => {
      drawnAt = now;
      if (withDetails) {
        detailsAt = now;
        shown = fresh;
      }
      setSeen(look(node, shown, attended));
    };
    const tick = () => {
      if (document.visibilityState !== 'visible') return;
      const now = Date.now();
      const fresh = details(node, log);
      const isNews = news(fresh, shown);
      if (now - attendedAt < ATTENTION_MS)
        draw(now, fresh, isNews || now - detailsAt >= DETAIL_EVERY_MS, true);
      else if (isNews || now - drawnAt >= IDLE_REFRESH_MS) draw(now, fresh, true, false);
    };
    const attend = () => {
      const now = Date.now();
      const wasIdle = now - attendedAt >= ATTENTION_MS;
      attendedAt = now;
      // Someone came back to an unattended page: show them the figures of now, not of up to
      // IDLE_REFRESH_MS ago.
      if (wasIdle && document.visibilityState === 'visible')
        draw(now, details(node, log), true, true);
    };
    // A tab shown again was not redrawn while hidden: its figures are of then, however recent
    // the last input was.
    const onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      attendedAt = Date.now();
      draw(attendedAt, details(node, log), true, true);
    };
    const t = setInterval(tick, REFRESH_MS);
    for (const e of ATTENTION_EVENTS) window.addEventListener(e, attend, { passive: true });
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(t);
      for (const e of ATTENTION_EVENTS) window.removeEventListener(e, attend);
      document.removeEventListener('visibilitychange', onVisible);
    };
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
      <p className="hint" data-testid="node-refresh" data-attended={seen.attended}>
        Figures refresh every second while you use this page, and every {IDLE_REFRESH_MS / 1000} s
        while it sits open unattended.
      </p>
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
