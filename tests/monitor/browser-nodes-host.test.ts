import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabSnapshot, LabStatus } from '../../src-shared/api/lab-api';
import { browserNodes, noBrowserNodesReason } from '../../src-main/lab/browser-tabs';
import { MonitorHost } from '../../src-main/monitor/monitor-host';

/*
 * Browser nodes asked for through the monitor API, as the Start lab form and the Add nodes
 * control ask: the host tells whether it can run them, refuses in one line where it cannot, and
 * otherwise starts a lab with Chromium tabs in its last slots and adds more on `add-nodes`.
 */

let labs = '';
beforeAll(async () => {
  labs = await mkdtemp(join(tmpdir(), 'lvs-browser-host-'));
});
afterAll(async () => {
  if (labs) await rm(labs, { recursive: true, force: true });
});

const setup = { nodes: 3, topology: 'complete', seed: 3, cycleMs: 250, browsers: 1 };

describe('a host that cannot run browser nodes', () => {
  it('says why in its info, and refuses a lab with browser nodes in that line', async () => {
    const host = new MonitorHost({
      shell: 'web',
      appVersion: 'test',
      labsDir: labs,
      workers: 1,
      chromium: '/nonexistent/chromium',
    });
    try {
      const said = host.info().browserNodes;
      const reason = said && !said.ok ? said.reason : '';
      expect(reason).toMatch(
        /^browser nodes need Chromium: no Chromium at \/nonexistent\/chromium /,
      );
      const err = await host.handle({ target: 'app', request: { op: 'start-lab', setup } }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err?.name).toBe('MonitorError');
      expect(err?.message).toBe(reason);
      expect(host.info().lab).toBeNull();
    } finally {
      await host.close();
    }
  });

  it('names the page to build when only the page is missing', () => {
    const host = new MonitorHost({
      shell: 'web',
      appVersion: 'test',
      labsDir: labs,
      chromium: process.execPath,
      pageDir: labs,
    });
    expect(host.info().browserNodes).toEqual({
      ok: false,
      reason: `browser nodes need the built page lab-tab.html in ${labs}: run npm run build`,
    });
  });

  it('refuses as many browser nodes as nodes at its boundary', async () => {
    const host = new MonitorHost({ shell: 'web', appVersion: 'test', labsDir: labs });
    await expect(
      host.handle({
        target: 'app',
        request: { op: 'start-lab', setup: { ...setup, browsers: 3 } },
      }),
    ).rejects.toThrow(
      "setup.browsers: of the lab's 3 nodes at least one must be a Node.js node, to relay for the browser nodes (give at most 2)",
    );
    await host.close();
  });
});

// This machine's Chromium and built page, as the host finds them by default.
const skip = noBrowserNodesReason(browserNodes(0));

describe.skipIf(skip !== null)(
  `a lab with browser nodes started from the monitor${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('runs its last slot as a browser node and adds one more tab on add-nodes', async () => {
      const host = new MonitorHost({ shell: 'web', appVersion: 'test', labsDir: labs, workers: 1 });
      const snapshots: LabSnapshot[] = [];
      host.subscribe((p) => {
        if (p.kind === 'lab-snapshot') snapshots.push(p.snapshot);
      });
      /** The first snapshot pushed from now on whose samples satisfy `ok`. */
      const sampled = async (ok: (s: LabSnapshot) => boolean, what: string) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const s = snapshots.find(ok);
          if (s) return s;
          if (Date.now() > deadline) throw new Error(`no snapshot with ${what} within 30 s`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      try {
        expect(host.info().browserNodes).toEqual({ ok: true });
        const started = (await host.handle({
          target: 'app',
          request: { op: 'start-lab', setup },
        })) as LabStatus;
        expect(started.browsers).toEqual([2]);
        const first = await sampled((s) => s.samples.length === 3, 'three samples');
        expect(first.samples.map((x) => x.kind)).toEqual(['node', 'node', 'browser']);

        const added = (await host.handle({
          target: 'lab',
          request: { op: 'add-nodes', count: 1, kind: 'browser' },
        })) as LabStatus;
        expect(added.nodes).toBe(4);
        expect(added.browsers).toEqual([2, 3]);
        snapshots.length = 0;
        const more = await sampled((s) => s.samples.length === 4, 'four samples');
        expect(more.samples.map((x) => x.kind)).toEqual(['node', 'node', 'browser', 'browser']);
        expect(more.status.browsers).toEqual([2, 3]);
      } finally {
        await host.close();
      }
    }, 60_000);
  },
);
