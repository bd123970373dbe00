import { DISTANCE_COLORS, GROUP_COLORS, distanceBucket } from '../draw/palette';
import { frameGroups, type TickFrame } from '../state/tick-frame';

/** What the swarm map shows of one tick: plain arrays by slot. */
export interface MapData {
  readonly n: number;
  /** CONDITION codes. */
  readonly cond: ArrayLike<number>;
  /** 0 honest, else a liar. */
  readonly liar: ArrayLike<number>;
  readonly earned: ArrayLike<number>;
  /** Colour bucket per node (-1: the uncounted colour), into `fills`. */
  readonly fill: ArrayLike<number>;
  readonly fills: readonly string[];
  readonly links: ArrayLike<number>;
  readonly cut: ArrayLike<number>;
}

export type ColorBy = 'distance' | 'group';

export interface MapLegend {
  /** The distance the far end of the scale stands for. */
  readonly maxDistance: number;
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

function colored(frame: TickFrame, by: ColorBy): Colored {
  const { group, count } = frameGroups(frame);
  const fill = new Int16Array(frame.n).fill(-1);
  const distances = frame.metrics.distances;
  let maxDistance = 0;
  for (let i = 0; i < frame.n; i++) {
    const v = distances[i];
    if (Number.isFinite(v) && v > maxDistance) maxDistance = v;
  }
  for (let i = 0; i < frame.n; i++) {
    if (by === 'group') fill[i] = group[i] < 0 ? -1 : group[i] % GROUP_COLORS.length;
    else fill[i] = distanceBucket(distances[i] ?? Number.NaN, maxDistance);
  }
  return {
    data: {
      n: frame.n,
      cond: frame.cond,
      liar: frame.liar,
      earned: frame.earned,
      fill,
      fills: by === 'group' ? GROUP_COLORS : DISTANCE_COLORS,
      links: frame.links,
      cut: frame.cut,
    },
    legend: { maxDistance, groups: count },
  };
}
