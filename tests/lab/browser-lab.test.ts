// Browser nodes in a lab: real Chromium tabs, each a whole browser node (Web Worker engine,
// IndexedDB store, libp2p over WebSockets and WebRTC), beside Node.js nodes on worker threads,
// and partitioned, attacked, killed and revived by the same commands as any lab node.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/api/lab-api';
import type { Lab } from '../../src-main/lab/lab';
import { loadRecordingFile } from '../../src-main/lab/recording-file';
import { DEFAULT_CHROMIUM } from '../../src-main/runtime/chromium';
import { noBrowserReason } from '../helpers/browser';
import { ARTIFACTS, openPage, serveMonitor } from '../helpers/monitor-page';
import { builtRenderer } from '../helpers/renderer-build';
import {
  convergedAfter,
  linksWhen,
  polledUntil,
  startLab,
  stopLab,
  waitForEvent,
  waitForSnapshot,
} from '../helpers/labs';

const skip = noBrowserReason();
/** Slots 3 and 4 of five are browser nodes: the last `count` slots. */
const BROWSERS = [3, 4];
const CONVERGE_MS = 60_000;

describe.skipIf(skip !== null)('a lab with browser nodes', () => {
  let lab: Lab;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    lab = await startLab({
      nodes: 5,
      topology: 'complete',
      seed: 7,
      cycleMs: 250,
      browsers: { count: 2, chromium: DEFAULT_CHROMIUM, pageDir: builtRenderer('lvsLabTab') },
    });
  }, 120_000);

  afterAll(async () => {
    await stopLab(lab);
  });

  it('runs its last slots as browser nodes, linked over WebSockets and WebRTC, and converges', async () => {
    const s = await waitForSnapshot(lab, (x) => x.samples.length === 5 && x, 'samples');
    expect(s.samples.map((x) => x.kind)).toEqual(['node', 'node', 'node', 'browser', 'browser']);
    // Complete: every link of the topology is up, the two browsers' own included.
    expect(await lab.links()).toEqual(lab.plannedEdges());
    // Between the tabs, directly over WebRTC: the relayed connection that carried its signalling
    // (through a Node.js node's relay) is closed once the WebRTC one is open.
    const carried = await polledUntil(
      () => lab.linkTransports(),
      (t) => t.get('3-4')?.length === 2,
    );
    expect(carried.get('3-4')).toEqual(['webrtc', 'webrtc']);
    expect(carried.get('0-1')).toEqual(['tcp', 'tcp']);
    expect(carried.get('0-3')).toEqual(['websockets', 'websockets']);
    await waitForEvent(lab, convergedAfter('start'), 'convergence', CONVERGE_MS);
    // The recording says which slots were browser nodes.
    expect((await loadRecordingFile(lab.recordingPath!)).header.browsers).toEqual(BROWSERS);
  }, 90_000);

  it('is shown in the monitor with its own mark', async () => {
    const labs = await mkdtemp(join(tmpdir(), 'lvs-browser-lab-monitor-'));
    const served = await serveMonitor(labs, { marker: 'map-browsers' });
    const { browser, page, errors } = await openPage({ viewport: { width: 1280, height: 800 } });
    try {
      served.host.attachLab(lab);
      await page.goto(served.web.url);
      // The status line counts the browser nodes the samples say there are (the drawing of the
      // two marks is tested in tests/renderer/draw.test.ts; the screenshot shows it here).
      await expect
        .poll(() => page.getByTestId('map-browsers').textContent(), { timeout: 20_000 })
        .toBe('2');
      await page.screenshot({ path: join(ARTIFACTS, 'lab-browser-nodes.png') });
      expect(errors).toEqual([]);
    } finally {
      served.host.attachLab(null);
      await browser.close();
      await served.close();
      await rm(labs, { recursive: true, force: true });
    }
  }, 60_000);

  it('is partitioned across kinds, each side converges on its own, and it heals', async () => {
    // One browser on each side, with Node.js nodes: the WebRTC link 3-4 is cut as well.
    await lab.apply({
      op: 'partition',
      partition: {
        kind: 'groups',
        groups: [
          [0, 1, 3],
          [2, 4],
        ],
      },
    });
    const cut = await linksWhen(lab, (ls) => ls.every(([a, b]) => side(a) === side(b)));
    expect(cut.filter(([a, b]) => side(a) !== side(b))).toEqual([]);
    expect(cut).toContainEqual([0, 3]);
    expect(cut).toContainEqual([2, 4]);
    await waitForEvent(lab, convergedAfter('partition'), 'each side converged', CONVERGE_MS);
    await lab.apply({ op: 'heal' });
    expect(await linksWhen(lab, (ls) => ls.length === 10, 30_000)).toEqual(lab.plannedEdges());
    await waitForEvent(lab, convergedAfter('heal'), 'convergence after the heal', CONVERGE_MS);
  }, 150_000);

  it('crashes a browser node and revives it from its IndexedDB store, not from genesis', async () => {
    const before = await waitForSnapshot(
      lab,
      (s) => (s.samples[3]?.cycle ?? 0) > 0 && s.samples[3]!.cycle,
      'a cycle on node 3',
    );
    await lab.apply({ op: 'kill', nodes: [3] });
    const dead = await waitForSnapshot(
      lab,
      (s) => s.samples[3]?.condition === 'dead' && s,
      'node 3 dead',
    );
    expect(dead.samples[3]!.kind).toBe('browser');
    const revived = waitForEvent(
      lab,
      (e): e is Extract<LabEvent, { type: 'node' }> =>
        e.type === 'node' && e.slot === 3 && e.what.startsWith('revived'),
      'the revival',
    );
    await lab.apply({ op: 'revive', nodes: [3] });
    const cycle = Number(/at cycle (\d+)/.exec((await revived).what)?.[1]);
    // Saved at most persistMs (200 ms, under one cycle) before the crash, and after `before`.
    expect(cycle).toBeGreaterThanOrEqual(before);
    expect(await linksWhen(lab, (ls) => ls.length === 10, 30_000)).toEqual(lab.plannedEdges());
  }, 90_000);

  it('adds a browser node that joins from its peers', async () => {
    await lab.apply({ op: 'add-nodes', count: 1, kind: 'browser' });
    const s = await waitForSnapshot(
      lab,
      (x) => x.samples.length === 6 && x.samples[5]!.S.length > 0 && x,
      'node 5 with a state',
    );
    expect(s.samples[5]!.kind).toBe('browser');
    const planned = lab.plannedEdges().filter(([a, b]) => a === 5 || b === 5);
    // Wired into the topology's degree, with at least one Node.js node to hold its relay slot.
    expect(planned.some(([a]) => !BROWSERS.includes(a))).toBe(true);
    const links = await linksWhen(lab, (ls) => planned.every(([a, b]) => has(ls, a, b)), 30_000);
    for (const [a, b] of planned) expect(has(links, a, b)).toBe(true);
    await waitForSnapshot(
      lab,
      (x) => x.metrics && x.metrics.counted === 6 && x.metrics.maxDistance < 0.5,
      'six converged',
      CONVERGE_MS,
    );
  }, 90_000);

  it('cuts off a browser node that sends garbage, as it would a Node.js liar', async () => {
    await lab.apply({ op: 'liar', nodes: [4], behaviour: { kind: 'garbage' } });
    const links = await linksWhen(lab, (ls) => ls.every(([a, b]) => a !== 4 && b !== 4), 30_000);
    expect(links.filter(([a, b]) => a === 4 || b === 4)).toEqual([]);
    const alone = await waitForSnapshot(
      lab,
      (s) => s.samples[4]!.peers.length === 0 && s,
      'node 4 alone',
    );
    expect(alone.samples[4]!.liar).toBe('garbage');
  }, 60_000);
});

function side(slot: number): number {
  return [0, 1, 3].includes(slot) ? 0 : 1;
}

function has(links: Array<[number, number]>, a: number, b: number): boolean {
  return links.some(([x, y]) => x === Math.min(a, b) && y === Math.max(a, b));
}
