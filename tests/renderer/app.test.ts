// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMonitorRequest } from '../../src-shared/api/monitor-api';
import { PRESET_KINDS } from '../../src-shared/lab/partitions';
import { FakeHost, labStatus, sample, snapshot } from './helpers/fake-host';
import { noCanvas, renderApp, settle } from './helpers/render';

beforeEach(() => noCanvas());
afterEach(() => cleanup());

describe('start-lab form', () => {
  it('sends a valid start-lab request and shows the host’s error line when it refuses', async () => {
    const host = new FakeHost();
    const base = host.answer;
    host.answer = (req) => {
      if (req.target === 'app' && (req.request as { op: string }).op === 'start-lab')
        throw new Error('lab: topology ring:4 needs at least 5 nodes (got 30)');
      return base(req);
    };
    await renderApp(host);
    const form = screen.getByTestId('start-lab-form');
    fireEvent.change(within(form).getByLabelText(/^Nodes/), { target: { value: '30' } });
    fireEvent.change(within(form).getByLabelText(/^Topology/), { target: { value: 'ring:4' } });
    fireEvent.change(within(form).getByLabelText(/^Seed/), { target: { value: '7' } });
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();

    const sent = host.requests.filter(
      (r) => r.target === 'app' && (r.request as { op: string }).op === 'start-lab',
    );
    expect(sent).toEqual([
      {
        target: 'app',
        request: {
          op: 'start-lab',
          setup: { nodes: 30, topology: 'ring:4', seed: 7, cycleMs: 200 },
        },
      },
    ]);
    expect(checkMonitorRequest(sent[0]).ok).toBe(true);
    expect(screen.getByTestId('start-lab-error').textContent).toBe(
      'lab: topology ring:4 needs at least 5 nodes (got 30)',
    );
    expect(screen.queryByTestId('start-lab-progress')).toBeNull();
  });

  it('refuses a bad field itself, in one line, without asking the host', async () => {
    const host = new FakeHost();
    await renderApp(host);
    const form = screen.getByTestId('start-lab-form');
    fireEvent.change(within(form).getByLabelText(/^Nodes/), { target: { value: '1' } });
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.getByTestId('start-lab-error').textContent).toMatch(/^nodes must be in 2\.\./);
    expect(host.sent('app').some((r) => (r as { op: string }).op === 'start-lab')).toBe(false);
  });

  it('shows progress while the lab starts, and the lab once it answers', async () => {
    const host = new FakeHost();
    let release: (v: unknown) => void = () => undefined;
    const base = host.answer;
    host.answer = (req) => {
      if ((req.request as { op: string }).op === 'start-lab')
        return new Promise((resolve) => {
          release = resolve;
        });
      return base(req);
    };
    await renderApp(host);
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    expect(screen.getByTestId('start-lab-progress').textContent).toMatch(/Starting 50 nodes/);
    host.labStatus = labStatus({ nodes: 50, up: 50 });
    await act(async () => release(host.labStatus));
    await settle();
    expect(screen.queryByTestId('start-lab-progress')).toBeNull();
    expect(screen.getByTestId('lab-line').textContent).toMatch(/50\/50 up/);
  });
});

describe('lab controls', () => {
  it('every partition preset of the lab has a button that sends it; heal sends heal', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    for (const kind of PRESET_KINDS) fireEvent.click(screen.getByTestId(`preset-${kind}`));
    fireEvent.click(screen.getByTestId('heal'));
    await settle();
    const commands = host
      .sent('lab')
      .filter((r) => ['partition', 'heal'].includes((r as { op: string }).op));
    expect(commands).toEqual([
      ...PRESET_KINDS.map((kind) => ({ op: 'partition', partition: { kind } })),
      { op: 'heal' },
    ]);
    for (const c of commands)
      expect(checkMonitorRequest({ target: 'lab', request: c }).ok).toBe(true);
  });

  it('partitions the selected set against the rest', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    const { store } = await renderApp(host);
    const ring = [sample(0, [1, 3]), sample(1, [0, 2]), sample(2, [1, 3]), sample(3, [2, 0])];
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(host.labStatus!, ring, 200) }));
    act(() => store.select([3, 1]));
    fireEvent.click(screen.getByTestId('partition-selected'));
    await settle();
    expect(host.sent('lab').at(-1)).toEqual({
      op: 'partition',
      partition: {
        kind: 'groups',
        groups: [
          [1, 3],
          [0, 2],
        ],
      },
    });
  });

  it('shows the host’s refusal of a command in the window', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    const base = host.answer;
    host.answer = (req) => {
      if ((req.request as { op: string }).op === 'partition')
        throw new Error('majorities-ring needs at least 4 nodes (the lab has 3)');
      return base(req);
    };
    await renderApp(host);
    fireEvent.click(screen.getByTestId('preset-majorities-ring'));
    await settle();
    expect(screen.getByTestId('toast-error').textContent).toContain(
      'partition: majorities-ring needs at least 4 nodes (the lab has 3)',
    );
  });
});

describe('swarm map status line', () => {
  it('counts the connected parts of the live links among up nodes', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    const status = host.labStatus!;
    const whole = [sample(0, [1, 3]), sample(1, [0, 2]), sample(2, [1, 3]), sample(3, [2, 0])];
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(status, whole, 200, 2.5) }));
    expect(screen.getByTestId('map-groups').textContent).toBe('1');
    expect(screen.getByTestId('spread-value').textContent).toBe('2.5');
    const cut = { ...status, cut: [[1, 2] as const, [0, 3] as const] };
    const halves = [sample(0, [1]), sample(1, [0]), sample(2, [3]), sample(3, [2])];
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(cut, halves, 400, 0.25) }));
    expect(screen.getByTestId('map-groups').textContent).toBe('2');
    expect(screen.getByTestId('spread-value').textContent).toBe('0.25');
  });
});

describe('keyboard', () => {
  it('space pauses, then resumes, the lab', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    fireEvent.keyDown(document.body, { key: ' ' });
    await settle();
    expect(host.sent('lab').at(-1)).toEqual({ op: 'pause' });
    expect(screen.getByTestId('lab-line').textContent).toMatch(/paused/);
    fireEvent.keyDown(document.body, { key: ' ' });
    await settle();
    expect(host.sent('lab').at(-1)).toEqual({ op: 'resume' });
    expect(screen.getByTestId('lab-line').textContent).not.toMatch(/paused/);
  });

  it('h heals and s steps; keys typed into a field are not shortcuts', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    fireEvent.keyDown(document.body, { key: 'h' });
    fireEvent.keyDown(document.body, { key: 's' });
    await settle();
    expect(host.sent('lab').slice(-2)).toEqual([{ op: 'heal' }, { op: 'step' }]);
    const before = host.requests.length;
    const input = within(screen.getByTestId('start-lab-form')).getByLabelText(/^Seed/);
    fireEvent.keyDown(input, { key: ' ' });
    fireEvent.keyDown(input, { key: 'h' });
    await settle();
    expect(host.requests.length).toBe(before);
  });

  it('after a mouse click on a button, Space pauses instead of pressing it again', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    const heal = screen.getByTestId('heal');
    heal.focus();
    fireEvent.click(heal, { detail: 1 });
    expect(document.activeElement).not.toBe(heal);
    fireEvent.keyDown(document.activeElement ?? document.body, { key: ' ' });
    await settle();
    expect(host.sent('lab').slice(-2)).toEqual([{ op: 'heal' }, { op: 'pause' }]);
  });

  it('? opens the help overlay and Esc closes it', async () => {
    const host = new FakeHost();
    await renderApp(host);
    expect(screen.queryByTestId('help-overlay')).toBeNull();
    fireEvent.keyDown(document.body, { key: '?' });
    expect(screen.getByTestId('help-overlay')).toBeTruthy();
    expect(screen.getByRole('dialog').textContent).toMatch(/pause or resume the lab/);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    expect(screen.queryByTestId('help-overlay')).toBeNull();
  });
});

describe('connection state', () => {
  it('shows the transport’s state and asks for the app info again on reconnect', async () => {
    const host = new FakeHost();
    await renderApp(host);
    const infoCount = () =>
      host.sent('app').filter((r) => (r as { op: string }).op === 'info').length;
    expect(infoCount()).toBe(1);
    expect(screen.getByTestId('connection-state').textContent).toBe('connected');
    act(() => host.setState({ kind: 'retrying', attempt: 1, retryAt: Date.now() + 2000 }));
    expect(screen.getByTestId('connection-state').textContent).toMatch(/retrying in 2 s/);
    act(() => host.setState({ kind: 'open' }));
    await settle();
    expect(infoCount()).toBe(2);
  });
});

describe('my node', () => {
  it('shows how the node is reached, what to share and what it does without peers', async () => {
    const host = new FakeHost();
    const { DEFAULT_PARAMS } = await import('../../src-shared/drift/params');
    const relayed = '/ip4/11.2.0.1/tcp/4001/p2p/12D3KooWrelay/p2p-circuit/p2p/12D3KooWself';
    const status = {
      sessionId: 'self',
      listen: ['/ip4/10.1.0.10/tcp/4001/p2p/12D3KooWself'],
      cycle: 3,
      mode: 'active' as const,
      lowPowerReasons: [],
      peers: 0,
      spreadToPeers: 0,
      params: DEFAULT_PARAMS,
      interventions: {} as never,
      uptimeMs: 5000,
      network: {
        reachability: 'relayed' as const,
        shareable: [relayed],
        outbound: 0,
        inbound: 0,
        peersByGroup: { 'ip4:11.2': 1 },
        book: { new: 3, tried: 1 },
        activity: '4 known addresses, next try in 20 s',
      },
    };
    const base = host.answer;
    host.answer = (req) => {
      const op = (req.request as { op: string }).op;
      if (req.target === 'app' && op === 'info') return { ...host.info(), node: status };
      if (req.target === 'node' && (op === 'peers' || op === 'events')) return [];
      return base(req);
    };
    await renderApp(host);
    fireEvent.click(screen.getByTestId('tab-my-node'));
    expect(screen.getByTestId('node-reachability').textContent).toBe('reachable through a relay');
    expect(screen.getByTestId('node-shareable').textContent).toContain(relayed);
    const table = screen.getByTestId('node-network').textContent ?? '';
    expect(table).toContain('next try in 20 s');
    expect(table).toContain('3 new · 1 tried');
    expect(table).toContain('ip4:11.2 1');
  });

  it('sends set-params and shows the node’s refusal; checks a bootstrap address first', async () => {
    const host = new FakeHost();
    const { DEFAULT_PARAMS } = await import('../../src-shared/drift/params');
    const status = {
      sessionId: 'abc',
      listen: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWabc'],
      cycle: 3,
      mode: 'active' as const,
      lowPowerReasons: [],
      peers: 0,
      spreadToPeers: 0,
      params: DEFAULT_PARAMS,
      interventions: {} as never,
      uptimeMs: 5000,
    };
    const base = host.answer;
    host.answer = (req) => {
      const op = (req.request as { op: string }).op;
      if (req.target === 'app' && op === 'info') return { ...host.info(), node: status };
      if (req.target === 'node' && op === 'peers') return [];
      if (req.target === 'node' && op === 'events') return [];
      if (req.target === 'node' && op === 'set-params')
        throw new Error('maxDiff (10) must not exceed anomalyLimit (5)');
      return base(req);
    };
    await renderApp(host);
    act(() =>
      host.push({
        kind: 'node-snapshot',
        snapshot: {
          status,
          state: { S: [100, 100], D: [0, 0], earned: 1, tcSelf: 0.9, dc: 0.5, recovery: false },
        },
      }),
    );
    fireEvent.click(screen.getByTestId('tab-my-node'));
    expect(screen.getByTestId('node-listen').textContent).toContain('/tcp/4001');
    const form = screen.getByTestId('params-form');
    fireEvent.change(within(form).getByLabelText('beta'), { target: { value: '0.3' } });
    fireEvent.click(screen.getByTestId('params-apply'));
    await settle();
    expect(host.sent('node').at(-1)).toEqual({ op: 'set-params', params: { beta: 0.3 } });
    expect(screen.getByTestId('params-error').textContent).toBe(
      'maxDiff (10) must not exceed anomalyLimit (5)',
    );
    fireEvent.change(within(form).getByLabelText('beta'), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('params-apply'));
    expect(screen.getByTestId('params-error').textContent).toBe('beta must be in (0, 1] (got 2)');

    fireEvent.change(screen.getByTestId('bootstrap-input'), { target: { value: '/ip4/1.2.3.4' } });
    fireEvent.click(screen.getByTestId('bootstrap-add'));
    await settle();
    expect(screen.getByTestId('bootstrap-error').textContent).toMatch(/needs \/tcp\/<port>/);
    expect(host.sent('node').some((r) => (r as { op: string }).op === 'connect')).toBe(false);
  });
});

describe('browser nodes in the lab', () => {
  /** A lab of Node.js node 0 and browser nodes 1 and 2, the panel's status polls refused. */
  async function mixedLab() {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 3, up: 3 });
    const base = host.answer;
    host.answer = (req) => {
      if (req.target === 'lab' && (req.request as { op: string }).op === 'node')
        throw new Error('not asked in these tests');
      return base(req);
    };
    const view = await renderApp(host);
    const samples = [
      sample(0, [1, 2]),
      sample(1, [0, 2], { kind: 'browser' }),
      sample(2, [0, 1], { kind: 'browser' }),
    ];
    act(() =>
      host.push({ kind: 'lab-snapshot', snapshot: snapshot(host.labStatus!, samples, 200) }),
    );
    await settle();
    return { host, ...view };
  }
  const kindRow = () =>
    within(screen.getByTestId('lab-node-panel')).getByText('kind', {
      selector: 'th[scope="row"]',
    }).nextSibling?.textContent;

  it('the node panel says what runs the node shown', async () => {
    const { store } = await mixedLab();
    act(() => store.select([1]));
    await settle();
    expect(kindRow()).toBe('browser node (Chromium tab)');
    act(() => store.select([0]));
    await settle();
    expect(kindRow()).toBe('Node.js node');
  });

  it('a selection of several counts its browser nodes', async () => {
    const { store } = await mixedLab();
    act(() => store.select([0, 1, 2]));
    await settle();
    expect(screen.getByTestId('selection-kinds').textContent).toBe(
      '2 browser nodes (Chromium tabs), 1 Node.js node',
    );
    act(() => store.select([0, 2]));
    await settle();
    expect(screen.getByTestId('selection-kinds').textContent).toBe(
      '1 browser node (Chromium tab), 1 Node.js node',
    );
  });

  it('the map’s legend and status line explain the shapes only when the lab has browser nodes', async () => {
    const { host } = await mixedLab();
    expect(screen.getByTestId('map-browsers').textContent).toBe('2');
    expect(screen.getByTestId('map-status').textContent).toMatch(
      /group · 2 browser nodes · spread/,
    );
    const legend = screen.getByTestId('map-legend');
    expect(within(legend).getByTestId('legend-browser').textContent?.trim()).toBe(
      'browser node (Chromium tab)',
    );
    expect(legend.textContent).toContain('Node.js node');
    const nodesOnly = [sample(0, [1, 2]), sample(1, [0, 2]), sample(2, [0, 1])];
    act(() =>
      host.push({ kind: 'lab-snapshot', snapshot: snapshot(host.labStatus!, nodesOnly, 400) }),
    );
    await settle();
    expect(screen.queryByTestId('map-browsers')).toBeNull();
    expect(screen.getByTestId('map-status').textContent).toMatch(/group · spread/);
    expect(screen.queryByTestId('legend-browser')).toBeNull();
    expect(screen.getByTestId('map-legend').textContent).not.toContain('Node.js node');
  });
});
