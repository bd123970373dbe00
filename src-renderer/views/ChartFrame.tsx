import { useRef, type ReactNode } from 'react';
import { line, scaleLinear, type ScaleContinuousNumeric } from 'd3';
import type { Palette } from '../draw/palette';
import type { Marker } from '../lib/commands';
import { besideMarker, labelWidth, stackRows } from '../lib/label-rows';
import { saveBlob, svgToPng } from '../lib/download';
import type { AxisTick } from '../lib/log-ticks';
import { maxOf } from '../lib/series';
import { errorLine } from '../api/client';
import { useMonitor } from '../state/context';
import { useElementSize, usePalette } from './hooks';

export const MARGIN = { top: 24, right: 56, bottom: 28, left: 52 } as const;
export const CHART_HEIGHT = 210;

export interface ChartFrameProps {
  readonly title: string;
  readonly testId: string;
  readonly file: string;
  /** One sentence under the chart saying what it shows. */
  readonly caption: string;
  /** The chart's content for its size (the <svg> is the frame's). */
  readonly render: (width: number, height: number, palette: Palette) => ReactNode;
}

/** A chart's panel: its title, the SVG at the panel's width, and a PNG export. */
export function ChartFrame({ title, testId, file, caption, render }: ChartFrameProps) {
  const { store } = useMonitor();
  const box = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const { width } = useElementSize(box, { width: 480, height: CHART_HEIGHT });
  const palette = usePalette();
  const exportPng = () => {
    if (!svg.current) return;
    svgToPng(svg.current, palette.background).then(
      (blob) => saveBlob(blob, file),
      (err: unknown) => store.toast('error', `export: ${errorLine(err)}`),
    );
  };
  return (
    <section className="panel chart" aria-label={title}>
      <header className="panel-head">
        <h3>{title}</h3>
        <button type="button" onClick={exportPng} title={`Save "${title}" as PNG`}>
          PNG
        </button>
      </header>
      <div className="chart-box" ref={box}>
        <svg
          ref={svg}
          data-testid={testId}
          width={width}
          height={CHART_HEIGHT}
          viewBox={`0 0 ${width} ${CHART_HEIGHT}`}
          fontFamily="system-ui, sans-serif"
          fontSize={10}
          role="img"
          aria-label={title}
        >
          {render(width, CHART_HEIGHT, palette)}
        </svg>
      </div>
      <p className="chart-caption" data-testid={`${testId}-caption`}>
        {caption}
      </p>
    </section>
  );
}

type Scale = ScaleContinuousNumeric<number, number>;

/** The time axis along the bottom, in seconds. */
export function TimeAxis({ x, height, palette }: { x: Scale; height: number; palette: Palette }) {
  const y = height - MARGIN.bottom;
  const [a, b] = x.range();
  return (
    <g>
      <line x1={a} x2={b} y1={y} y2={y} stroke={palette.muted} />
      {x.ticks(6).map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={y} y2={y + 4} stroke={palette.muted} />
          <text x={x(t)} y={y + 14} textAnchor="middle" fill={palette.muted}>
            {x.tickFormat(6)(t)}
          </text>
        </g>
      ))}
      <text x={b} y={height - 2} textAnchor="end" fill={palette.muted}>
        time (s)
      </text>
    </g>
  );
}

/** A vertical axis with grid lines, on the left or the right. */
export function ValueAxis({
  y,
  ticks,
  width,
  side,
  label,
  palette,
  color,
  grid = true,
}: {
  y: Scale;
  ticks: readonly AxisTick[];
  width: number;
  side: 'left' | 'right';
  label: string;
  palette: Palette;
  color?: string;
  grid?: boolean;
}) {
  const x = side === 'left' ? MARGIN.left : width - MARGIN.right;
  const dir = side === 'left' ? -1 : 1;
  const [b, a] = y.range();
  return (
    <g>
      <line x1={x} x2={x} y1={a} y2={b} stroke={palette.muted} />
      {ticks.map((t) => (
        <g key={t.value}>
          {grid && t.major ? (
            <line
              x1={MARGIN.left}
              x2={width - MARGIN.right}
              y1={y(t.value)}
              y2={y(t.value)}
              stroke={palette.grid}
            />
          ) : null}
          <line x1={x} x2={x + 4 * dir} y1={y(t.value)} y2={y(t.value)} stroke={palette.muted} />
          {t.label ? (
            <text
              x={x + 6 * dir}
              y={y(t.value)}
              dy="0.32em"
              textAnchor={side === 'left' ? 'end' : 'start'}
              fill={color ?? palette.muted}
            >
              {t.label}
            </text>
          ) : null}
        </g>
      ))}
      {/* Along the axis, so the top line stays free for what a chart writes on itself. */}
      <text
        transform={`translate(${side === 'left' ? 10 : width - 10}, ${(a + b) / 2}) rotate(${side === 'left' ? -90 : 90})`}
        textAnchor="middle"
        fill={color ?? palette.muted}
      >
        {label}
      </text>
    </g>
  );
}

/** The time axis's scale: the domain (s) across the plot's width. */
export function timeScale(domain: readonly [number, number], width: number): Scale {
  return scaleLinear()
    .domain(domain)
    .range([MARGIN.left, width - MARGIN.right]);
}

/** A value axis from 0 to the largest value (1 when there is none), rounded outward. */
export function valueScale(values: Float64Array, height: number): Scale {
  const top = maxOf(values);
  return scaleLinear()
    .domain([0, top > 0 ? top : 1])
    .nice()
    .range([height - MARGIN.bottom, MARGIN.top]);
}

/** The SVG path of one series over time, skipping the points `keep` refuses. */
export function seriesPath(
  t: Float64Array,
  values: Float64Array,
  x: Scale,
  y: (v: number) => number,
  keep: (v: number) => boolean = Number.isFinite,
): string {
  const idx = Array.from(t, (_, i) => i);
  return (
    line<number>()
      .defined((i) => keep(values[i]!))
      .x((i) => x(t[i]!))
      .y((i) => y(values[i]!))(idx) ?? ''
  );
}

/** Linear ticks as AxisTicks. */
export function linearTicks(y: Scale, count = 5): AxisTick[] {
  const f = y.tickFormat(count, Math.abs(y.domain()[1]) >= 1e4 ? '~s' : undefined);
  return y.ticks(count).map((value) => ({ value, label: f(value), major: true }));
}

/** Rows of command labels at most; a label that finds none is named by its line's hover text. */
const MARKER_ROWS = 4;
const MARKER_FONT = 9;

/**
 * Vertical lines for the commands (partitions, heals, faults, parameter changes), each labelled
 * in full: labels that would cover one another go into the next row down, and one near the
 * right edge is written to the left of its line.
 */
export function MarkerLines({
  markers,
  x,
  height,
  palette,
}: {
  markers: readonly Marker[];
  x: Scale;
  height: number;
  palette: Palette;
}) {
  const [lo, hi] = x.domain();
  const right = x.range()[1];
  const shown = markers.filter((m) => m.t / 1000 >= lo && m.t / 1000 <= hi);
  const spans = shown.map((m) =>
    besideMarker(x(m.t / 1000), labelWidth(m.label, MARKER_FONT), right),
  );
  const rows = stackRows(spans, MARKER_ROWS);
  return (
    <g data-testid="chart-markers">
      {shown.map((m, i) => {
        const px = x(m.t / 1000);
        const row = rows[i];
        return (
          <g key={`${m.t}-${i}`}>
            <title>
              {(m.t / 1000).toFixed(1)} s: {m.label}
            </title>
            <line
              x1={px}
              x2={px}
              y1={MARGIN.top}
              y2={height - MARGIN.bottom}
              stroke={palette.markers[m.kind]}
              strokeWidth={1.5}
              strokeDasharray={m.kind === 'heal' || m.kind === 'recover' ? '4 3' : undefined}
            />
            {row === null || row === undefined ? null : (
              <text
                data-testid="marker-label"
                x={spans[i]!.start}
                y={MARGIN.top + 9 + row * 11}
                fill={palette.markers[m.kind]}
                fontSize={MARKER_FONT}
              >
                {m.label}
              </text>
            )}
          </g>
        );
      })}
    </g>
  );
}

/** The replay cursor: the tick shown on the map and the plane. */
export function CursorLine({
  t,
  x,
  height,
  palette,
}: {
  t: number | null;
  x: Scale;
  height: number;
  palette: Palette;
}) {
  if (t === null) return null;
  const px = x(t / 1000);
  return (
    <line
      data-testid="chart-cursor"
      x1={px}
      x2={px}
      y1={MARGIN.top - 6}
      y2={height - MARGIN.bottom}
      stroke={palette.text}
      strokeWidth={1}
      strokeDasharray="2 2"
    />
  );
}

/** "No ticks yet", centred. */
export function EmptyChart({
  width,
  height,
  palette,
  text,
}: {
  width: number;
  height: number;
  palette: Palette;
  text: string;
}) {
  return (
    <text x={width / 2} y={height / 2} textAnchor="middle" fill={palette.muted} fontSize={12}>
      {text}
    </text>
  );
}
