// @vitest-environment jsdom
// The browser node's status view redraws by attention (NodeView.tsx): every second while someone
// uses the page and for its first 30 s, every 15 s once it sits unattended, a new peer within a
// second either way, nothing while hidden. A node made here stands in for the real one, so that
// the view's clock is the test's: its cycle counter moves when the test says a cycle passed.
import { act, cleanup, render } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoggedEvent, NodeStatus, PeerView } from '../../src-shared/api/node-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { emptyCounts, countsByRule } from '../../src-shared/drift/rules';
import type { BrowserNode } from '../../src-renderer/browser-node/browser-node';
import { NodeView } from '../../src-renderer/browser-node/NodeView';
import { PageLog } from '../../src-renderer/browser-node/page-log';

/** A node whose cycle and peers the test sets; counts how often the view read its status. */
class StandInNode {
  cycle = 0;
  peers: PeerView[] = [];
  reads = 0;
  readonly core = {
    status: (): NodeStatus => {
      this.reads++;
      return {
        sessionId: 'self',
        listen: [],
        cycle: this.cycle,
        mode: 'active',
        lowPowerReasons: [],
        peers: this.peers.length,
        spreadToPeers: 0,
        params: DEFAULT_PARAMS,
        interventions: countsByRule(emptyCounts()),
        uptimeMs: 0,
      };
    },
    state: () => ({ S: [1, 2], D: [0, 0], earned: 0, tcSelf: 1, dc: 0, recovery: false }),
    traffic: () => ({ bytesIn: 0, bytesOut: 0, framesIn: 0, framesOut: 0 }),
    peers: () => this.peers,
    events: (): LoggedEvent[] => [],
  };
}

const peer = (id: string): PeerView => ({
  sessionId: id,
  address: '/ip4/10.0.0.2/tcp/4001/ws',
  trust: 1,
  lastState: null,
  lastCycle: null,
  framesIn: 0,
  framesOut: 0,
  badFrames: 0,
});

const shownCycle = () => Number(document.querySelector('[data-testid="node-cycle"]')!.textContent);
const shownPeers = () => document.querySelectorAll('[data-testid="peer-row"]').length;
const attended = () =>
  document.querySelector('[data-testid="node-refresh"]')!.getAttribute('data-attended');

let visibility: DocumentVisibilityState = 'visible';
beforeEach(() => {
  vi.useFakeTimers();
  visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => visibility,
  });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

/** One node cycle and `ms` of the view's clock. */
async function cycleFor(node: StandInNode, ms: number): Promise<void> {
  node.cycle++;
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

function open(): StandInNode {
  const node = new StandInNode();
  const log = new PageLog();
  render(
    createElement(NodeView, {
      node: node as unknown as BrowserNode,
      log,
      onLeave: () => undefined,
    }),
  );
  return node;
}

describe("the browser node's view", () => {
  it('follows every cycle for its first 30 s, then every 15 s once nobody uses the page', async () => {
    const node = open();
    for (let s = 1; s <= 29; s++) {
      await cycleFor(node, 1000);
      expect(shownCycle()).toBe(s);
    }
    expect(attended()).toBe('true');
    // 30 s without a pointer, key or touch: unattended. The next redraw comes 15 s after the
    // last one (at 29 s), and each 15 s after that; the cycles between are not shown.
    const shown: number[] = [];
    for (let s = 30; s <= 60; s++) {
      await cycleFor(node, 1000);
      shown.push(shownCycle());
    }
    const held = (cycle: number, seconds: number) => Array<number>(seconds).fill(cycle);
    // 30..43 show 29; 44..58 show 44; 59 and 60 show 59.
    expect(shown).toEqual([...held(29, 14), ...held(44, 15), ...held(59, 2)]);
    expect(attended()).toBe('false');
  });

  it('shows the figures of now the moment someone comes back, then every second again', async () => {
    const node = open();
    // Unattended from 30 s; the first redraw to say so is at 44 s (15 s after the one at 29 s).
    for (let s = 1; s <= 45; s++) await cycleFor(node, 1000);
    expect(attended()).toBe('false');
    node.cycle = 46;
    act(() => {
      window.dispatchEvent(new Event('pointermove'));
    });
    expect(shownCycle()).toBe(46);
    expect(attended()).toBe('true');
    for (let s = 47; s <= 55; s++) {
      await cycleFor(node, 1000);
      expect(shownCycle()).toBe(s);
    }
  });

  it('shows a new peer within a second while unattended', async () => {
    const node = open();
    for (let s = 1; s <= 46; s++) await cycleFor(node, 1000);
    expect(attended()).toBe('false');
    // 46 s: the last redraw was at 44 s; the next by the clock would be at 59 s.
    node.peers = [peer('a')];
    await cycleFor(node, 1000);
    expect(shownPeers()).toBe(1);
    expect(shownCycle()).toBe(47);
  });

  it('reads nothing of the node while the tab is hidden', async () => {
    const node = open();
    await cycleFor(node, 1000);
    visibility = 'hidden';
    const reads = node.reads;
    for (let s = 0; s < 20; s++) await cycleFor(node, 1000);
    expect(node.reads).toBe(reads);
    // Shown again: that is attention, and the figures are of now at once.
    visibility = 'visible';
    act(() => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(shownCycle()).toBe(node.cycle);
  });
});
