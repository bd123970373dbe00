import {
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  select,
  zoom,
  zoomIdentity,
  type D3ZoomEvent,
  type ForceLink,
  type ForceX,
  type ForceY,
  type Simulation,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
  type ZoomBehavior,
  type ZoomTransform,
} from 'd3';
import { prepareCanvas, type Ctx2D } from '../draw/canvas';
import { drawFlights } from '../draw/flights';
import { LIGHT, type Palette } from '../draw/palette';
import {
  RING_BRIDGE,
  RING_FROZEN,
  RING_LIAR,
  RING_SELECTED,
  drawLinks,
  drawSwarm,
  type SwarmScene,
} from '../draw/swarm';
import { SLOW_CYCLE_MS, framesSent } from '../lib/flights';
import { pointsInPolygon } from '../lib/lasso';
import type { MapData } from '../lib/map-data';
import { CONDITION } from '../state/tick-frame';

/*
 * The swarm map's engine, outside React: a d3-force layout stepped by its own animation loop,
 * the pointer handling (hover, click, shift-click, shift-drag lasso), zoom and pan (d3-zoom: the
 * wheel, a plain drag), and the slow-motion frames. Nodes are objects kept by slot and updated in
 * place; the layout is reheated only when the links it pulls along or the groups change, never
 * on a plain tick. The loop runs only while the layout moves, frames fly or something must be
 * redrawn, and never while the page is hidden.
 */

interface Node extends SimulationNodeDatum {
  readonly slot: number;
}

interface Link extends SimulationLinkDatum<Node> {
  readonly key: number;
  cut: boolean;
}

export type SelectMode = 'replace' | 'toggle' | 'add';

export interface MapEngineOptions {
  readonly draw?: (ctx: Ctx2D, scene: SwarmScene) => void;
  /** The node under the pointer (-1: none), with the pointer's position in the canvas. */
  readonly onHover?: (slot: number, x: number, y: number) => void;
  readonly onSelect?: (slots: number[], mode: SelectMode) => void;
  /** Benchmark: record frame, draw and layout times; keep the layout warm and draw every frame. */
  readonly bench?: LvsBench;
  /** Benchmark: keep the layout moving (the worst case); otherwise it cools as usual. */
  readonly warm?: boolean;
  /** Run the layout to rest before the first frame (benchmark: time the drawing, not that). */
  readonly settle?: boolean;
  readonly doc?: Document;
}

const PAD = 14;
const KEY = 65536;
/** How hard a node is pulled to its group's place while a partition stands (else to the middle). */
const GROUP_PULL = 0.12;
const CENTRE_PULL = 0.04;

export class MapEngine {
  private readonly nodes: Node[] = [];
  private readonly links = new Map<number, Link>();
  private readonly simulation: Simulation<Node, Link>;
  private readonly linkForce: ForceLink<Node, Link>;
  private readonly pullX: ForceX<Node>;
  private readonly pullY: ForceY<Node>;
  /** Where each node is pulled to (its group's place; the middle without a partition). */
  private anchorX = new Float32Array(0);
  private anchorY = new Float32Array(0);
  private anchorKey = '';
  private readonly zoomer: ZoomBehavior<HTMLCanvasElement, unknown>;
  private transform: ZoomTransform = zoomIdentity;
  /** Slow motion: on, the framesOut and time of the last tick seen, the frames waiting to fly
   * (the newest tick's) and those flying since `start`. */
  private slow = false;
  private seenOut: ArrayLike<number> | null = null;
  private seenT = -Infinity;
  private waiting: Int32Array | null = null;
  private flying: { readonly pairs: Int32Array; readonly start: number } | null = null;
  private now = 0;
  private data: MapData | null = null;
  private selection: ReadonlySet<number> = new Set();
  private palette: Palette = LIGHT;
  private width = 600;
  private height = 400;
  private dpr = 1;
  private sx = new Float32Array(0);
  private sy = new Float32Array(0);
  private sr = new Float32Array(0);
  private hovered = -1;
  private lasso: number[] | null = null;
  private down: { x: number; y: number; shift: boolean } | null = null;
  private frameId: number | null = null;
  private lastFrameAt: number | null = null;
  private lastInterval = 0;
  /** The links drawn last, and what they were drawn from (reused while that is unchanged). */
  private linkLayer: HTMLCanvasElement | null = null;
  private linkKey = '';
  private layerLinks: ArrayLike<number> | null = null;
  private layerCut: ArrayLike<number> | null = null;
  private layerPalette: Palette | null = null;
  private dirty = true;
  private destroyed = false;
  private readonly draw: (ctx: Ctx2D, scene: SwarmScene) => void;
  private readonly doc: Document;
  private readonly offs: Array<() => void> = [];
  /** Links per node in the layout (a link's pull is divided by its ends' lesser degree). */
  private degrees = new Int32Array(0);

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly options: MapEngineOptions = {},
  ) {
    this.draw = options.draw ?? drawSwarm;
    this.doc = options.doc ?? document;
    this.linkForce = forceLink<Node, Link>([])
      .id((n) => n.slot)
      .distance(28)
      .strength((l) => 1 / Math.max(1, Math.min(this.degree(l.source), this.degree(l.target))));
    this.pullX = forceX<Node>((n) => this.anchorX[n.slot] ?? 0).strength(CENTRE_PULL);
    this.pullY = forceY<Node>((n) => this.anchorY[n.slot] ?? 0).strength(CENTRE_PULL);
    this.simulation = forceSimulation<Node, Link>([])
      .force('charge', forceManyBody<Node>().strength(-28).theta(1.1).distanceMax(300))
      .force('link', this.linkForce)
      .force('x', this.pullX)
      .force('y', this.pullY)
      .stop();
    if (options.bench && options.warm !== false) this.simulation.alphaTarget(0.3);
    this.listen();
    // Zoom and pan. Shift belongs to the lasso, and a double click selects (it does not zoom):
    // the Fit button goes back to the whole swarm.
    this.zoomer = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.5, 24])
      .filter((e: MouseEvent) => !e.shiftKey && (!e.ctrlKey || e.type === 'wheel') && !e.button)
      .on('zoom', (e: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        this.transform = e.transform;
        this.invalidate();
      });
    select(canvas).call(this.zoomer).on('dblclick.zoom', null);
  }

  private degree(end: string | number | Node): number {
    const slot = typeof end === 'object' ? end.slot : Number(end);
    return this.degrees[slot] ?? 1;
  }

  // ------------------------------------------------------------ inputs

  setData(data: MapData): void {
    if (data.n < this.nodes.length) this.reset();
    let grew = false;
    for (let i = this.nodes.length; i < data.n; i++) {
      this.nodes.push(this.placeNew(i, data));
      grew = true;
    }
    if (data.n > this.sx.length) {
      this.sx = new Float32Array(data.n);
      this.sy = new Float32Array(data.n);
      this.sr = new Float32Array(data.n);
    }
    this.data = data;
    this.noteFrames(data);
    const linksChanged = this.learnLinks(data);
    const groupsChanged = this.placeGroups(data);
    if (grew) this.simulation.nodes(this.nodes);
    if (grew || linksChanged) {
      // Cut links pull nothing: a partition's groups drift apart as they would in the lab.
      const pulling = [...this.links.values()].filter((l) => !l.cut);
      this.degrees = new Int32Array(this.nodes.length);
      for (const l of pulling) {
        this.degrees[Math.floor(l.key / KEY)]++;
        this.degrees[l.key % KEY]++;
      }
      this.linkForce.links(pulling);
    }
    if (grew || linksChanged || groupsChanged) {
      this.simulation.alpha(Math.max(this.simulation.alpha(), grew ? 1 : 0.3));
      if (this.options.settle && grew && this.options.warm === false) this.simulation.tick(300);
    }
    this.invalidate();
  }

  /** Slow motion on or off: frames sent in a tick drawn travelling along the links. */
  setSlowMotion(on: boolean): void {
    this.slow = on;
    this.waiting = null;
    this.flying = null;
    this.invalidate();
  }

  /** Back to the whole swarm (undoes zoom and pan). */
  fit(): void {
    select(this.canvas).call(this.zoomer.transform, zoomIdentity);
  }

  setSelection(selection: ReadonlySet<number>): void {
    this.selection = selection;
    this.invalidate();
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.invalidate();
  }

  resize(width: number, height: number, dpr: number): void {
    if (width === this.width && height === this.height && dpr === this.dpr) return;
    this.width = Math.max(50, width);
    this.height = Math.max(50, height);
    this.dpr = dpr;
    this.invalidate();
  }

  destroy(): void {
    this.destroyed = true;
    if (this.frameId !== null) cancelAnimationFrame(this.frameId);
    this.frameId = null;
    for (const off of this.offs.splice(0)) off();
    select(this.canvas).on('.zoom', null);
  }

  /** The canvas as a PNG (the export button). */
  toBlob(): Promise<Blob | null> {
    return new Promise((resolve) => {
      if (typeof this.canvas.toBlob !== 'function') resolve(null);
      else this.canvas.toBlob(resolve, 'image/png');
    });
  }

  // ------------------------------------------------------------ layout

  private reset(): void {
    this.nodes.length = 0;
    this.links.clear();
    this.linkForce.links([]);
    this.simulation.nodes(this.nodes);
  }

  /** A new node starts beside a node it links to, or on a circle around the middle. */
  private placeNew(slot: number, data: MapData): Node {
    for (let k = 0; k + 1 < data.links.length; k += 2) {
      const a = data.links[k];
      const b = data.links[k + 1];
      const other = a === slot ? b : b === slot ? a : -1;
      const n = other >= 0 ? this.nodes[other] : undefined;
      if (n && n.x !== undefined && n.y !== undefined)
        return { slot, x: n.x + (Math.random() - 0.5) * 10, y: n.y + (Math.random() - 0.5) * 10 };
    }
    if (this.nodes.length === 0 || slot < 0) return { slot };
    const angle = slot * 2.399963;
    const radius = 10 * Math.sqrt(slot + 1);
    return { slot, x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
  }

  /**
   * Each node's place to be pulled to: while a partition's groups stand, its group's point on a
   * circle (a bridge midway between its groups), so the groups lie apart; otherwise the middle.
   * True when the places changed (the layout then moves).
   */
  private placeGroups(data: MapData): boolean {
    const g = data.groups;
    const split = g.planned && g.count >= 2;
    let key = 'whole';
    if (split) {
      let h = g.count;
      for (let i = 0; i < data.n; i++) h = (h * 31 + g.group[i] * 3 + g.bridge[i]) | 0;
      key = `${data.n}:${h}`;
    }
    if (key === this.anchorKey && this.anchorX.length >= data.n) return false;
    this.anchorKey = key;
    this.anchorX = new Float32Array(data.n);
    this.anchorY = new Float32Array(data.n);
    if (split) {
      // Far enough apart that balls of n / count nodes (links of 28) do not touch.
      const radius = 40 + 25 * Math.sqrt(data.n / g.count);
      const at = (k: number) => (2 * Math.PI * k) / g.count + Math.PI;
      for (let i = 0; i < data.n; i++) {
        const of = g.memberships.get(i) ?? (g.group[i] >= 0 ? [g.group[i]] : []);
        if (of.length === 0) continue;
        for (const k of of) {
          this.anchorX[i] += (radius * Math.cos(at(k))) / of.length;
          this.anchorY[i] += (radius * Math.sin(at(k))) / of.length;
        }
      }
    }
    this.pullX.strength(split ? GROUP_PULL : CENTRE_PULL).x((n) => this.anchorX[n.slot] ?? 0);
    this.pullY.strength(split ? GROUP_PULL : CENTRE_PULL).y((n) => this.anchorY[n.slot] ?? 0);
    return true;
  }

  /** Slow motion: the frames this tick says were sent wait for the frames in flight to land. */
  private noteFrames(data: MapData): void {
    const before = this.seenOut;
    const later = data.t > this.seenT;
    this.seenOut = data.framesOut;
    this.seenT = data.t;
    if (!this.slow || !before || !later || before.length !== data.framesOut.length) return;
    const pairs = framesSent(before, data.framesOut, data.links);
    if (pairs.length > 0) this.waiting = pairs;
  }

  /** Whether frames are in flight at `now` (starting the waiting ones when the last landed). */
  private flightsAt(now: number): boolean {
    if (!this.slow) return false;
    if (this.flying && now - this.flying.start >= SLOW_CYCLE_MS) {
      this.flying = null;
      this.dirty = true; // one more frame, without them
    }
    if (!this.flying && this.waiting) {
      this.flying = { pairs: this.waiting, start: now };
      this.waiting = null;
    }
    return this.flying !== null;
  }

  /**
   * The layout keeps every link it has seen in this lab (live or cut), so a killed node does not
   * throw the picture around; cut links stay drawn (dashed) but pull nothing.
   */
  private learnLinks(data: MapData): boolean {
    let changed = false;
    const add = (a: number, b: number, cut: boolean) => {
      if (a === b || a < 0 || b < 0 || a >= data.n || b >= data.n) return;
      const key = Math.min(a, b) * KEY + Math.max(a, b);
      const l = this.links.get(key);
      if (!l) {
        this.links.set(key, { key, source: Math.min(a, b), target: Math.max(a, b), cut });
        changed = true;
      } else if (l.cut !== cut) {
        l.cut = cut;
        changed = true;
      }
    };
    const cutKeys = new Set<number>();
    for (let k = 0; k + 1 < data.cut.length; k += 2) {
      const a = data.cut[k];
      const b = data.cut[k + 1];
      cutKeys.add(Math.min(a, b) * KEY + Math.max(a, b));
      add(a, b, true);
    }
    for (let k = 0; k + 1 < data.links.length; k += 2) add(data.links[k], data.links[k + 1], false);
    for (const l of this.links.values()) {
      if (l.cut && !cutKeys.has(l.key)) {
        l.cut = false;
        changed = true;
      }
    }
    return changed;
  }

  // ------------------------------------------------------------ the loop

  private invalidate(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.destroyed || this.frameId !== null) return;
    if (this.doc.visibilityState === 'hidden') return;
    this.frameId = requestAnimationFrame((now) => this.frame(now));
  }

  private frame(now: number): void {
    this.frameId = null;
    if (this.destroyed) return;
    if (this.doc.visibilityState === 'hidden') {
      this.lastFrameAt = null;
      return;
    }
    const bench = this.options.bench;
    if (bench && this.lastFrameAt !== null && bench.frames.length < 100_000)
      bench.frames.push(now - this.lastFrameAt);
    this.lastInterval = this.lastFrameAt === null ? 0 : now - this.lastFrameAt;
    this.lastFrameAt = now;
    const moving = this.simulation.alpha() > this.simulation.alphaMin();
    this.now = now;
    const flying = this.flightsAt(now);
    // A frame that came late leaves the layout out once, so that a busy moment (a tick of data,
    // a slow paint) does not turn into a run of long frames.
    const late = this.lastInterval > 20;
    if (moving && !late) {
      const t0 = performance.now();
      this.simulation.tick();
      if (bench && bench.layouts.length < 100_000) bench.layouts.push(performance.now() - t0);
    }
    if (moving || this.dirty || bench || flying) {
      const t0 = performance.now();
      const ctx = this.render();
      // Diagnostics: a one-pixel read makes the canvas rasterise now, inside the timing.
      if (bench?.raster) ctx?.getImageData(0, 0, 1, 1);
      if (bench && bench.draws.length < 100_000) bench.draws.push(performance.now() - t0);
      this.dirty = false;
    }
    if (moving || bench || flying) this.schedule();
    else this.lastFrameAt = null;
  }

  private render(): CanvasRenderingContext2D | null {
    const data = this.data;
    if (!data) return null;
    const ctx = prepareCanvas(this.canvas, this.width, this.height, this.dpr);
    if (!ctx) return null;
    this.project(data);
    const n = data.n;
    const shown = new Uint8Array(n);
    const hollow = new Uint8Array(n);
    const rings = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = data.cond[i];
      shown[i] = c === CONDITION.absent ? 0 : 1;
      hollow[i] = c === CONDITION.dead ? 1 : 0;
      rings[i] =
        (data.liar[i] ? RING_LIAR : 0) |
        (c === CONDITION.frozen ? RING_FROZEN : 0) |
        (data.groups.bridge[i] ? RING_BRIDGE : 0) |
        (this.selection.has(i) ? RING_SELECTED : 0);
    }
    const scene: SwarmScene = {
      width: this.width,
      height: this.height,
      dpr: this.dpr,
      n,
      x: this.sx,
      y: this.sy,
      r: this.sr,
      shown,
      browser: data.browser,
      fill: data.fill,
      fills: data.fills,
      fill2: data.fill2,
      hollow,
      rings,
      links: data.links,
      cut: data.cut,
      hovered: this.hovered,
      lasso: this.lasso,
      palette: this.palette,
    };
    this.draw(ctx, { ...scene, linkLayer: this.links_(scene, shown) });
    if (this.flying) {
      const fill = data.fill;
      const drawn = drawFlights(ctx, {
        x: this.sx,
        y: this.sy,
        shown,
        pairs: this.flying.pairs,
        u: (this.now - this.flying.start) / SLOW_CYCLE_MS,
        colorOf: (slot) => data.fills[fill[slot]] ?? this.palette.uncounted,
        outline: this.palette.text,
        radius: 3,
      });
      this.canvas.dataset['flights'] = String(drawn);
    } else delete this.canvas.dataset['flights'];
    return ctx;
  }

  /**
   * The link layer for this scene: drawn again only when the positions, the links, which nodes
   * are shown, the size or the colours changed; null where no second canvas can be had.
   */
  private links_(scene: SwarmScene, shown: Uint8Array): HTMLCanvasElement | null {
    let h = 0;
    for (let i = 0; i < scene.n; i++)
      h = (h * 31 + Math.round(scene.x[i] * 8) * 7 + Math.round(scene.y[i] * 8) + shown[i]) | 0;
    const key = `${h}:${scene.n}:${this.width}x${this.height}@${this.dpr}`;
    const same =
      this.linkLayer !== null &&
      key === this.linkKey &&
      this.layerLinks === scene.links &&
      this.layerCut === scene.cut &&
      this.layerPalette === scene.palette;
    if (same) return this.linkLayer;
    const layer = this.linkLayer ?? this.doc.createElement('canvas');
    const ctx = prepareCanvas(layer, this.width, this.height, this.dpr);
    if (!ctx) return null;
    drawLinks(ctx, scene);
    this.linkLayer = layer;
    this.linkKey = key;
    this.layerLinks = scene.links;
    this.layerCut = scene.cut;
    this.layerPalette = scene.palette;
    return layer;
  }
  /** Layout coordinates to canvas pixels: the nodes fitted into the canvas. */
  private project(data: MapData): void {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    let maxEarned = 0;
    for (let i = 0; i < data.n; i++) {
      const node = this.nodes[i];
      if (!node || data.cond[i] === CONDITION.absent) continue;
      const x = node.x ?? 0;
      const y = node.y ?? 0;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const e = data.earned[i];
      if (Number.isFinite(e) && e > maxEarned) maxEarned = e;
    }
    if (x0 === Infinity) x0 = x1 = y0 = y1 = 0;
    const base = Math.min(2.2, Math.max(1, Math.sqrt(400 / Math.max(1, data.n))));
    const pad = PAD + 8 * base;
    const scale = Math.min(
      4,
      (this.width - 2 * pad) / Math.max(1e-6, x1 - x0),
      (this.height - 2 * pad) / Math.max(1e-6, y1 - y0),
    );
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    // Zoom and pan act on the fitted picture, so the view stays put while the layout moves.
    const t = this.transform;
    const grow = Math.sqrt(t.k);
    for (let i = 0; i < data.n; i++) {
      const node = this.nodes[i];
      this.sx[i] = t.applyX(this.width / 2 + ((node?.x ?? 0) - cx) * scale);
      this.sy[i] = t.applyY(this.height / 2 + ((node?.y ?? 0) - cy) * scale);
      const e = data.earned[i];
      const share =
        maxEarned > 0 && Number.isFinite(e) ? Math.sqrt(Math.max(0, e) / maxEarned) : 0.3;
      this.sr[i] = base * (2.5 + 5 * share) * grow;
    }
  }

  // ------------------------------------------------------------ pointer

  private hit(x: number, y: number): number {
    const data = this.data;
    if (!data) return -1;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < data.n; i++) {
      if (data.cond[i] === CONDITION.absent) continue;
      const dx = Math.abs(this.sx[i] - x);
      const dy = Math.abs(this.sy[i] - y);
      // A browser node's window reaches into its corners, past a disc's radius once zoomed in.
      const d = data.browser[i] === 1 ? Math.max(dx, dy) : Math.hypot(dx, dy);
      if (d <= this.sr[i] + 4 && d < bestD) {
        best = i;
        bestD = d;
      }
    }
    return best;
  }

  private listen(): void {
    const c = this.canvas;
    const at = (e: PointerEvent | MouseEvent) => {
      const r = c.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    const on = <K extends keyof HTMLElementEventMap>(
      type: K,
      fn: (e: HTMLElementEventMap[K]) => void,
    ) => {
      c.addEventListener(type, fn);
      this.offs.push(() => c.removeEventListener(type, fn));
    };
    on('pointerdown', (e) => {
      if (e.button !== 0) return;
      const p = at(e);
      this.down = { ...p, shift: e.shiftKey };
      if (e.shiftKey) {
        this.lasso = [p.x, p.y];
        c.setPointerCapture?.(e.pointerId);
      }
    });
    on('pointermove', (e) => {
      const p = at(e);
      if (this.lasso && this.down) {
        this.lasso.push(p.x, p.y);
        this.invalidate();
        return;
      }
      const h = this.hit(p.x, p.y);
      if (h !== this.hovered) {
        this.hovered = h;
        this.invalidate();
      }
      this.options.onHover?.(h, p.x, p.y);
    });
    on('pointerleave', () => {
      if (this.hovered !== -1) {
        this.hovered = -1;
        this.invalidate();
      }
      this.options.onHover?.(-1, 0, 0);
    });
    on('pointerup', (e) => {
      const down = this.down;
      this.down = null;
      if (!down) return;
      const p = at(e);
      const lasso = this.lasso;
      this.lasso = null;
      const moved = Math.hypot(p.x - down.x, p.y - down.y) > 4;
      if (lasso && moved && lasso.length >= 6) {
        const data = this.data;
        const inside = data
          ? pointsInPolygon(
              this.sx.subarray(0, data.n),
              this.sy.subarray(0, data.n),
              lasso,
              (i) => data.cond[i] !== CONDITION.absent,
            )
          : [];
        this.options.onSelect?.(inside, 'add');
      } else if (!moved) {
        const h = this.hit(p.x, p.y);
        if (down.shift) {
          if (h >= 0) this.options.onSelect?.([h], 'toggle');
        } else this.options.onSelect?.(h >= 0 ? [h] : [], 'replace');
      }
      this.invalidate();
    });
    const onVisible = () => {
      if (this.doc.visibilityState === 'hidden') {
        if (this.frameId !== null) cancelAnimationFrame(this.frameId);
        this.frameId = null;
        this.lastFrameAt = null;
      } else this.invalidate();
    };
    this.doc.addEventListener('visibilitychange', onVisible);
    this.offs.push(() => this.doc.removeEventListener('visibilitychange', onVisible));
  }
}
