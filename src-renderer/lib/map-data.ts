import { DISTANCE_COLORS, GROUP_COLORS } from '../draw/palette';
import { frameGroups, type TickFrame } from '../state/tick-frame';
import { distanceBucket } from './distance-scale';
import type { MapGroups } from './map-groups';

/** What the swarm map shows of one tick: plain arrays by slot. */
export interface MapData {
  readonly n: number;
  /** CONDITION codes. */
  readonly cond: ArrayLike<number>;
  /** 0 honest, else a liar. */
  readonly liar: ArrayLike<number>;
  /** 1: a browser node (a Chromium tab), drawn as a window; 0: a Node.js node. */
  readonly browser: ArrayLike<number>;
  readonly earned: ArrayLike<number>;
  /** Colour bucket per node (-1: the uncounted colour), into `fills`. */
  readonly fill: ArrayLike<number>;
  readonly fills: readonly string[];
  /** A bridge's second group's colour, into `fills` (-1: none); only when coloured by group. */
  readonly fill2?: ArrayLike<number>;
  readonly links: ArrayLike<number>;
  readonly cut: ArrayLike<number>;
  /** The groups (a partition's while one stands): the layout draws planned groups apart. */
  readonly groups: MapGroups;
  /** Frames each node has sent since it (re)started: the slow-motion view's senders. */
  readonly framesOut: ArrayLike<number>;
  /** The tick's time (ms since the lab started). */
  readonly t: number;
}

/** auto: by group while a partition stands, else by distance. */
export type ColorBy = 'auto' | 'distance' | 'group';

export interface MapLegend {
  /** What the colours show in this frame (auto resolved). */
  readonly by: 'distance' | 'group';
  /** The lab's epsilon: the end of the "near" colour. */
  readonly epsilon: number;
  readonly groups: number;
}

type Colored = { readonly data: MapData; readonly legend: MapLegend };
const cache = new WeakMap<TickFrame, Partial<Record<ColorBy, Colored>>>();

/** The map's data for a frame, coloured by distance from the consensus or by group (cached). */
export function mapDataOf(frame: TickFrame, by: ColorBy): Colored {
  let entry = cache.get(frame);
  if (!entry) cache.set(frame, (entry = {}));
  return (entry[by] ??= colored(frame, by));
}

function colored(frame: TickFrame, asked: ColorBy): Colored {
  const groups = frameGroups(frame);
  const by = asked === 'auto' ? (groups.planned ? 'group' : 'distance') : asked;
  const epsilon = frame.status.epsilon;
  const fill = new Int16Array(frame.n).fill(-1);
  const fill2 = new Int16Array(frame.n).fill(-1);
  const distances = frame.metrics.distances;
  for (const [slot, of] of groups.memberships)
    if (by === 'group' && of.length > 1) fill2[slot] = of[1] % GROUP_COLORS.length;
  for (let i = 0; i < frame.n; i++) {
    const g = groups.group[i];
    if (by === 'group') fill[i] = g < 0 ? -1 : g % GROUP_COLORS.length;
    else fill[i] = distanceBucket(distances[i] ?? Number.NaN, epsilon);
  }
  return {
    data: {
      n: frame.n,
      cond: frame.cond,
      liar: frame.liar,
      browser: frame.browser,
      earned: frame.earned,
      fill,
      fills: by === 'group' ? GROUP_COLORS : DISTANCE_COLORS,
      fill2,
      links: frame.links,
      cut: frame.cut,
      groups,
      framesOut: frame.framesOut,
      t: frame.t,
    },
    legend: { by, epsilon, groups: groups.count },
  };
}
