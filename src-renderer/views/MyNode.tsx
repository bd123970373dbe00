import { useMemo, useState, type FormEvent } from 'react';
import { errorLine } from '../api/client';
import { loadBootstrap, saveBootstrap } from '../lib/bootstrap-list';
import { num } from '../lib/format';
import { qrShape } from '../lib/qr';
import { checkMultiaddr } from '../lib/validate';
import { useMonitor, useMonitorState } from '../state/context';
import { REACHABILITY_WORDS, type JoinView, type NetworkView } from '@shared/api/node-api';
import { PersonalNodePanel } from './NodePanel';

/** How the node finds and keeps peers: what to share with friends, and what it is doing. */
function NetworkSection({ network: n }: { network: NetworkView }) {
  const groups = Object.entries(n.peersByGroup).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <h4>Network</h4>
      <table className="compact" data-testid="node-network">
        <tbody>
          <tr>
            <th scope="row">reachability</th>
            <td data-testid="node-reachability">{REACHABILITY_WORDS[n.reachability]}</td>
          </tr>
          <tr>
            <th scope="row">peers</th>
            <td>
              {n.outbound} outbound · {n.inbound} inbound · {n.activity}
            </td>
          </tr>
          <tr>
            <th scope="row">by group</th>
            <td className="mono">
              {groups.length === 0 ? '—' : groups.map(([g, k]) => `${g} ${k}`).join(', ')}
            </td>
          </tr>
          <tr>
            <th scope="row">address book</th>
            <td>
              {n.book.new} new · {n.book.tried} tried
            </td>
          </tr>
        </tbody>
      </table>
      <h4>Give friends this address</h4>
      <ul className="addresses" data-testid="node-shareable">
        {n.shareable.length === 0 ? (
          <li className="muted">
            none yet: the node has no public or relayed address (it may be behind a NAT and still
            looking for a relay)
          </li>
        ) : null}
        {n.shareable.map((a) => (
          <li key={a} className="mono">
            {a}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The QR code's side on screen, in CSS pixels: a phone's camera reads it from arm's length. */
const QR_PIXELS = 176;

/**
 * Where a phone or laptop on this network opens a browser node that joins this one
 * (`lvs node --join-port`): the join page's URLs, the first also as a QR code.
 */
function JoinSection({ join }: { join: JoinView }) {
  const first = join.urls[0] ?? '';
  const qr = useMemo(() => (first ? qrShape(first) : null), [first]);
  return (
    <>
      <h4>Join from a phone or laptop</h4>
      <div className="join-page" data-testid="node-join">
        {qr ? (
          <svg
            className="join-qr"
            viewBox={`0 0 ${qr.size} ${qr.size}`}
            width={QR_PIXELS}
            height={QR_PIXELS}
            shapeRendering="crispEdges"
            role="img"
            aria-label={`QR code of ${first}`}
            data-testid="node-join-qr"
          >
            {/* Dark on white in either theme: readers expect it. */}
            <rect width={qr.size} height={qr.size} fill="#ffffff" />
            <path d={qr.path} fill="#000000" />
          </svg>
        ) : null}
        <div>
          <ul className="addresses" data-testid="node-join-urls">
            {join.urls.map((u) => (
              <li key={u} className="mono">
                {u}
              </li>
            ))}
          </ul>
          <p className="muted small">
            Open it on a device on this network: the page runs a node in the browser, which joins
            the swarm through this node. It has no control over this node and needs no token.
          </p>
        </div>
      </div>
    </>
  );
}

/** The personal node: start and stop it, where it listens, its bootstrap list, its panel. */
export function MyNode() {
  const { client, store } = useMonitor();
  // Running or not is the app's info; what it is doing, the node's own newest snapshot (pushed
  // every cycle), so that this line and the state below tell the same cycle. The info's copy
  // changes only when the app's state does.
  const status = useMonitorState((s) => (s.info?.node ? (s.node?.status ?? s.info.node) : null));
  const shell = useMonitorState((s) => s.info?.shell ?? null);
  const [busy, setBusy] = useState(false);
  const [list, setList] = useState<string[]>(() => loadBootstrap());
  const [address, setAddress] = useState('');
  const [error, setError] = useState<string | null>(null);

  const run = async (op: 'start-node' | 'stop-node') => {
    setBusy(true);
    try {
      if (op === 'start-node') await client.app({ op });
      else store.setInfo(await client.app({ op }));
      store.setInfo(await client.app({ op: 'info' }));
    } catch (err) {
      store.toast('error', `${op}: ${errorLine(err)}`);
    } finally {
      setBusy(false);
    }
  };
  const keep = (next: string[]) => {
    setList(next);
    saveBootstrap(next);
  };
  const connect = async (addr: string) => {
    const problem = checkMultiaddr(addr);
    if (problem) {
      setError(problem);
      return false;
    }
    setError(null);
    try {
      const peer = await client.node({ op: 'connect', address: addr.trim() });
      store.toast('info', `connected to ${peer.sessionId.slice(-10)}`);
      return true;
    } catch (err) {
      setError(errorLine(err));
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const addr = address.trim();
    const problem = checkMultiaddr(addr);
    if (problem) return setError(problem);
    if (!list.includes(addr)) keep([...list, addr]);
    setAddress('');
    if (status) await connect(addr);
  };

  return (
    <div className="my-node" data-testid="my-node">
      {status ? (
        <>
          <table className="compact">
            <tbody>
              <tr>
                <th scope="row">status</th>
                <td data-testid="node-status">
                  running · {status.mode} · cycle {status.cycle} · {status.peers} peers · spread{' '}
                  {num(status.spreadToPeers)}
                </td>
              </tr>
              <tr>
                <th scope="row">session</th>
                <td className="mono">{status.sessionId}</td>
              </tr>
              <tr>
                <th scope="row">up for</th>
                <td>{Math.round(status.uptimeMs / 1000)} s</td>
              </tr>
            </tbody>
          </table>
          {status.network ? <NetworkSection network={status.network} /> : null}
          {status.join && status.join.urls.length > 0 ? <JoinSection join={status.join} /> : null}
          <h4>Listening on</h4>
          <ul className="addresses" data-testid="node-listen">
            {status.listen.length === 0 ? <li className="muted">no address yet</li> : null}
            {status.listen.map((a) => (
              <li key={a} className="mono">
                {a}
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => void run('stop-node')}
            disabled={busy}
            data-testid="my-node-stop"
          >
            Stop my node
          </button>
        </>
      ) : (
        <div className="empty">
          <p>No personal node is running{shell === 'web' ? ' in this host' : ''}.</p>
          <button
            type="button"
            onClick={() => void run('start-node')}
            disabled={busy}
            data-testid="my-node-start"
          >
            {busy ? 'Starting…' : 'Start my node'}
          </button>
        </div>
      )}
      <h4>Bootstrap peers</h4>
      <form onSubmit={(e) => void add(e)} className="row" noValidate>
        <label className="field grow">
          <span>Address</span>
          <input
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            placeholder="/ip4/192.168.1.7/tcp/4001/p2p/12D3KooW…"
            spellCheck={false}
            data-testid="bootstrap-input"
          />
        </label>
        <button type="submit" data-testid="bootstrap-add">
          {status ? 'Add and connect' : 'Add'}
        </button>
      </form>
      {error ? (
        <p className="error-line" role="alert" data-testid="bootstrap-error">
          {error}
        </p>
      ) : null}
      <ul className="bootstrap-list">
        {list.map((a) => (
          <li key={a}>
            <span className="mono">{a}</span>
            <button type="button" onClick={() => void connect(a)} disabled={!status}>
              Connect
            </button>
            <button
              type="button"
              onClick={() => keep(list.filter((x) => x !== a))}
              aria-label={`Remove ${a}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <p className="muted small">
        Kept in this window’s storage; the node itself takes --bootstrap at start.
      </p>
      <h4>My node’s state</h4>
      <PersonalNodePanel />
    </div>
  );
}
