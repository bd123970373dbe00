import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../theme.css';
import './node-page.css';
import { checkJoinInfo } from '@shared/api/join-info';
import { errorMessage } from '@shared/error-message';
import { BrowserNode } from './browser-node';
import { NodeView } from './NodeView';
import { PageLog } from './page-log';

/*
 * The join page: a desktop node's join listener serves it (`lvs node --join-port`), with
 * `join.json` beside it saying where that node listens and the swarm's settings. Opening it makes
 * this browser a node of the swarm; closing the tab leaves; opening it again resumes from the
 * state kept in this browser. `?name=` picks another node of this browser (one tab each).
 */

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const JOIN_TIMEOUT_MS = 10_000;
declare const __LVS_VERSION__: string;

type Phase =
  | { readonly kind: 'starting'; readonly step: string }
  | { readonly kind: 'running'; readonly node: BrowserNode }
  | { readonly kind: 'left' }
  | { readonly kind: 'failed'; readonly reason: string };

const log = new PageLog();

async function start(setPhase: (p: Phase) => void): Promise<BrowserNode | undefined> {
  const name = new URLSearchParams(location.search).get('name') ?? 'default';
  if (!NAME.test(name)) {
    setPhase({
      kind: 'failed',
      reason: `?name= must be 1 to 64 letters, digits, - or _ (got "${name.slice(0, 80)}")`,
    });
    return undefined;
  }
  setPhase({ kind: 'starting', step: 'asking the desktop node for the swarm' });
  let raw: unknown;
  try {
    const res = await fetch('join.json', { signal: AbortSignal.timeout(JOIN_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`join.json answered ${res.status}`);
    raw = await res.json();
  } catch (err) {
    setPhase({ kind: 'failed', reason: `could not read join.json: ${errorMessage(err)}` });
    return undefined;
  }
  const join = checkJoinInfo(raw);
  if (!join.ok) {
    setPhase({ kind: 'failed', reason: join.reason });
    return undefined;
  }
  setPhase({ kind: 'starting', step: 'starting the node' });
  try {
    const node = await BrowserNode.start({
      name,
      appVersion: __LVS_VERSION__,
      log,
      swarm: join.value,
      discovery: { bootstrap: join.value.addresses },
      host: {
        allowLoopbackGroups: ['127.0.0.1', 'localhost', '[::1]'].includes(location.hostname),
      },
    });
    setPhase({ kind: 'running', node });
    return node;
  } catch (err) {
    setPhase({ kind: 'failed', reason: errorMessage(err) });
    return undefined;
  }
}

function Page() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting', step: 'loading' });
  useEffect(() => {
    let node: BrowserNode | undefined;
    // Closing the tab leaves the swarm: the node stops its cycle, saves and hangs up. A page that
    // is killed instead loses at most its last persistMs of cycles, as a killed desktop node does.
    const leave = () => void node?.leave();
    addEventListener('pagehide', leave);
    void start(setPhase).then((n) => (node = n));
    return () => removeEventListener('pagehide', leave);
  }, []);
  return (
    <div
      data-testid="node-phase"
      data-phase={phase.kind}
      className={phase.kind === 'running' ? undefined : 'browser-node-status'}
    >
      {phase.kind === 'starting' ? <p className="muted">{phase.step}…</p> : null}
      {phase.kind === 'failed' ? (
        <p className="error" role="alert" data-testid="node-error">
          {phase.reason}
        </p>
      ) : null}
      {phase.kind === 'left' ? (
        <p>
          This browser left the swarm; its state is kept here.{' '}
          <button type="button" onClick={() => location.reload()}>
            Join again
          </button>
        </p>
      ) : null}
      {phase.kind === 'running' ? (
        <NodeView
          node={phase.node}
          log={log}
          onLeave={() => {
            void phase.node.leave().then(
              () => setPhase({ kind: 'left' }),
              (err: unknown) => setPhase({ kind: 'failed', reason: errorMessage(err) }),
            );
          }}
        />
      ) : null}
    </div>
  );
}

const container = document.getElementById('root');
if (!container) throw new Error('#root element missing from node.html');
createRoot(container).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
