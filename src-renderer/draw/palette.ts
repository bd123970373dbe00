import { interpolateRdYlBu, schemeTableau10 } from 'd3';
import type { MarkerKind } from '../lib/commands';
import { DISTANCE_BUCKETS } from '../lib/distance-scale';

/** The colours the canvases and charts draw with (read from theme.css's custom properties). */
export interface Palette {
  readonly background: string;
  readonly text: string;
  readonly muted: string;
  readonly grid: string;
  readonly link: string;
  readonly cut: string;
  readonly selection: string;
  readonly hover: string;
  readonly dead: string;
  readonly liar: string;
  readonly frozen: string;
  /** The ring around a node in two groups (a bridge). */
  readonly bridge: string;
  readonly accent: string;
  /** Nodes not counted in the metrics (no state, a liar, down). */
  readonly uncounted: string;
  readonly markers: Readonly<Record<MarkerKind, string>>;
}

export const LIGHT: Palette = {
  background: '#ffffff',
  text: '#1c2330',
  muted: '#5d6878',
  grid: '#e3e7ee',
  link: 'rgba(70, 84, 110, 0.28)',
  cut: 'rgba(200, 60, 40, 0.55)',
  selection: '#0b6bcb',
  hover: '#111111',
  dead: '#8a94a3',
  liar: '#d7263d',
  frozen: '#3a7bd5',
  bridge: '#c2007a',
  accent: '#7b2cbf',
  uncounted: '#b8c0cc',
  markers: {
    partition: '#e07a00',
    heal: '#1f9d55',
    fault: '#d7263d',
    recover: '#4caf50',
    attack: '#9c27b0',
    params: '#0b6bcb',
  },
};

export const DARK: Palette = {
  background: '#11151c',
  text: '#e4e8ef',
  muted: '#9aa5b5',
  grid: '#252c38',
  link: 'rgba(170, 185, 210, 0.22)',
  cut: 'rgba(255, 110, 90, 0.6)',
  selection: '#5aa9ff',
  hover: '#ffffff',
  dead: '#5d6674',
  liar: '#ff5c6c',
  frozen: '#7fb2ff',
  bridge: '#ff4fc3',
  accent: '#c77dff',
  uncounted: '#4a5260',
  markers: {
    partition: '#ffa23a',
    heal: '#4cd68a',
    fault: '#ff5c6c',
    recover: '#8bd98e',
    attack: '#d48cff',
    params: '#5aa9ff',
  },
};

/** Colours for the distance scale's buckets (lib/distance-scale): near (blue) to far (red). */
export const DISTANCE_COLORS: readonly string[] = Array.from({ length: DISTANCE_BUCKETS }, (_, i) =>
  interpolateRdYlBu(1 - (0.05 + (0.9 * i) / (DISTANCE_BUCKETS - 1))),
);

/** Partition groups: a categorical scheme, repeating after ten groups. */
export const GROUP_COLORS: readonly string[] = schemeTableau10;

/**
 * A line per shard: the group scheme without its red and pink, since red on the shard views
 * means a lost shard.
 */
export const SHARD_COLORS: readonly string[] = schemeTableau10.filter((_, i) => i !== 2 && i !== 7);
