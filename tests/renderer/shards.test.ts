// @vitest-environment jsdom
// The monitor's shard view (docs/monitor.md, "Shards"): the grid of who holds what, lost shards in
// red, the holders chart and the shard events, from snapshots built here by hand. What is expected
// comes from each scenario, not from the view's own code.
import { act, cleanup, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LabEvent, LabSnapshot, NodeSample } from '../../src-shared/api/lab-api';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { FakeHost, labStatus, sample, snapshot } from './helpers/fake-host';
import { noCanvas, renderApp, settle } from './helpers/render';

beforeEach(() => noCanvas());
afterEach(() => cleanup());

const sharded = (K: number, r: number) =>
  labStatus({
    nodes: 5,
    up: 5,
    params: { ...DEFAULT_PARAMS, dimensions: 4, shards: K, replication: r },
  });

/** A node of a complete graph of five (slots 0..4) holding `holds`. */
const node = (slot: number, holds: number[], over: Partial<NodeSample> = {}) =>
  sample(
    slot,
    [0, 1, 2, 3, 4].filter((p) => p !== slot),
    {
      S: [1, 2, 3, 4],
      D: [0, 0, 0, 0],
      holds,
      ...over,
    },
  );

/** The cells the grid fills, as "slot:shard", sorted. */
const held = () =>
  [...document.querySelectorAll('[data-testid="shard-grid"] .shard-cell')]
    .map((c) => `${c.getAttribute('data-slot')}:${c.getAttribute('data-shard')}`)
    .sort();
const lostRows = () =>
  [...document.querySelectorAll('[data-testid^="shard-row-"][data-lost="true"]')].map((r) =>
    r.getAttribute('data-testid'),
  );

describe('the shard view', () => {
  it('draws who holds which shard, and the shard whose only holder died in red', async () => {
    // K = 4, r = 2 on five nodes: shard 3 has a single holder, node 4. When node 4 dies, no live
    // node holds shard 3: the lab counts 0 holders and reports it lost.
    const host = new FakeHost();
    const status = sharded(4, 2);
    host.labStatus = status;
    const { store } = await renderApp(host);
    const holds = [[0, 1], [1, 2], [2, 0], [0, 1], [3]];
    const formed: LabSnapshot = {
      ...snapshot(
        status,
        holds.map((h, i) => node(i, h)),
        200,
      ),
      shards: {
        holders: [3, 3, 2, 1],
        holdersMin: [3, 3, 2, 1],
        spread: [0.1, 0.1, 0.1, 0.1],
        short: [3],
      },
    };
    act(() => host.push({ kind: 'lab-snapshot', snapshot: formed }));
    expect(lostRows()).toEqual([]);
    expect(screen.getByTestId('shard-status').textContent).toBe('K = 4 · r = 2 · no shard lost');

    const killed: LabSnapshot = {
      ...snapshot(
        status,
        holds.map((h, i) => node(i, h, i === 4 ? { condition: 'dead' } : {})),
        400,
      ),
      shards: {
        holders: [3, 3, 2, 0],
        holdersMin: [3, 3, 2, 0],
        spread: [0.1, 0.1, 0.1, 0],
        short: [],
      },
    };
    const lost: LabEvent = { t: 400, type: 'shard-lost', shard: 3, cycle: 12 };
    act(() => host.push({ kind: 'lab-snapshot', snapshot: killed }));
    act(() => host.push({ kind: 'lab-event', event: lost }));

    expect(held()).toEqual(['0:0', '0:1', '1:1', '1:2', '2:0', '2:2', '3:0', '3:1', '4:3']);
    // Node 4's holding is drawn as a dead node's, not as a live one's.
    expect(document.querySelector('.shard-cell[data-slot="4"]')!.classList.contains('dead')).toBe(
      true,
    );
    expect(document.querySelectorAll('.shard-cell.dead')).toHaveLength(1);
    expect(lostRows()).toEqual(['shard-row-3']);
    expect(screen.getByTestId('shard-status').textContent).toBe('K = 4 · r = 2 · lost: shard 3');
    expect(screen.getByTestId('shard-holders-0').textContent).toBe('3 holders · min 3');
    expect(screen.getByTestId('shard-holders-3').textContent).toBe('0 holders · min 0');

    // The event log says it in the lab's words, marked as a loss; the chart marks when.
    const line = [...screen.getByTestId('lab-events').querySelectorAll('li')].find((li) =>
      li.textContent?.includes('shard 3 lost'),
    )!;
    expect(line.textContent).toBe('0.4 s cycle 12: shard 3 lost: no node holds it any more');
    expect(line.className).toBe('event-shard-lost');
    expect(screen.getByTestId('shard-chart')).toBeTruthy();
    expect(screen.getAllByTestId('shard-lost-marker')).toHaveLength(1);

    // Replaying the tick before the kill: nothing was lost then.
    act(() => store.setCursor(200));
    expect(lostRows()).toEqual([]);
    expect(screen.getByTestId('shard-holders-3').textContent).toBe('1 holder · min 1');

    const repaired: LabEvent = { t: 600, type: 'shard-repaired', shard: 1, cycle: 14, cycles: 3 };
    act(() => host.push({ kind: 'lab-event', event: repaired }));
    expect(
      screen.getByTestId('lab-events').querySelector('.event-shard-repaired')!.textContent,
    ).toBe('0.6 s cycle 14: shard 1 repaired to r holders in every neighbourhood (3 cycles)');
  });

  it('marks the capped nodes, each with its cap, and no other', async () => {
    // K = 4, r = 3: nodes 1 and 3 are capped at one shard (their samples say maxShards 1),
    // node 2 at two; node 4's sample names a cap of 9, which no node of K = 4 can have.
    const host = new FakeHost();
    const status = sharded(4, 3);
    host.labStatus = status;
    await renderApp(host);
    const holds = [[0, 1, 2], [3], [0, 1], [2], [0, 1, 2, 3]];
    const caps: Record<number, number> = { 1: 1, 2: 2, 3: 1, 4: 9 };
    const samples = holds.map((h, i) =>
      node(i, h, caps[i] === undefined ? {} : { maxShards: caps[i] }),
    );
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(status, samples, 200) }));
    const marks = [...document.querySelectorAll('[data-testid^="shard-cap-"]')];
    expect(marks.map((m) => m.getAttribute('data-testid'))).toEqual([
      'shard-cap-1',
      'shard-cap-2',
      'shard-cap-3',
    ]);
    expect(marks.map((m) => m.querySelector('title')!.textContent)).toEqual([
      'node 1 holds at most 1 shard (capped)',
      'node 2 holds at most 2 shards (capped)',
      'node 3 holds at most 1 shard (capped)',
    ]);
    expect(screen.getByTestId('shard-view').textContent).toContain('marks a capped node');

    // A lab without capped nodes has no marks and no word of them.
    const plain = holds.map((h, i) => node(i, h));
    act(() => host.push({ kind: 'lab-snapshot', snapshot: snapshot(status, plain, 400) }));
    expect(document.querySelectorAll('[data-testid^="shard-cap-"]')).toHaveLength(0);
    expect(screen.getByTestId('shard-view').textContent).not.toContain('capped');
  });

  it('shows no shard view with K = 1', async () => {
    const host = new FakeHost();
    host.labStatus = labStatus();
    await renderApp(host);
    act(() =>
      host.push({
        kind: 'lab-snapshot',
        snapshot: snapshot(host.labStatus!, [sample(0, [1]), sample(1, [0])], 200),
      }),
    );
    await settle();
    expect(screen.getByTestId('spread-chart')).toBeTruthy();
    expect(screen.queryByTestId('shard-view')).toBeNull();
    expect(screen.queryByTestId('shard-chart')).toBeNull();
  });

  it('survives a recording without shards or holds, and ignores what is not a shard', async () => {
    const host = new FakeHost();
    const status = sharded(2, 1);
    host.labStatus = status;
    await renderApp(host);
    // Made before shards: no `shards`, no `holds`.
    const old = snapshot(
      status,
      [0, 1, 2].map((i) => sample(i, [])),
      200,
    );
    act(() => host.push({ kind: 'lab-snapshot', snapshot: old }));
    expect(screen.getByTestId('shard-no-holds')).toBeTruthy();
    expect(screen.getByTestId('shard-status').textContent).toBe(
      'K = 2 · r = 1 · holders not recorded',
    );
    expect(held()).toEqual([]);

    // A damaged table and holds naming shards that do not exist: the table is dropped, the
    // holds outside 0..1 are ignored, and holders are counted from the holds of live nodes.
    // Node 1 alone held shard 1, then died: shard 1 was held and no live node holds it now.
    const bad = (t: number, dead: boolean) =>
      ({
        ...snapshot(
          status,
          [
            sample(0, [], { holds: [0, 7, -1] }),
            sample(1, [], { holds: [1], ...(dead ? { condition: 'dead' as const } : {}) }),
            sample(2, [], { holds: ['x'] as never }),
          ],
          t,
        ),
        shards: { holders: 'three', holdersMin: [1], spread: null },
      }) as unknown as LabSnapshot;
    act(() => host.push({ kind: 'lab-snapshot', snapshot: bad(400, false) }));
    expect(held()).toEqual(['0:0', '1:1']);
    expect(lostRows()).toEqual([]);
    act(() => host.push({ kind: 'lab-snapshot', snapshot: bad(600, true) }));
    expect(lostRows()).toEqual(['shard-row-1']);
    expect(screen.getByTestId('shard-holders-1').textContent).toBe('0 holders');
  });
});
