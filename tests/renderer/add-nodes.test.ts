// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkMonitorRequest } from '../../src-shared/api/monitor-api';
import { FakeHost, labStatus, snapshot } from './helpers/fake-host';
import { noCanvas, renderApp, settle } from './helpers/render';

beforeEach(() => noCanvas());
afterEach(() => cleanup());

const op = (r: unknown) => (r as { op: string }).op;
const options = () =>
  [...(screen.getByTestId('add-nodes-kind') as HTMLSelectElement).options].map((o) => o.value);

describe('Add nodes', () => {
  it('in a lab of Node.js nodes offers Node.js nodes only, and sends them', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    expect(options()).toEqual(['node']);
    fireEvent.change(screen.getByTestId('add-nodes-count'), { target: { value: '3' } });
    fireEvent.click(screen.getByTestId('add-nodes-button'));
    await settle();
    const sent = host.sent('lab').filter((r) => op(r) === 'add-nodes');
    expect(sent).toEqual([{ op: 'add-nodes', count: 3, kind: 'node' }]);
    expect(checkMonitorRequest({ target: 'lab', request: sent[0] }).ok).toBe(true);
    expect(screen.queryByTestId('add-nodes-error')).toBeNull();
  });

  it('in a lab with browser nodes sends a browser node, and shows the host’s refusal', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus({ nodes: 4, browsers: [3] });
    const refusal = 'the lab would have 33 browser nodes; at most 32 are allowed';
    const base = host.answer;
    host.answer = (req) => {
      if (req.target === 'lab' && op(req.request) === 'add-nodes') throw new Error(refusal);
      return base(req);
    };
    await renderApp(host);
    expect(options()).toEqual(['node', 'browser']);
    fireEvent.change(screen.getByTestId('add-nodes-kind'), { target: { value: 'browser' } });
    fireEvent.click(screen.getByTestId('add-nodes-button'));
    await settle();
    expect(host.sent('lab').filter((r) => op(r) === 'add-nodes')).toEqual([
      { op: 'add-nodes', count: 1, kind: 'browser' },
    ]);
    expect(screen.getByTestId('add-nodes-error').textContent).toBe(refusal);
    // Another lab: the refusal was about the one before, and goes; so do browser nodes here.
    act(() =>
      host.push({
        kind: 'lab-snapshot',
        snapshot: snapshot(labStatus({ dir: '/tmp/lab-2', startedAt: 1_700_000_100_000 }), [], 0),
      }),
    );
    await settle();
    expect(screen.queryByTestId('add-nodes-error')).toBeNull();
    expect(options()).toEqual(['node']);
  });

  it('refuses a count that is not a whole number in 1..500 without asking the host', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    for (const value of ['0', '2.5', '501', '']) {
      fireEvent.change(screen.getByTestId('add-nodes-count'), { target: { value } });
      fireEvent.click(screen.getByTestId('add-nodes-button'));
      await settle();
      expect(screen.getByTestId('add-nodes-error').textContent).toMatch(
        /^count must be (a whole number )?in 1\.\.500/,
      );
    }
    expect(host.sent('lab').some((r) => op(r) === 'add-nodes')).toBe(false);
  });
});

describe('the start form’s browser nodes', () => {
  it('sends them with the setup', async () => {
    const host = new FakeHost();
    host.browserNodes = { ok: true };
    await renderApp(host);
    const form = screen.getByTestId('start-lab-form');
    const field = within(form).getByLabelText(/^Browser nodes/) as HTMLInputElement;
    expect(field.value).toBe('0');
    expect(field.disabled).toBe(false);
    fireEvent.change(field, { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('start-lab-button'));
    await settle();
    const sent = host.sent('app').filter((r) => op(r) === 'start-lab');
    expect(sent).toEqual([
      {
        op: 'start-lab',
        setup: { nodes: 50, topology: 'random:8', seed: 1, cycleMs: 200, browsers: 2 },
      },
    ]);
    expect(checkMonitorRequest({ target: 'app', request: sent[0] }).ok).toBe(true);
  });

  it('is disabled with the host’s reason where browser nodes cannot run', async () => {
    const host = new FakeHost();
    const reason = 'browser nodes need Chromium: no Chromium at /usr/bin/chromium';
    host.browserNodes = { ok: false, reason };
    await renderApp(host);
    const field = within(screen.getByTestId('start-lab-form')).getByLabelText(
      /^Browser nodes/,
    ) as HTMLInputElement;
    expect(field.disabled).toBe(true);
    const hint = document.getElementById(field.getAttribute('aria-describedby')!);
    expect(hint?.textContent).toBe(`not on this host: ${reason}`);
  });
});
