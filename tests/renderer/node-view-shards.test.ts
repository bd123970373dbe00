// @vitest-environment jsdom
// The browser node's own status view says which shards the tab holds with K > 1 (docs/shards.md,
// "In the node"), and says nothing of shards with K = 1. The node is a stand-in with the figures
// the view reads.
import { cleanup, render, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../src-shared/api/node-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import type { BrowserNode } from '../../src-renderer/browser-node/browser-node';
import { NodeView } from '../../src-renderer/browser-node/NodeView';
import { PageLog } from '../../src-renderer/browser-node/page-log';

afterEach(() => cleanup());

function nodeWith(status: Partial<NodeStatus>, S: number[]): BrowserNode {
  const full: NodeStatus = {
    sessionId: '12D3KooWtab',
    listen: [],
    cycle: 12,
    mode: 'active',
    lowPowerReasons: [],
    peers: 3,
    spreadToPeers: 0.1,
    params: DEFAULT_PARAMS,
    interventions: {} as never,
    uptimeMs: 3000,
    ...status,
  };
  const core = {
    status: () => full,
    state: () => ({ S, D: S.map(() => 0), earned: 0, tcSelf: 1, dc: 0, recovery: false }),
    peers: () => [],
    events: () => [],
    traffic: () => ({ framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0 }),
  };
  return { core } as unknown as BrowserNode;
}

const show = (node: BrowserNode) =>
  render(createElement(NodeView, { node, log: new PageLog(), onLeave: () => undefined }));

describe('the browser node’s status view', () => {
  it('names the shards the tab holds with K = 4', () => {
    show(
      nodeWith(
        { params: { ...DEFAULT_PARAMS, dimensions: 4, shards: 4 }, holds: [1, 3] },
        [0, 41.5, 0, 40.2],
      ),
    );
    const line = screen.getByTestId('node-shards');
    expect(line.getAttribute('data-holds')).toBe('1,3');
    expect(line.textContent).toBe('1, 3 of 0 to 3 (S is 0 outside them)');
  });

  it('says it waits while it holds none yet, and has no such line with K = 1', () => {
    show(nodeWith({ params: { ...DEFAULT_PARAMS, dimensions: 4, shards: 2 }, holds: [] }, []));
    expect(screen.getByTestId('node-shards').textContent).toBe(
      'none of 2 yet: waiting to hear a holder',
    );
    cleanup();
    show(nodeWith({}, [40, 41]));
    expect(screen.queryByTestId('node-shards')).toBeNull();
  });
});
