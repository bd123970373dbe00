import type { BrowserContext, Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { noBrowserReason } from '../helpers/browser';
import { until } from '../helpers/desktop-pair';
import type { Proc } from '../helpers/lvs-process';
import { pageSwarm } from '../helpers/page-swarm';

/*
 * Browser nodes in a swarm with desktop nodes, end to end: two `lvs node` processes (one serves
 * the join page) and three pages of Debian's Chromium, each in a browser context of its own, as
 * three devices would be. Each page is a whole node: its engine in a Web Worker, its store in
 * IndexedDB, libp2p over WebSockets to the desktops and WebRTC to the other pages, signalled
 * through a desktop's relay.
 *
 * What must hold, from the desktop nodes' status records and from each page:
 * - the five nodes converge: every two states closer than epsilon, as the lab's measure asks;
 * - two pages exchange drift frames over a session whose connection is WebRTC;
 * - a closed page leaves, and the others keep converging;
 * - a reloaded page resumes from IndexedDB at the cycle it had stored, not from the genesis.
 */

const skip = noBrowserReason();
const CYCLE_MS = 250;
/** The lab's default convergence epsilon (src-shared/lab/scenario.ts). */
const EPSILON = 0.5;
/** The swarm's genesis: far from any state a fresh page could make up on its own. */
const GENESIS = 40;
const SWARM = ['--cycle-ms', String(CYCLE_MS), '--genesis', String(GENESIS), '--status-every', '1'];

interface Status {
  cycle: number;
  S: number[];
  peers: number;
  relay: { mode: string; active: boolean; reservations: number } | undefined;
}

/** The newest status record a desktop node logged (--json-logs). */
function lastStatus(p: Proc): Status | undefined {
  const lines = p.out().trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.includes('"kind":"status"')) continue;
    const r = JSON.parse(lines[i]!) as Omit<Status, 'relay'> & {
      nat?: { relayService?: Status['relay'] };
    };
    return { cycle: r.cycle, S: r.S, peers: r.peers, relay: r.nat?.relayService };
  }
  return undefined;
}

interface PageView {
  phase: string | null;
  cycle: number;
  S: number[];
  peers: Array<{ transport: string; framesIn: number; peer: string }>;
  log: string[];
}

/** What a page shows, read off its DOM (a string: tsx's helpers do not exist in the page). */
async function view(page: Page): Promise<PageView> {
  return (await page.evaluate(`(() => {
    const q = (id) => document.querySelector('[data-testid=' + id + ']');
    const values = q('node-state')?.getAttribute('data-values') ?? '';
    return {
      phase: q('node-phase')?.getAttribute('data-phase') ?? null,
      cycle: Number(q('node-cycle')?.textContent ?? -1),
      S: values === '' ? [] : values.split(',').map(Number),
      peers: [...document.querySelectorAll('[data-testid=peer-row]')].map((r) => ({
        peer: r.getAttribute('data-peer'),
        transport: r.getAttribute('data-transport'),
        framesIn: Number(r.getAttribute('data-frames-in')),
      })),
      log: [...document.querySelectorAll('[data-testid=node-log] li')].map((l) => l.textContent),
    };
  })()`)) as PageView;
}

function maxDistance(states: readonly (readonly number[])[]): number {
  let max = 0;
  for (const a of states)
    for (const b of states) max = Math.max(max, Math.hypot(...a.map((x, c) => x - b[c]!)));
  return max;
}

describe.skipIf(skip !== null)(
  `browser nodes in a swarm with desktop nodes${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const swarm = pageSwarm('browser-swarm', 'lvs-drift-engine', SWARM);

    it('three pages and two desktop nodes converge; pages talk over WebRTC, leave, and resume from IndexedDB', async () => {
      const contexts: BrowserContext[] = [];
      const pages: Page[] = [];
      const errors: string[] = [];
      for (let k = 0; k < 3; k++) {
        const context = await swarm.browser.newContext();
        const page = await context.newPage();
        page.on('pageerror', (e) => errors.push(`page ${k}: ${e.message}`));
        await page.goto(swarm.joinUrl);
        contexts.push(context);
        pages.push(page);
      }

      // Every page runs, has peers, and the five states are within epsilon of each other.
      const converged = async (open: readonly Page[]) => {
        const views = await Promise.all(open.map(view));
        const statuses = swarm.desktops.map(lastStatus);
        if (views.some((v) => v.phase !== 'running' || v.S.length !== 2 || v.peers.length < 2))
          return undefined;
        if (statuses.some((s) => s === undefined || s.S.length !== 2)) return undefined;
        const states = [...views.map((v) => v.S), ...statuses.map((s) => s!.S)];
        // Joined from the swarm, not made up: every state is near the genesis the swarm began at.
        for (const S of states) for (const x of S) expect(Math.abs(x - GENESIS)).toBeLessThan(5);
        const d = maxDistance(states);
        return d < EPSILON ? { views, d } : undefined;
      };
      const first = await until('the five nodes converge', 90_000, () => converged(pages));
      expect(first.d).toBeLessThan(EPSILON);
      // A node with --ws-port relays from the start, without AutoNAT's word: the pages hold their
      // reservations on it (the one that serves the join page is every page's first peer).
      await until('the pages hold relay reservations on the join node', 30_000, async () => {
        const relay = lastStatus(swarm.desktops[0]!)?.relay;
        return relay?.mode === 'on' && relay.active && relay.reservations >= 1 ? relay : undefined;
      });

      // Two pages exchange drift frames over a session carried by WebRTC.
      const webrtc = await until('a page-to-page drift session over WebRTC', 60_000, async () => {
        for (const [k, page] of pages.entries()) {
          const v = await view(page);
          const row = v.peers.find((p) => p.transport === 'webrtc' && p.framesIn > 0);
          if (row) return { k, peer: row.peer, framesIn: row.framesIn };
        }
        return undefined;
      });
      // Frames keep coming over it: a few cycles later, more have arrived on the same session.
      await until('frames keep flowing over WebRTC', 30_000, async () => {
        const v = await view(pages[webrtc.k]!);
        const row = v.peers.find((p) => p.peer === webrtc.peer && p.transport === 'webrtc');
        return row && row.framesIn >= webrtc.framesIn + 4 ? row : undefined;
      });

      // A page is dialled by WebRTC or not at all (docs/network.md): it announces only WebRTC
      // addresses, and none of its drift sessions stays carried through a relay (a WebRTC dial
      // signals over a relayed connection first, closed once the WebRTC one is open, so a
      // relayed session may show for a moment; a desktop dialling a page through the relay
      // would stay).
      for (const page of pages) {
        const listen = (await page.evaluate(
          `[...document.querySelectorAll('[data-testid=node-listen] .address')].map((a) => a.textContent)`,
        )) as string[];
        expect(listen.length).toBeGreaterThan(0);
        for (const a of listen) expect(a).toMatch(/\/p2p-circuit\/webrtc\//);
      }
      await until('no page with a relayed drift session', 15_000, async () => {
        const views = await Promise.all(pages.map(view));
        return views.every((v) => v.peers.every((p) => p.transport !== 'relayed'))
          ? true
          : undefined;
      });

      // Close one page: the others keep converging without it.
      const closed = pages[2]!;
      await closed.close();
      const rest = pages.slice(0, 2);
      const cyclesBefore = (await Promise.all(rest.map(view))).map((v) => v.cycle);
      await until('the others converge without the closed page', 60_000, async () => {
        const c = await converged(rest);
        const views = await Promise.all(rest.map(view));
        // Still running their cycles: at least 8 more each (2 s at 250 ms).
        return c && views.every((v, i) => v.cycle >= cyclesBefore[i]! + 8) ? c : undefined;
      });

      // Reload another: it resumes from its store at the cycle it had reached, not from genesis.
      const reloaded = pages[1]!;
      const before = await view(reloaded);
      await reloaded.reload();
      const after = await until('the reloaded page runs again', 30_000, async () => {
        const v = await view(reloaded);
        return v.phase === 'running' && v.cycle > 0 ? v : undefined;
      });
      const resumed = after.log.find((l) => /^resumed cycle \d+/.test(l));
      expect(resumed, after.log.join('\n')).toBeDefined();
      const storedCycle = Number(/^resumed cycle (\d+)/.exec(resumed!)![1]);
      // Saved every 5 s (a page's store, docs/network.md) and once more when the page went away:
      // at worst the last 5 s of cycles are lost, 20 at 250 ms, with margin for a busy machine.
      expect(storedCycle).toBeGreaterThanOrEqual(before.cycle - 24);
      expect(storedCycle).toBeLessThanOrEqual(after.cycle);
      expect(after.log.some((l) => /joined from|genesis/.test(l))).toBe(false);
      await until('the swarm converges with the reloaded page', 60_000, () => converged(rest));
      expect(errors).toEqual([]);
      for (const c of contexts) await c.close();
    }, 300_000);
  },
);
