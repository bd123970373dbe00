import type { LabEvent, LabSnapshot, LabStatus } from '@shared/api/lab-api';
import type { AppInfo, MonitorPush } from '@shared/api/monitor-api';
import type { LoggedEvent, NodeSnapshot } from '@shared/api/node-api';
import type { ConnectionState } from '../api/connection';
import { Ring } from './ring';
import { frameOf, labKey, type TickFrame } from './tick-frame';
import type { TourState } from './tour';

/*
 * Everything the monitor shows, in one store that React reads through useSyncExternalStore.
 * Each change replaces the state object (the parts that did not change keep their identity), so
 * a component re-renders only when what it selects changed. While the page is hidden the store
 * keeps taking pushes (the history stays complete) but tells no one: nothing renders, nothing
 * draws, until the page is visible again.
 */

/** Ticks kept for replay and charts (5 minutes at 4 ticks a second): at most this many ... */
export const MAX_TICKS = 1200;
/** ... and at most this many node-ticks (1,000 ticks of a 1,000-node lab). */
export const MAX_NODE_TICKS = 1_000_000;
export const MAX_LAB_EVENTS = 2000;
export const MAX_NODE_EVENTS = 500;

export interface Toast {
  readonly id: number;
  readonly kind: 'error' | 'info';
  readonly text: string;
}

/** The ring of ticks, as a value: a new one (same buffer) after every change. */
export interface TickHistory {
  readonly version: number;
  readonly ring: Ring<TickFrame>;
}

export type ThemeChoice = 'system' | 'light' | 'dark';
export type ColorMode = 'auto' | 'distance' | 'group';

export interface MonitorState {
  readonly connection: ConnectionState;
  readonly info: AppInfo | null;
  /** The running lab's newest status (null: no lab). */
  readonly labStatus: LabStatus | null;
  /** The newest lab snapshot (its samples: the node panel's live data). */
  readonly labSnapshot: LabSnapshot | null;
  readonly history: TickHistory;
  readonly labEvents: readonly LabEvent[];
  /** The lab's network mean at its first tick (the wander chart's origin). */
  readonly firstMean: readonly number[] | null;
  /** The replayed tick's t, or null: live. */
  readonly cursorT: number | null;
  readonly selection: ReadonlySet<number>;
  readonly node: NodeSnapshot | null;
  readonly nodeEvents: readonly LoggedEvent[];
  readonly toasts: readonly Toast[];
  /** A lab start in progress. */
  readonly starting: { readonly nodes: number; readonly since: number } | null;
  readonly help: boolean;
  readonly theme: ThemeChoice;
  readonly colorMode: ColorMode;
  /** The guided tour, while it is open (state/tour.ts). */
  readonly tour: TourState | null;
}

export interface StoreOptions {
  /** Whether the page is hidden now (no notifications then). */
  readonly hidden?: () => boolean;
  /** Called when pushes show a lab run the store has not seen (to load its events). */
  readonly onNewLab?: (status: LabStatus) => void;
  readonly initialConnection?: ConnectionState;
}

type Patch = { -readonly [K in keyof MonitorState]?: MonitorState[K] };

const EMPTY_SELECTION: ReadonlySet<number> = new Set();

export class MonitorStore {
  private state: MonitorState;
  private readonly listeners = new Set<() => void>();
  private readonly ring = new Ring<TickFrame>(MAX_TICKS);
  private version = 0;
  private currentLab: string | null = null;
  private nextToastId = 1;
  private pending = false;
  onNewLab: ((status: LabStatus) => void) | null;
  private readonly hidden: () => boolean;

  constructor(options: StoreOptions = {}) {
    this.hidden = options.hidden ?? (() => false);
    this.onNewLab = options.onNewLab ?? null;
    this.state = {
      connection: options.initialConnection ?? { kind: 'connecting', attempt: 0 },
      info: null,
      labStatus: null,
      labSnapshot: null,
      history: { version: 0, ring: this.ring },
      labEvents: [],
      firstMean: null,
      cursorT: null,
      selection: EMPTY_SELECTION,
      node: null,
      nodeEvents: [],
      toasts: [],
      starting: null,
      help: false,
      theme: 'system',
      colorMode: 'auto',
      tour: null,
    };
  }

  // ------------------------------------------------------------ useSyncExternalStore

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): MonitorState => this.state;

  /** Tells the listeners about changes held back while the page was hidden. */
  flush(): void {
    if (!this.pending || this.hidden()) return;
    this.pending = false;
    for (const l of [...this.listeners]) l();
  }

  private set(patch: Partial<MonitorState>): void {
    this.state = { ...this.state, ...patch };
    this.pending = true;
    this.flush();
  }

  // ------------------------------------------------------------ pushes and answers

  ingest(push: MonitorPush): void {
    switch (push.kind) {
      case 'lab-snapshot':
        this.labSnapshot(push.snapshot);
        break;
      case 'lab-event':
        this.set({ labEvents: append(this.state.labEvents, push.event, MAX_LAB_EVENTS) });
        if (push.event.type === 'error') this.toast('error', `lab: ${push.event.message}`);
        break;
      case 'node-snapshot':
        this.set({ node: push.snapshot });
        break;
      case 'node-event':
        this.set({ nodeEvents: append(this.state.nodeEvents, push.event, MAX_NODE_EVENTS) });
        break;
      case 'app':
        this.setInfo(push.info);
        break;
    }
  }

  setConnection(connection: ConnectionState): void {
    this.set({ connection });
  }

  setInfo(info: AppInfo): void {
    const patch: Patch = { info, labStatus: info.lab };
    if (info.lab) this.noteLab(info.lab);
    if (!info.node) patch.node = null;
    if (!info.lab) patch.labSnapshot = null;
    this.set(patch);
  }

  /** The status a lab command answered with. */
  setLabStatus(status: LabStatus): void {
    this.noteLab(status);
    this.set({ labStatus: status });
  }

  setLabEvents(events: readonly LabEvent[]): void {
    this.set({ labEvents: events.slice(-MAX_LAB_EVENTS) });
  }

  setNodeEvents(events: readonly LoggedEvent[]): void {
    this.set({ nodeEvents: events.slice(-MAX_NODE_EVENTS) });
  }

  labSnapshot(snapshot: LabSnapshot): void {
    this.noteLab(snapshot.status);
    const patch: Patch = { labSnapshot: snapshot, labStatus: snapshot.status };
    const frame = frameOf(snapshot, this.ring.last() ?? null);
    if (frame) {
      const last = this.ring.last();
      if (last && frame.t < last.t) {
        // Out of order (or a restarted clock): history must stay sorted by t.
        this.set(patch);
        return;
      }
      const cap = Math.max(
        100,
        Math.min(MAX_TICKS, Math.floor(MAX_NODE_TICKS / Math.max(1, frame.n))),
      );
      if (cap !== this.ring.capacity) this.ring.resize(cap);
      this.ring.push(frame);
      patch.history = { version: ++this.version, ring: this.ring };
      if (!this.state.firstMean && frame.metrics.mean.length > 0)
        patch.firstMean = frame.metrics.mean;
      const oldest = this.ring.at(0);
      if (this.state.cursorT !== null && oldest && this.state.cursorT < oldest.t)
        patch.cursorT = oldest.t;
    }
    this.set(patch);
  }

  /** A lab run not seen before: its history starts empty. */
  private noteLab(status: LabStatus): void {
    const key = labKey(status);
    if (key === this.currentLab) return;
    const first = this.currentLab === null;
    this.currentLab = key;
    if (!first || this.ring.size > 0) {
      this.ring.clear();
      this.state = {
        ...this.state,
        history: { version: ++this.version, ring: this.ring },
        labEvents: [],
        firstMean: null,
        cursorT: null,
        selection: EMPTY_SELECTION,
      };
    }
    this.onNewLab?.(status);
  }

  // ------------------------------------------------------------ what the user does

  select(slots: Iterable<number>, mode: 'replace' | 'toggle' | 'add' = 'replace'): void {
    let next: Set<number>;
    if (mode === 'replace') next = new Set(slots);
    else {
      next = new Set(this.state.selection);
      for (const s of slots) {
        if (mode === 'toggle' && next.has(s)) next.delete(s);
        else next.add(s);
      }
    }
    this.set({ selection: next.size === 0 ? EMPTY_SELECTION : next });
  }

  /** Replays the tick at `t` (the nearest held at or after it), or goes live with null. */
  setCursor(t: number | null): void {
    this.set({ cursorT: t });
  }

  toast(kind: Toast['kind'], text: string): void {
    const toast = { id: this.nextToastId++, kind, text };
    // The same line twice in a row (a failing poll) is shown once.
    const last = this.state.toasts.at(-1);
    if (last && last.text === text && last.kind === kind) return;
    this.set({ toasts: [...this.state.toasts, toast].slice(-5) });
  }

  dismiss(id: number): void {
    this.set({ toasts: this.state.toasts.filter((t) => t.id !== id) });
  }

  setStarting(starting: MonitorState['starting']): void {
    this.set({ starting });
  }

  setHelp(help: boolean): void {
    if (help !== this.state.help) this.set({ help });
  }

  setTheme(theme: ThemeChoice): void {
    this.set({ theme });
  }

  setColorMode(colorMode: ColorMode): void {
    this.set({ colorMode });
  }

  setTour(tour: TourState | null): void {
    this.set({ tour });
  }
}

function append<T>(list: readonly T[], item: T, max: number): readonly T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(item);
  return next;
}

/** The frame to show: the replayed one, or the newest. */
export function displayedFrame(state: MonitorState): TickFrame | null {
  const ring = state.history.ring;
  if (ring.size === 0) return null;
  if (state.cursorT === null) return ring.last() ?? null;
  const i = ring.lowerBound(state.cursorT, (f) => f.t);
  return ring.at(Math.min(i, ring.size - 1)) ?? null;
}

/** The index in the ring of the frame shown (size - 1 when live). */
export function displayedIndex(state: MonitorState): number {
  const ring = state.history.ring;
  if (state.cursorT === null) return ring.size - 1;
  return Math.min(
    ring.lowerBound(state.cursorT, (f) => f.t),
    ring.size - 1,
  );
}
