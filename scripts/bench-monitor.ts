// npm run bench:monitor: the monitor in Debian's Chromium (Playwright, no browser download).
// 1. The swarm map alone with 1,000 nodes and 4,000 links (the renderer's benchmark mode):
//    frame time and draw time p95 while visible, and the draws done while the page is hidden.
// 2. The monitor attached to a 200-node lab at 4 cycles per second for LVS_BENCH_MINUTES
//    (default 10): how far the page's newest tick lags the lab, and the page's memory over time.
// Writes the figures into docs/benchmarks.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright';
import { MonitorHost } from '../src-main/monitor/monitor-host';
import { startWebMonitor } from '../src-main/monitor/web-server';
import { launchChromium } from '../tests/helpers/browser';
import { machineLine, median, writeSection } from './bench/report';

const root = join(import.meta.dirname, '..');
const renderer = join(root, 'out', 'renderer');
if (!existsSync(join(renderer, 'index.html'))) {
  console.error('bench:monitor measures the built renderer: run npm run build first');
  process.exit(2);
}
const MAP_NODES = 1000;
const MAP_LINKS = 4000;
const MAP_MEASURE_MS = 10_000;
const HIDDEN_MS = 5_000;
const LAB_NODES = 200;
const LAB_CYCLE_MS = 250;
const MINUTES = Number(process.env['LVS_BENCH_MINUTES'] ?? 10);
const FRAME_BUDGET_MS = 1000 / 60;
/** The renderer's ring of ticks (src-renderer/state/store.ts MAX_TICKS). */
const RING_TICKS = 1200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p95 = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

interface Bench {
  frames: number[];
  draws: number[];
}

/** What the page offers the benchmark (this file is compiled without the DOM's types). */
interface BenchPage {
  __lvsBench?: Bench;
  document: object & EventTarget & { visibilityState: string };
}

/** Resident memory of Chromium's renderer processes (the pages), from /proc. */
function rendererRssMb(): number {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // the process ended while being read
    }
  }
  return kb / 1024;
}

async function heapMb(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN) / 2 ** 20;
}

/** The page's newest tick time (s), from the time slider's label `live · t = 17.2 s · ...`. */
async function pageTickS(page: Page): Promise<number> {
  const text = (await page.getByTestId('timeline-info').textContent()) ?? '';
  return Number(/t = ([\d.]+) s/.exec(text)?.[1] ?? NaN);
}

const labs = await mkdtemp(join(tmpdir(), 'lvs-bench-monitor-'));
const host = new MonitorHost({ shell: 'web', appVersion: 'bench', labsDir: labs });
const web = await startWebMonitor({ host, rendererDir: renderer });
const browser = await launchChromium();
try {
  // ---------------------------------------------------------------- 1. the map alone
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${web.url}&bench=map&nodes=${MAP_NODES}&links=${MAP_LINKS}&seed=1&tick=100`);
  // These functions run in the page (Playwright sends their source); `globalThis` is the window.
  await page.waitForFunction(
    () => ((globalThis as unknown as BenchPage).__lvsBench?.frames.length ?? 0) > 5,
  );
  await page.evaluate(() => {
    const b = (globalThis as unknown as BenchPage).__lvsBench!;
    b.frames.length = 0;
    b.draws.length = 0;
  });
  await sleep(MAP_MEASURE_MS);
  const visible = await page.evaluate(() => {
    const b = (globalThis as unknown as BenchPage).__lvsBench!;
    return { frames: [...b.frames], draws: [...b.draws] };
  });
  // Hide it. Headless Chromium keeps every page visible (a tab in front or a minimised window
  // change nothing), so tell the page what a minimised window tells it: the visibility state
  // and its event.
  await page.evaluate(() => {
    const doc = (globalThis as unknown as BenchPage).document;
    // Own data properties shadow the prototype's getters (no functions here: tsx would wrap
    // them in a helper the page does not have).
    Object.defineProperty(doc, 'visibilityState', { configurable: true, value: 'hidden' });
    Object.defineProperty(doc, 'hidden', { configurable: true, value: true });
    doc.dispatchEvent(new Event('visibilitychange'));
  });
  const drawCount = () =>
    page.evaluate(() => (globalThis as unknown as BenchPage).__lvsBench!.draws.length);
  const drawsBefore = await drawCount();
  await sleep(HIDDEN_MS);
  const drawsHidden = (await drawCount()) - drawsBefore;
  await context.close();
  const frameP95 = p95(visible.frames);
  const drawP95 = p95(visible.draws);
  console.log(
    `map ${MAP_NODES} nodes / ${MAP_LINKS} links: frame p95 ${frameP95.toFixed(1)} ms (median ${median(visible.frames).toFixed(1)}), draw p95 ${drawP95.toFixed(1)} ms over ${visible.frames.length} frames; hidden ${HIDDEN_MS / 1000} s: ${drawsHidden} draws`,
  );

  // ---------------------------------------------------------------- 2. a 200-node lab, for minutes
  const monitor = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const cdp = await monitor.context().newCDPSession(monitor);
  await cdp.send('Performance.enable');
  await monitor.goto(web.url);
  await host.handle({
    target: 'app',
    request: {
      op: 'start-lab',
      setup: { nodes: LAB_NODES, topology: 'random:8', seed: 1, cycleMs: LAB_CYCLE_MS },
    },
  });
  await monitor.getByTestId('timeline-info').waitFor();
  await sleep(20_000); // past the start-up
  const samples: Array<{ min: number; heap: number; rss: number; lagS: number }> = [];
  const started = Date.now();
  while (Date.now() - started < MINUTES * 60_000) {
    await cdp.send('HeapProfiler.collectGarbage');
    const status = (await host.handle({ target: 'lab', request: { op: 'status' } })) as {
      startedAt: number;
    };
    const labS = (Date.now() - status.startedAt) / 1000;
    const sample = {
      min: (Date.now() - started) / 60_000,
      heap: await heapMb(cdp),
      rss: rendererRssMb(),
      lagS: labS - (await pageTickS(monitor)),
    };
    samples.push(sample);
    console.log(
      `  ${sample.min.toFixed(1)} min: JS heap ${sample.heap.toFixed(1)} MB, renderer RSS ${sample.rss.toFixed(0)} MB, page behind the lab by ${sample.lagS.toFixed(2)} s`,
    );
    await sleep(Math.min(30_000, MINUTES * 60_000));
  }
  const last = samples.at(-1)!;
  // The page keeps the last RING_TICKS ticks for replay: its memory grows until that ring is
  // full, then must stay flat. Growth is measured from the first sample after it filled.
  const fullMin = (RING_TICKS * LAB_CYCLE_MS) / 60_000;
  const full = samples.find((s) => s.min >= fullMin) ?? last;
  const maxLag = Math.max(...samples.map((s) => s.lagS));
  console.log(
    `lab ${LAB_NODES} nodes at ${1000 / LAB_CYCLE_MS} cycles/s for ${MINUTES} min: renderer RSS ${full.rss.toFixed(0)} MB once the ring was full, ${last.rss.toFixed(0)} MB at the end; JS heap ${full.heap.toFixed(1)} -> ${last.heap.toFixed(1)} MB; page at most ${maxLag.toFixed(2)} s behind`,
  );

  await writeSection(
    'monitor',
    `## Monitor (\`npm run bench:monitor\`)

The built renderer in Debian's Chromium (headless, software rendering: no GPU here), served by
the web monitor on 127.0.0.1.

Machine: ${machineLine()}; ${new Date().toISOString().slice(0, 10)}.

**Swarm map alone** (the renderer's benchmark mode: ${MAP_NODES} nodes, ${MAP_LINKS} links, seeded, a new
tick of colours and sizes every 100 ms, the layout settled first), measured over ${MAP_MEASURE_MS / 1000} s:

| measure | value | target |
| --- | ---: | ---: |
| frame time p95 (between animation frames) | ${frameP95.toFixed(1)} ms (median ${median(visible.frames).toFixed(1)}) | <= ${FRAME_BUDGET_MS.toFixed(1)} ms |
| draw time p95 (the map's own work per frame) | ${drawP95.toFixed(1)} ms | |
| draws while hidden (${HIDDEN_MS / 1000} s) | ${drawsHidden} | 0 |

Frame times are quantised to the display's 60 Hz: an empty animation loop measures a p95 of about
16.8 ms here, so a p95 at the frame budget means no frame was missed. While the layout is still
moving (a new lab, links changing), stroking 4,000 links on a software canvas takes 13-20 ms and
frames run at about 30 per second; the map redraws its links only when the layout moves.
Headless Chromium keeps every page visible, so "hidden" is what a minimised window tells the
page: \`document.visibilityState\` 'hidden' and a \`visibilitychange\` event.

**Attached to a ${LAB_NODES}-node lab at ${1000 / LAB_CYCLE_MS} cycles per second** for ${MINUTES} minutes (every 30 s after a
forced garbage collection: the page's JS heap and the resident memory of Chromium's renderer
processes; lag = the lab's time minus the newest tick the page shows):

| minute | JS heap | renderer RSS | page behind the lab |
| ---: | ---: | ---: | ---: |
${samples.map((s) => `| ${s.min.toFixed(1)} | ${s.heap.toFixed(1)} MB | ${s.rss.toFixed(0)} MB | ${s.lagS.toFixed(2)} s |`).join('\n')}

The page keeps the last ${RING_TICKS} ticks for replay (${fullMin.toFixed(0)} minutes at this rate), so its memory grows until
that ring is full; from then (minute ${full.min.toFixed(1)}) to the end the renderer's RSS changed by
${(last.rss - full.rss).toFixed(0)} MB and its JS heap by ${(last.heap - full.heap).toFixed(1)} MB. The page was at most ${maxLag.toFixed(2)} s behind the lab.`,
  );
  console.log('written to docs/benchmarks.md');
} finally {
  await browser.close();
  await web.close();
  await host.close();
  await rm(labs, { recursive: true, force: true });
}
