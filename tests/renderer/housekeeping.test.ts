// @vitest-environment jsdom
// What the monitor must not leave stale or do silently: a dead node's last state, errors that
// outlive the lab they were about, a lab replaced without asking, a restarted monitor, a status
// line behind the node's state, a lab that cannot keep up, and the machine's own lab limit.
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../src-shared/api/node-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { FakeHost, labStatus, sample, snapshot } from './helpers/fake-host';
import { noCanvas, renderApp, settle } from './helpers/render';

beforeEach(() => noCanvas());
afterEach(() => cleanup());

const appOp = (host: FakeHost, op: string) =>
  host.sent('app').filter((r) => (r as { op: string }).op === op);

describe('a killed lab node', () => {
  it('is shown dead with the last state it had, not an empty state or its old mode', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 3, up: 3 });
    const base = host.answer;
    host.answer = (req) => {
      const op = (req.request as { op: string }).op;
      if (req.target === 'lab' && op === 'node')
        return {
          sessionId: '12D3KooWslot2session',
          listen: [],
          cycle: 10,
          mode: 'active',
          lowPowerReasons: [],
          peers: 2,
          spreadToPeers: 0,
          params: DEFAULT_PARAMS,
          interventions: {} as never,
          uptimeMs: 2000,
        } satisfies Partial<NodeStatus>;
      return base(req);
    };
    const { store } = await renderApp(host);
    const up = [sample(0, [1, 2]), sample(1, [0, 2]), sample(2, [0, 1], { S: [52, 48] })];
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(host.labStatus!, up, 1000) }));
    act(() => store.select([2]));
    await settle();
    const panel = () => screen.getByTestId('lab-node-panel');
    expect(within(panel()).getByText('mode').nextSibling?.textContent).toBe('active');

    // Killed: the lab reports it dead, with no state, no peers.
    const killed = { ...host.labStatus!, up: 2 };
    const dead = sample(2, [], { condition: 'dead', cycle: 0, S: [], D: [], earned: 0 });
    act(() =>
      host.push({
        kind: 'lab-snapshot',
        snapshot: snapshot(killed, [sample(0, [1]), sample(1, [0]), dead], 1200),
      }),
    );
    await settle();
    const text = panel().textContent ?? '';
    expect(text).toContain('dead');
    expect(screen.getByTestId('lab-node-last').textContent).toBe(
      'Down. Its last state, as seen at 1.0 s:',
    );
    expect(within(panel()).getByText('S').nextSibling?.textContent).toBe('[52, 48]');
    expect(within(panel()).getByText('mode').nextSibling?.textContent).toBe('— (dead)');
    expect(within(panel()).getByText('session').nextSibling?.textContent).toBe('— (dead)');
    expect(text).not.toContain('[]');
    expect(text).not.toContain('active');
  });
});

describe('starting a lab', () => {
  it('asks before "Run scenario" replaces a running lab, and sends nothing until told yes', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 4, topology: 'ring:2', seed: 1 });
    const base = host.answer;
    host.answer = (req) => {
      const op = (req.request as { op: string }).op;
      if (req.target === 'app' && op === 'scenarios')
        return [{ name: 'converge', description: 'd', nodes: 30, durationS: 60 }];
      if (req.target === 'app' && op === 'run-scenario') return labStatus({ startedAt: 2 });
      return base(req);
    };
    await renderApp(host);
    await settle();

    fireEvent.click(screen.getByTestId('run-scenario'));
    await settle();
    const ask = screen.getByTestId('replace-lab-confirm');
    expect(ask.textContent).toContain('A lab is running (4 nodes, ring:2, seed 1)');
    expect(ask.textContent).toContain('Starting scenario converge stops it');
    expect(appOp(host, 'run-scenario')).toEqual([]);

    fireEvent.click(screen.getByTestId('replace-lab-no'));
    await settle();
    expect(screen.queryByTestId('replace-lab-confirm')).toBeNull();
    expect(appOp(host, 'run-scenario')).toEqual([]);

    fireEvent.click(screen.getByTestId('run-scenario'));
    await settle();
    fireEvent.click(screen.getByTestId('replace-lab-yes'));
    await settle();
    expect(appOp(host, 'run-scenario')).toEqual([{ op: 'run-scenario', name: 'converge' }]);
  });

  it('starts at once when no lab runs', async () => {
    const host = new FakeHost();
    const base = host.answer;
    host.answer = (req) =>
      req.target === 'app' && (req.request as { op: string }).op === 'start-lab'
        ? labStatus()
        : base(req);
    await renderApp(host);
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.queryByTestId('replace-lab-confirm')).toBeNull();
    expect(appOp(host, 'start-lab')).toHaveLength(1);
  });

  it('clears an error on the form once a lab starts, and once it stops', async () => {
    const host = new FakeHost();
    const base = host.answer;
    host.answer = (req) => {
      if (req.target === 'app' && (req.request as { op: string }).op === 'start-lab')
        throw new Error('the host did not answer within 30 s');
      return base(req);
    };
    await renderApp(host);
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.getByTestId('start-lab-error').textContent).toBe(
      'the host did not answer within 30 s',
    );

    // The lab the host was still wiring comes up after all: the error is no longer true.
    const started = labStatus({ nodes: 50, up: 50 });
    act(() => host.push({ kind: 'app', info: { ...host.info(), lab: started } }));
    await settle();
    expect(screen.queryByTestId('start-lab-error')).toBeNull();

    // An error while that lab runs (a bad field), then the lab stops: gone again.
    fireEvent.click(screen.getByText('Start another lab'));
    const form = screen.getByTestId('start-lab-form');
    fireEvent.change(within(form).getByLabelText(/^Nodes/), { target: { value: '1' } });
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.getByTestId('start-lab-error').textContent).toMatch(/^nodes must be in 2\.\./);
    act(() => host.push({ kind: 'app', info: { ...host.info(), lab: null } }));
    await settle();
    expect(screen.queryByTestId('start-lab-error')).toBeNull();
  });

  it('offers at most what the host machine carries, and says why', async () => {
    const host = new FakeHost();
    const capacity = { maxNodes: 500, reason: '2 cores × 250 nodes per core', cores: 2 };
    const base = host.answer;
    host.answer = (req) =>
      req.target === 'app' && (req.request as { op: string }).op === 'info'
        ? { ...host.info(), capacity }
        : base(req);
    await renderApp(host);
    const form = screen.getByTestId('start-lab-form');
    // 2 cores at 400 node-cycles/s each, 200 ms cycles: 160 nodes keep up.
    expect(form.textContent).toContain(
      '2..500 (this machine: 2 cores × 250 nodes per core); at 200 ms cycles about 160 keep up here',
    );
    fireEvent.change(within(form).getByLabelText(/^Nodes/), { target: { value: '600' } });
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.getByTestId('start-lab-error').textContent).toBe(
      'nodes must be in 2..500 (got 600): the most this machine carries (2 cores × 250 nodes per core)',
    );
    expect(appOp(host, 'start-lab')).toEqual([]);
  });
});

describe('what is shown at a glance', () => {
  it('a restarted monitor: a banner saying to open the new address', async () => {
    const host = new FakeHost();
    await renderApp(host);
    expect(screen.queryByTestId('restarted-banner')).toBeNull();
    act(() => host.setState({ kind: 'restarted' }));
    await settle();
    expect(screen.getByTestId('restarted-banner').textContent).toMatch(
      /^this monitor was restarted: open the new address it printed/,
    );
    expect(screen.getByTestId('connection-state').getAttribute('data-state')).toBe('restarted');
  });

  it('a lab behind its cycle: a banner with the rates and what to do, gone when it keeps up', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 300, up: 300, cycleMs: 200 });
    await renderApp(host);
    const samples = [sample(0, [1]), sample(1, [0])];
    // 300 nodes asked 5 cycles/s ran 1.75: 35%, so about 105 nodes, or 200 / 0.35 = 571 ms,
    // rounded up to 580 ms.
    const behind = { askedPerS: 5, achievedPerS: 1.75, behind: true, nodes: 300 };
    act(() =>
      host.push({
        kind: 'lab-snapshot',
        snapshot: { ...snapshot(host.labStatus!, samples, 6000), pace: behind },
      }),
    );
    await settle();
    expect(screen.getByTestId('behind-banner').textContent).toBe(
      'behind: 1.75 of 5.00 cycles/s asked (35%); this machine cannot carry 300 nodes at 200 ms cycles. Try about 105 nodes, or a cycle of about 580 ms',
    );
    const caughtUp = { ...behind, achievedPerS: 4.9, behind: false };
    act(() =>
      host.push({
        kind: 'lab-snapshot',
        snapshot: { ...snapshot(host.labStatus!, samples, 12000), pace: caughtUp },
      }),
    );
    await settle();
    expect(screen.queryByTestId('behind-banner')).toBeNull();
  });

  it('My node: the status line tells the cycle of the newest snapshot, as the state does', async () => {
    const host = new FakeHost();
    const status = (cycle: number, uptimeMs: number): NodeStatus => ({
      sessionId: 'abc',
      listen: [],
      cycle,
      mode: 'active',
      lowPowerReasons: [],
      peers: 3,
      spreadToPeers: 0.5,
      params: DEFAULT_PARAMS,
      interventions: {} as never,
      uptimeMs,
    });
    const base = host.answer;
    // The app's info was taken at cycle 26, 29 s in; the node has cycled on since.
    host.answer = (req) => {
      const op = (req.request as { op: string }).op;
      if (req.target === 'app' && op === 'info')
        return { ...host.info(), node: status(26, 29_000) };
      if (req.target === 'node') return [];
      return base(req);
    };
    await renderApp(host);
    fireEvent.click(screen.getByTestId('tab-my-node'));
    const state = { S: [50, 50], D: [0, 0], earned: 1, tcSelf: 0.5, dc: 0.1, recovery: false };
    act(() =>
      host.push({ kind: 'node-snapshot', snapshot: { status: status(109, 110_000), state } }),
    );
    await settle();
    expect(screen.getByTestId('node-status').textContent).toContain('cycle 109');
    const panel = screen.getByTestId('personal-node-panel');
    const row = within(panel).getByText('cycle', { selector: 'th[scope="row"]' });
    expect(row.nextSibling?.textContent).toBe('109');
    expect(screen.getByTestId('my-node').textContent).toContain('110 s');
  });
});
