import { useState } from 'react';
import { describeSlots } from '@shared/lab/partitions';
import type { NodeKind } from '@shared/api/lab-api';
import { kindCount } from '../lib/node-kind';
import { useMonitor, useMonitorState } from '../state/context';
import { MyNode } from './MyNode';
import { LabNodePanel } from './NodePanel';

type Tab = 'selection' | 'my-node';

/**
 * How many of the selected lab nodes are of a kind: a number, so a tick that changes none of
 * them re-renders nothing.
 */
function useSelectedOfKind(selection: ReadonlySet<number>, kind: NodeKind): number {
  return useMonitorState(
    (s) =>
      s.labSnapshot?.samples.filter((x) => x.kind === kind && selection.has(x.slot)).length ?? 0,
  );
}

/** The right-hand column: the selected lab node(s), or the personal node. */
export function Inspector() {
  const { store } = useMonitor();
  const [tab, setTab] = useState<Tab>('selection');
  const selection = useMonitorState((s) => s.selection);
  const nodes = [...selection].sort((a, b) => a - b);
  const browsers = useSelectedOfKind(selection, 'browser');
  const nodeJs = useSelectedOfKind(selection, 'node');
  const tabButton = (id: Tab, label: string) => (
    <button
      type="button"
      role="tab"
      id={`tab-${id}`}
      aria-selected={tab === id}
      aria-controls={`panel-${id}`}
      className={tab === id ? 'tab active' : 'tab'}
      onClick={() => setTab(id)}
      data-testid={`tab-${id}`}
    >
      {label}
    </button>
  );
  return (
    <aside className="inspector" aria-label="Inspector">
      <div role="tablist" className="tabs">
        {tabButton('selection', nodes.length > 0 ? `Selected (${nodes.length})` : 'Selected')}
        {tabButton('my-node', 'My node')}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'my-node' ? (
          <MyNode />
        ) : nodes.length === 0 ? (
          <p className="empty">
            Nothing selected. Click a node on the map; shift-click or shift-drag selects a set.
          </p>
        ) : nodes.length === 1 ? (
          <LabNodePanel key={nodes[0]} slot={nodes[0]} />
        ) : (
          <div>
            <h3>{nodes.length} nodes selected</h3>
            <p className="mono">{describeSlots(nodes)}</p>
            {browsers > 0 ? (
              <p className="small" data-testid="selection-kinds">
                {[kindCount('browser', browsers), nodeJs > 0 ? kindCount('node', nodeJs) : '']
                  .filter(Boolean)
                  .join(', ')}
              </p>
            ) : null}
            <p className="muted small">
              The lab controls act on all of them; click one in this list to inspect it.
            </p>
            <div className="chips">
              {nodes.slice(0, 200).map((n) => (
                <button type="button" key={n} className="chip" onClick={() => store.select([n])}>
                  {n}
                </button>
              ))}
            </div>
          </div>
        )}
      </div>
    </aside>
  );
}
