import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { fitTicks } from '../../src-renderer/lib/axis-ticks';
import { besideMarker, stackRows } from '../../src-renderer/lib/label-rows';
import { DEFAULT_PARAMS } from '../../src-shared/drift/params';
import { checkMonitorRequest } from '../../src-shared/api/monitor-api';
import { errorLine } from '../../src-renderer/api/client';
import { convergenceText, markerLabel, markersOf } from '../../src-renderer/lib/commands';
import { liveComponents } from '../../src-renderer/lib/components';
import { ticksCsv } from '../../src-renderer/lib/csv';
import { insidePolygon, pointsInPolygon } from '../../src-renderer/lib/lasso';
import { formatLogLabel, logDomain, logTicks } from '../../src-renderer/lib/log-ticks';
import { selectedVsRest } from '../../src-renderer/lib/presets';
import { shortcutFor } from '../../src-renderer/lib/shortcuts';
import { syntheticSwarm } from '../../src-renderer/lib/synthetic';
import {
  checkMultiaddr,
  checkParamsForm,
  checkAddNodes,
  checkStartForm,
  checkTrimF,
  parseVector,
} from '../../src-renderer/lib/validate';
import { labStatus, sample, snapshot } from './helpers/fake-host';

describe('liveComponents', () => {
  it('counts parts of the links among included nodes; lone included nodes are parts', () => {
    const links = [0, 1, 1, 2, 3, 4, 5, 6];
    const all = [1, 1, 1, 1, 1, 1, 1];
    expect(liveComponents(7, all, links).count).toBe(3);
    // Node 5 down: its link to 6 does not count, 6 is alone.
    const c = liveComponents(7, [1, 1, 1, 1, 1, 0, 1], links);
    expect(c.count).toBe(3);
    expect(Array.from(c.group)).toEqual([0, 0, 0, 1, 1, -1, 2]);
    // A down node in the middle splits its chain.
    expect(liveComponents(3, [1, 0, 1], [0, 1, 1, 2]).count).toBe(2);
    expect(liveComponents(0, [], []).count).toBe(0);
  });
});

describe('log axis', () => {
  it('spans whole decades and puts ticks at powers of ten (and 2, 5 on short spans)', () => {
    expect(logDomain([0.03, 0.2, Number.NaN, 0, -1])).toEqual([0.01, 1]);
    expect(logDomain([5, 5])).toEqual([1, 10]);
    expect(logDomain([10, 10])).toEqual([1, 100]);
    expect(logDomain([Number.NaN, 0])).toBeNull();
    const t = logTicks(0.01, 1);
    expect(t.filter((x) => x.major).map((x) => x.label)).toEqual(['0.01', '0.1', '1']);
    expect(t.map((x) => x.value)).toContain(0.05);
    const wide = logTicks(1e-6, 1e3);
    expect(wide.every((x) => x.major)).toBe(true);
    expect(wide.map((x) => x.label)).toEqual([
      '1e-6',
      '1e-5',
      '1e-4',
      '0.001',
      '0.01',
      '0.1',
      '1',
      '10',
      '100',
      '1000',
    ]);
    expect(formatLogLabel(2e-7)).toBe('2e-7');
    expect(logTicks(1, 1)).toEqual([]);
  });
});

describe('metrics CSV', () => {
  it('is the lab CLI’s CSV: one row per tick held', () => {
    const s = labStatus();
    const ticks = [200, 400].map((t) => snapshot(s, [sample(0, [1]), sample(1, [0])], t));
    const csv = ticksCsv(ticks.map((x) => ({ metrics: x.metrics! })));
    const lines = csv.trimEnd().split('\n');
    expect(lines[0].startsWith('t_ms,cycle,counted,spread,max_distance,mean_0,mean_1,')).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[1].startsWith('200,1,2,1.5,3,50,50,10,800,')).toBe(true);
  });
});

describe('commands on the charts', () => {
  it('marks partitions, heals, faults and parameter changes, not pause or step', () => {
    const events = [
      { t: 100, type: 'command' as const, command: { op: 'pause' as const } },
      {
        t: 200,
        type: 'command' as const,
        command: { op: 'partition' as const, partition: { kind: 'bridge' as const } },
      },
      { t: 300, type: 'command' as const, command: { op: 'kill' as const, nodes: [3, 1, 2] } },
      {
        t: 400,
        type: 'command' as const,
        command: { op: 'set-params' as const, params: { aggregator: 'median' as const } },
      },
      { t: 500, type: 'command' as const, command: { op: 'heal' as const } },
    ];
    expect(markersOf(events).map((m) => [m.kind, m.label])).toEqual([
      ['partition', 'bridge'],
      ['fault', 'kill 1..3'],
      ['params', 'aggregator to median'],
      ['heal', 'heal'],
    ]);
    expect(
      markerLabel({
        op: 'link-faults',
        faults: { loss: 0.2, delayMs: 100, jitterMs: 0, duplicate: 0, reorder: 0 },
      }),
    ).toBe('loss 0.2, delay 100 ms');
  });

  it('writes the newest phase in the summary’s words, a partition as "within each group"', () => {
    const start = {
      t: 2000,
      type: 'converged' as const,
      after: 'start' as const,
      since: 0,
      epsilon: 0.5,
      cycles: 9,
      ms: 1800,
    };
    const partition = {
      t: 3000,
      type: 'command' as const,
      command: { op: 'partition' as const, partition: { kind: 'bridge' as const } },
    };
    const split = {
      ...start,
      t: 4000,
      after: 'partition' as const,
      since: 3010,
      ms: 600,
      cycles: 3,
    };
    const heal = { t: 5000, type: 'command' as const, command: { op: 'heal' as const } };
    const again = { ...start, t: 7000, after: 'heal' as const, since: 5000, cycles: 10, ms: 2000 };
    const withdrawn = {
      t: 7600,
      type: 'unconverged' as const,
      after: 'heal' as const,
      since: 5000,
      epsilon: 0.5,
      spread: 0.8,
    };
    expect(convergenceText([])).toBe('not converged yet after the start');
    expect(convergenceText([start])).toBe('converged 1.80 s (9 cycles) after the start');
    expect(convergenceText([start, partition])).toBe(
      'not converged within each group yet after the partition at 3.00 s',
    );
    expect(convergenceText([start, partition, split])).toBe(
      'converged within each group 0.60 s (3 cycles) after the partition at 3.00 s',
    );
    expect(convergenceText([start, partition, split, heal])).toBe(
      'not reconverged yet after the heal at 5.00 s',
    );
    expect(convergenceText([start, partition, split, heal, again])).toBe(
      'reconverged 2.00 s (10 cycles) after the heal at 5.00 s',
    );
    expect(convergenceText([start, partition, split, heal, again, withdrawn])).toBe(
      'not reconverged yet after the heal at 5.00 s (under ε for a while, then over it again)',
    );
  });
});

describe('client-side checks', () => {
  it('start form: a setup the host schema accepts, or the first bad field', () => {
    expect(
      checkStartForm({ nodes: '20', topology: 'ws:8:0.1', seed: '3', cycleMs: '250' }),
    ).toEqual({
      ok: true,
      value: { nodes: 20, topology: 'ws:8:0.1', seed: 3, cycleMs: 250 },
    });
    const bad = checkStartForm({ nodes: '20', topology: 'mesh', seed: '3', cycleMs: '250' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^bad topology "mesh": unknown kind/);
    expect(checkStartForm({ nodes: '5000', topology: 'ring', seed: '0', cycleMs: '200' }).ok).toBe(
      false,
    );
    expect(checkStartForm({ nodes: '5', topology: 'ring', seed: '-1', cycleMs: '200' }).ok).toBe(
      false,
    );
    expect(checkStartForm({ nodes: '5', topology: 'ring', seed: '1', cycleMs: '5' }).ok).toBe(
      false,
    );
  });

  it('start form: d, K and capped nodes, as the host schema takes them, or the field at fault', () => {
    const form = { nodes: '8', topology: 'complete', seed: '6', cycleMs: '200' };
    const base = { nodes: 8, topology: 'complete', seed: 6, cycleMs: 200 };
    const setup = {
      ...base,
      params: { dimensions: 8, shards: 4 },
      capped: { share: 0.5, shards: 1 },
    };
    expect(checkStartForm({ ...form, dimensions: ' 8', shards: '4 ', capped: ' 0.5:1' })).toEqual({
      ok: true,
      value: setup,
    });
    expect(checkMonitorRequest({ target: 'app', request: { op: 'start-lab', setup } }).ok).toBe(
      true,
    );
    // Left empty: the defaults (d = 2, K = 1, none capped), nothing sent for them.
    expect(checkStartForm({ ...form, dimensions: '', shards: '', capped: '' })).toEqual({
      ok: true,
      value: base,
    });
    const fault = (extra: Partial<Record<'dimensions' | 'shards' | 'capped', string>>) => {
      const c = checkStartForm({ ...form, ...extra });
      return c.ok ? 'accepted' : `${c.field}: ${c.reason}`;
    };
    // K splits the state into ranges of components: at most d of them (d = 2 by default).
    expect(fault({ shards: '4' })).toMatch(/^shards: .*shards.*dimensions/);
    expect(fault({ dimensions: '0' })).toMatch(/^dimensions: dimensions must be in 1\.\.64/);
    expect(fault({ dimensions: '8', shards: '65' })).toMatch(/^shards: shards must be in 1\.\.64/);
    // A cap needs K above 1, and lies in 1..K.
    expect(fault({ capped: '0.5:1' })).toMatch(/^capped: capped nodes .*shards above 1/);
    expect(fault({ dimensions: '8', shards: '4', capped: '0.5:5' })).toMatch(/^capped: /);
    for (const capped of ['half', '1.5:1', '0.5', '0.5:', ':1', '-0.5:1', '0.5:1.5'])
      expect(fault({ dimensions: '8', shards: '4', capped })).toMatch(
        /^capped: capped nodes must be share:shards/,
      );
    // The host refuses the same setups on its own: a cap with K = 1, a cap above K.
    for (const bad of [
      { ...base, capped: { share: 0.5, shards: 1 } },
      { ...setup, capped: { share: 0.5, shards: 5 } },
      { ...setup, capped: { share: 2, shards: 1 } },
    ])
      expect(
        checkMonitorRequest({ target: 'app', request: { op: 'start-lab', setup: bad } }).ok,
      ).toBe(false);
  });

  it('start form: browser nodes, sent only when there are some, fewer than the nodes, where they run', () => {
    const form = { nodes: '5', topology: 'ring:2', seed: '1', cycleMs: '200' };
    const value = { nodes: 5, topology: 'ring:2', seed: 1, cycleMs: 200 };
    const ok = { ok: true } as const;
    expect(checkStartForm({ ...form, browsers: '2' }, undefined, ok)).toEqual({
      ok: true,
      value: { ...value, browsers: 2 },
    });
    expect(
      checkMonitorRequest({
        target: 'app',
        request: { op: 'start-lab', setup: { ...value, browsers: 2 } },
      }).ok,
    ).toBe(true);
    // 0 or empty: a lab of Node.js nodes, which needs no Chromium (even on a host without one).
    const none = { ok: false, reason: 'browser nodes need Chromium: no Chromium at /x' } as const;
    for (const browsers of ['0', ' ', ''])
      expect(checkStartForm({ ...form, browsers }, undefined, none)).toEqual({ ok: true, value });
    const refused = (browsers: string, can: typeof ok | typeof none = ok) =>
      checkStartForm({ ...form, browsers }, undefined, can);
    expect(refused('5')).toEqual({
      ok: false,
      field: 'browser nodes',
      reason:
        "browser nodes: of the lab's 5 nodes at least one must be a Node.js node, to relay for the browser nodes (give at most 4)",
    });
    expect(refused('4').ok).toBe(true);
    expect(refused('33')).toEqual({
      ok: false,
      field: 'browser nodes',
      reason: 'browser nodes must be in 0..32 (got 33)',
    });
    expect(refused('1.5')).toEqual({
      ok: false,
      field: 'browser nodes',
      reason: 'browser nodes must be a whole number in 0..32',
    });
    expect(refused('-1').ok).toBe(false);
    // The host's own line where it cannot run them.
    expect(refused('1', none)).toEqual({ ok: false, field: 'browser nodes', reason: none.reason });
    // A host that cannot tell: the host decides.
    expect(checkStartForm({ ...form, browsers: '1' }).ok).toBe(true);
  });

  it('add nodes: a whole count in 1..500', () => {
    expect(checkAddNodes(' 3 ')).toEqual({ ok: true, value: 3 });
    expect(checkAddNodes('500')).toEqual({ ok: true, value: 500 });
    for (const bad of ['0', '501', '2.5', '', 'x'])
      expect(checkAddNodes(bad)).toMatchObject({ ok: false, field: 'count' });
  });

  it('parameters: only what changed, checked against the ranges', () => {
    const form = { alpha: '0.05', beta: '0.2', aggregator: 'trimmed', trimF: '2' };
    expect(checkParamsForm(form, DEFAULT_PARAMS)).toEqual({
      ok: true,
      value: { beta: 0.2, aggregator: 'trimmed', trimF: 2 },
    });
    const r = checkParamsForm({ ...form, beta: '0' }, DEFAULT_PARAMS);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe('beta must be in (0, 1] (got 0)');
    expect(checkParamsForm({ ...form, alpha: 'x' }, DEFAULT_PARAMS).ok).toBe(false);
  });

  it("trimmed F: the parameter table's range, 0..32 (docs/model.md), in the form and the lab's switch", () => {
    expect(checkTrimF('32')).toEqual({ ok: true, value: 32 });
    expect(checkTrimF(' 0 ')).toEqual({ ok: true, value: 0 });
    expect(checkTrimF('33')).toEqual({
      ok: false,
      field: 'trimF',
      reason: 'trimF must be in 0..32 (got 33)',
    });
    expect(checkTrimF('1.5')).toEqual({
      ok: false,
      field: 'trimF',
      reason: 'trimF must be a whole number in 0..32',
    });
    const r = checkParamsForm(
      { alpha: '0.05', beta: '0.1', aggregator: 'trimmed', trimF: '33' },
      DEFAULT_PARAMS,
    );
    expect(!r.ok && r.reason).toBe('trimF must be in 0..32 (got 33)');
  });

  it('multiaddrs: the bootstrap shape', () => {
    const id = '12D3KooWGRUVh2TbGMhCWEUZ5rRRtgyyoA8U9Kv2KXpCcf3M6s6X';
    expect(checkMultiaddr(`/ip4/192.168.1.7/tcp/4001/p2p/${id}`)).toBeNull();
    expect(checkMultiaddr(`/dns4/node.example.org/tcp/4001/p2p/${id}`)).toBeNull();
    // The id is optional: a node learns it in the handshake.
    expect(checkMultiaddr(`/ip4/192.168.1.7/tcp/4001`)).toBeNull();
    expect(checkMultiaddr(`/ip4/192.168.1.7/udp/4001`)).toMatch(/needs \/tcp\/<port>/);
    expect(checkMultiaddr(`/ip4/192.168.1.7/tcp/4001/p2p/short`)).toMatch(/not an address/);
    expect(checkMultiaddr(`/ip4/300.1.1.1/tcp/4001/p2p/${id}`)).toBe(
      '300.1.1.1 is not an IPv4 address',
    );
    expect(checkMultiaddr(`/ip4/1.1.1.1/tcp/70000/p2p/${id}`)).toBe(
      'port 70000 is not in 1..65535',
    );
    expect(checkMultiaddr('hello')).toMatch(/starts with \//);
    expect(checkMultiaddr('')).toMatch(/^enter an address/);
  });

  it('vectors and partitions of the selection', () => {
    expect(parseVector('1, 2.5', 2, 'target')).toEqual({ ok: true, value: [1, 2.5] });
    expect(parseVector('1', 2, 'target').ok).toBe(false);
    expect(parseVector('1, -2', 2, 'target').ok).toBe(false);
    expect(selectedVsRest([2, 0], [0, 1, 2, 3])).toEqual({
      ok: true,
      command: {
        op: 'partition',
        partition: {
          kind: 'groups',
          groups: [
            [0, 2],
            [1, 3],
          ],
        },
      },
    });
    expect(selectedVsRest([], [0, 1]).ok).toBe(false);
    expect(selectedVsRest([0, 1], [0, 1]).ok).toBe(false);
  });
});

describe('keyboard shortcuts', () => {
  const key = (k: string, target: unknown = null, mods = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    target: target as EventTarget | null,
    ...mods,
  });
  it('maps keys, but not in fields, not with modifiers, and only Esc while help is open', () => {
    expect(shortcutFor(key(' '), false)).toBe('toggle-pause');
    expect(shortcutFor(key('h'), false)).toBe('heal');
    expect(shortcutFor(key('s'), false)).toBe('step');
    expect(shortcutFor(key('?'), false)).toBe('help');
    expect(shortcutFor(key('Escape'), true)).toBe('close-help');
    expect(shortcutFor(key('Escape'), false)).toBeNull();
    expect(shortcutFor(key('h'), true)).toBeNull();
    expect(shortcutFor(key('s', null, { ctrlKey: true }), false)).toBeNull();
    expect(shortcutFor(key(' ', { tagName: 'INPUT', type: 'text' }), false)).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'INPUT', type: 'text' }), false)).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'SELECT' }), false)).toBeNull();
    // A focused button keeps Space (it presses it) but not the letters.
    expect(shortcutFor(key(' ', { tagName: 'BUTTON' }), false)).toBeNull();
    expect(shortcutFor(key('h', { tagName: 'BUTTON' }), false)).toBe('heal');
    expect(shortcutFor(key(' ', { tagName: 'INPUT', type: 'range' }), false)).toBe('toggle-pause');
    expect(shortcutFor(key(' ', { tagName: 'DIV' }), false)).toBe('toggle-pause');
  });
});

describe('lasso', () => {
  it('finds the points inside a polygon', () => {
    const square = [0, 0, 10, 0, 10, 10, 0, 10];
    expect(insidePolygon(5, 5, square)).toBe(true);
    expect(insidePolygon(15, 5, square)).toBe(false);
    expect(pointsInPolygon([1, 5, 20, 9], [1, 5, 5, 9], square, (i) => i !== 3)).toEqual([0, 1]);
    expect(pointsInPolygon([1], [1], [0, 0, 1, 1])).toEqual([]);
  });
});

describe('errorLine', () => {
  it('keeps the host’s line and drops IPC and Error prefixes', () => {
    expect(
      errorLine(
        new Error("Error invoking remote method 'lvs:request': MonitorError: no lab is running"),
      ),
    ).toBe('no lab is running');
    expect(errorLine(new Error('first\nsecond'))).toBe('first');
    expect(errorLine('plain')).toBe('plain');
    expect(errorLine(new Error(''))).toBe('the request failed');
  });
});

describe('synthetic swarms (benchmark mode)', () => {
  it('are seeded: the same seed, the same swarm, with the links asked for', () => {
    const a = syntheticSwarm(1000, 4000, 7);
    const b = syntheticSwarm(1000, 4000, 7);
    expect(a.data.links.length + a.data.cut.length).toBe(8000);
    expect(Array.from(a.data.links)).toEqual(Array.from(b.data.links));
    expect(Array.from(a.data.fill)).toEqual(Array.from(b.data.fill));
    expect(Array.from(syntheticSwarm(1000, 4000, 8).data.links)).not.toEqual(
      Array.from(a.data.links),
    );
  });

  it('mix in browser nodes, one in twenty, whatever the seed', () => {
    const { data } = syntheticSwarm(1000, 4000, 7);
    const browsers = Array.from(data.browser).filter((b) => b === 1).length;
    expect(browsers).toBe(50);
    expect(Array.from(syntheticSwarm(1000, 4000, 8).data.browser)).toEqual(
      Array.from(data.browser),
    );
  });
});

describe('labels that do not cover each other', () => {
  it('stacks labels into the first row where they clear the one before, up to the last row', () => {
    // Three labels 100 px wide at 0, 50 and 120 px: the second overlaps the first and goes one
    // row down; the third clears the first (ends at 100, gap 4) and shares its row.
    const spans = [0, 50, 120].map((start) => ({ start, end: start + 100 }));
    expect(stackRows(spans, 4)).toEqual([0, 1, 0]);
    // With one row only, the one that would need a second is left out.
    expect(stackRows(spans, 1)).toEqual([0, null, 0]);
  });

  it('writes a marker label on the left of its line when the right would cut it', () => {
    expect(besideMarker(100, 50, 400)).toEqual({ start: 103, end: 153 });
    expect(besideMarker(380, 50, 400)).toEqual({ start: 327, end: 377 });
  });

  it('fits the axis ticks around 89.74994 so that labels neither touch nor repeat', () => {
    // The drift plane of a converged swarm: states within 1e-5 VU of 89.74994, 300 px wide, with
    // labels about 6 px a character.
    const x = scaleLinear().domain([89.749935, 89.749945]).range([50, 290]).nice();
    const size = (label: string) => label.length * 6;
    const ticks = fitTicks(x, size, { most: 6, gap: 10, lo: 0, hi: 300 });
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks.map((t) => t.label)).size).toBe(ticks.length);
    for (let i = 1; i < ticks.length; i++) {
      const [p, q] = [ticks[i - 1]!, ticks[i]!];
      expect(q.at - size(q.label) / 2).toBeGreaterThanOrEqual(p.at + size(p.label) / 2 + 10);
    }
    for (const t of ticks) {
      // Every label tells its tick's value to the precision of the step between ticks.
      expect(Math.abs(Number(t.label) - t.value)).toBeLessThan(1e-9);
      expect(t.at - size(t.label) / 2).toBeGreaterThanOrEqual(0);
      expect(t.at + size(t.label) / 2).toBeLessThanOrEqual(300);
    }
  });
});
