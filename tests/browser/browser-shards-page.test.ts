import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { shardRanges } from '../../src-shared/drift/shard-rule';
import { noBrowserReason, storedRecord } from '../helpers/browser';
import { until } from '../helpers/desktop-pair';
import type { Proc } from '../helpers/lvs-process';
import { pageSwarm } from '../helpers/page-swarm';

/*
 * The browser node's own page with K > 1 shards (docs/shards.md, "In the node"): two `lvs node`
 * processes sharing d = K = 4, r = 2 (one serves the join page) and two pages of Debian's
 * Chromium, each a whole node. Each page says which shards it holds; every shard has a holder and
 * converges among its holders; the page's IndexedDB record has `holds`, and the reloaded page
 * resumes from it with those shards. Joining one at a time, each node hears few peers and so
 * takes many shards (the first, hearing none, takes all 4): in a swarm this small they all end up
 * holding every shard. tests/lab/browser-shards.test.ts has tabs holding part of the state.
 */

const skip = noBrowserReason();
const EPSILON = 0.5;
const D = 4;
const K = 4;
const SWARM = [
  ...['--cycle-ms', '250', '--genesis', '40', '--status-every', '1'],
  ...['--dimensions', String(D), '--set', `shards=${K}`, '--set', 'replication=2'],
];

interface Seen {
  S: number[];
  holds: number[];
  cycle: number;
  log: string[];
}

/** The newest status record a desktop node logged (--json-logs). */
function desktop(p: Proc): Seen | undefined {
  const lines = p.out().trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.includes('"kind":"status"')) continue;
    const r = JSON.parse(lines[i]!) as { S: number[]; holds?: number[]; cycle: number };
    return { S: r.S, holds: r.holds ?? [], cycle: r.cycle, log: [] };
  }
  return undefined;
}

/** What a page shows (a string: tsx's helpers do not exist in the page). */
async function page(p: Page): Promise<Seen | undefined> {
  const v = (await p.evaluate(`(() => {
    const q = (id) => document.querySelector('[data-testid=' + id + ']');
    if (q('node-phase')?.getAttribute('data-phase') !== 'running') return null;
    const list = (s) => (s ? s.split(',').map(Number) : []);
    return {
      S: list(q('node-state')?.getAttribute('data-values')),
      holds: list(q('node-shards')?.getAttribute('data-holds')),
      cycle: Number(q('node-cycle')?.textContent ?? -1),
      log: [...document.querySelectorAll('[data-testid=node-log] li')].map((l) => l.textContent),
    };
  })()`)) as Seen | null;
  return v ?? undefined;
}

/** The state in the page's stored record. */
async function storedState(p: Page): Promise<{ cycle: number; holds?: number[] } | undefined> {
  const doc = (await storedRecord(p)) as { state: { cycle: number; holds?: number[] } } | undefined;
  return doc?.state;
}

/** Each shard's spread over its holders (sqrt of the summed per-component variances). */
function shardSpreads(nodes: readonly Seen[]): { holders: number[]; spread: number[] } {
  const holders: number[] = [];
  const spread: number[] = [];
  shardRanges(D, K).forEach(({ first, width }, k) => {
    const having = nodes.filter((n) => n.holds.includes(k));
    holders.push(having.length);
    let v = 0;
    for (let c = first; c < first + width; c++) {
      const mean = having.reduce((s, n) => s + n.S[c]!, 0) / having.length;
      v += having.reduce((s, n) => s + (n.S[c]! - mean) ** 2, 0) / having.length;
    }
    spread.push(Math.sqrt(v));
  });
  return { holders, spread };
}

describe.skipIf(skip !== null)(
  `browser nodes' pages with K = 4 shards${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const swarm = pageSwarm('browser-shards', 'waiting to hear a holder', SWARM);

    it('each page says which shards it holds, every shard converges, and a reload keeps them', async () => {
      const pages: Page[] = [];
      const errors: string[] = [];
      for (let k = 0; k < 2; k++) {
        const context = await swarm.browser.newContext();
        const p = await context.newPage();
        p.on('pageerror', (e) => errors.push(`page ${k}: ${e.message}`));
        await p.goto(swarm.joinUrl);
        pages.push(p);
      }
      const everyone = async () => {
        const seen = [...(await Promise.all(pages.map(page))), ...swarm.desktops.map(desktop)];
        return seen.every((s) => s !== undefined && s.S.length === D && s.holds.length > 0)
          ? (seen as Seen[])
          : undefined;
      };
      const converged = await until('every shard held and converged', 90_000, async () => {
        const seen = await everyone();
        if (!seen) return undefined;
        const t = shardSpreads(seen);
        return t.holders.every((h) => h > 0) && t.spread.every((x) => x < EPSILON)
          ? { seen, ...t }
          : undefined;
      });
      console.log(
        `holds ${converged.seen.map((s) => `[${s.holds}]`).join(' ')} (pages, then desktops); ` +
          `holders ${converged.holders.join(' ')}; spread ${converged.spread.map((x) => x.toExponential(2)).join(' ')}`,
      );
      for (const s of converged.seen) expect(s.holds.every((k) => k >= 0 && k < K)).toBe(true);

      // Reload one page: it resumes from IndexedDB at its cycle, with the shards it held (a store
      // without `holds` would be read as a K = 1 store: every shard).
      const reloaded = pages[1]!;
      // Its IndexedDB record has the shards once the store has written a cycle (every 5 s).
      const stored = await until('a stored cycle with holds', 30_000, async () => {
        const r = await storedState(reloaded);
        return r && r.cycle > 0 && r.holds ? r : undefined;
      });
      const before = (await page(reloaded))!;
      expect(stored.holds).toEqual(before.holds);
      await reloaded.reload();
      const after = await until('the reloaded page runs again', 30_000, async () => {
        const v = await page(reloaded);
        return v && v.cycle > 0 && v.holds.length > 0 ? v : undefined;
      });
      const resumed = after.log.find((l) => /^resumed cycle \d+/.test(l));
      expect(resumed, after.log.join('\n')).toBeDefined();
      console.log(
        `reloaded page: stored [${stored.holds}] at cycle ${stored.cycle}, holds [${after.holds}] after (${resumed})`,
      );
      for (const k of stored.holds!) expect(after.holds).toContain(k);
      expect(errors).toEqual([]);
    }, 180_000);
  },
);
