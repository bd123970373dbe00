import { useState, type MouseEvent, type ReactNode } from 'react';
import { bisectCenter } from 'd3';
import type { Palette } from '../draw/palette';
import { labelWidth } from '../lib/label-rows';
import {
  ChartFrame,
  CursorLine,
  EmptyChart,
  MARGIN,
  MarkerLines,
  TimeAxis,
  timeScale,
} from './ChartFrame';
import { useChartData } from './use-series';

/** What a chart over the lab's time draws with. */
export interface TimeChartView extends ReturnType<typeof useChartData> {
  readonly width: number;
  readonly height: number;
  readonly palette: Palette;
  /** Seconds of lab time to x. */
  readonly x: ReturnType<typeof timeScale>;
  readonly domain: [number, number];
}

/** A chart's layers, drawn in this order around the time axis, the markers and the cursor. */
export interface TimeChartLayers {
  /** Value axes and their grid: under everything. */
  readonly axes: ReactNode;
  /** The series: over the command markers. */
  readonly plot: ReactNode;
  /** Labels: over the replay cursor. */
  readonly overlay: ReactNode;
  /** The values at tick i, one line each, for the hover read-out (its time comes first). */
  readonly readout: (i: number) => string[];
}

export interface TimeChartProps {
  readonly title: string;
  readonly testId: string;
  readonly file: string;
  /** One sentence under the chart saying what it shows. */
  readonly caption: string;
  readonly draw: (view: TimeChartView) => TimeChartLayers;
}

const READOUT_FONT = 10;

/**
 * A chart of the lab's ticks over time: the frame, "no ticks yet" before the first one, the time
 * axis, a line per command, the replay cursor, and the values of the tick under the pointer; the
 * chart itself gives its axes, series and what the read-out says.
 */
export function TimeChart({ title, testId, file, caption, draw }: TimeChartProps) {
  const data = useChartData();
  const { domain, markers, cursorT, series } = data;
  const [hover, setHover] = useState<number | null>(null);
  return (
    <ChartFrame
      title={title}
      testId={testId}
      file={file}
      caption={caption}
      render={(width, height, palette) => {
        if (!domain)
          return <EmptyChart width={width} height={height} palette={palette} text="no ticks yet" />;
        const x = timeScale(domain, width);
        const layers = draw({ ...data, domain, width, height, palette, x });
        const [x0, x1] = x.range() as [number, number];
        const move = (e: MouseEvent<SVGRectElement>) => {
          const box = e.currentTarget.ownerSVGElement?.getBoundingClientRect();
          if (!box || series.t.length === 0) return;
          setHover(bisectCenter(series.t, x.invert(e.clientX - box.left)));
        };
        const i = hover !== null && hover < series.t.length ? hover : null;
        return (
          <>
            {layers.axes}
            <TimeAxis x={x} height={height} palette={palette} />
            {/* Under the markers, so that their own hover text still shows. */}
            <rect
              data-testid="chart-hover"
              x={x0}
              y={MARGIN.top}
              width={Math.max(0, x1 - x0)}
              height={Math.max(0, height - MARGIN.top - MARGIN.bottom)}
              fill="transparent"
              pointerEvents="all"
              onMouseMove={move}
              onMouseLeave={() => setHover(null)}
            />
            <MarkerLines markers={markers} x={x} height={height} palette={palette} />
            {layers.plot}
            <CursorLine t={cursorT} x={x} height={height} palette={palette} />
            {layers.overlay}
            {i === null ? null : (
              <Readout
                px={x(series.t[i]!)}
                lines={[`${series.t[i]!.toFixed(1)} s`, ...layers.readout(i)]}
                x0={x0}
                x1={x1}
                height={height}
                palette={palette}
              />
            )}
          </>
        );
      }}
    />
  );
}

/** A line at the hovered tick and a box with its values, on the side where it fits. */
function Readout({
  px,
  lines,
  x0,
  x1,
  height,
  palette,
}: {
  px: number;
  lines: readonly string[];
  x0: number;
  x1: number;
  height: number;
  palette: Palette;
}) {
  const w = Math.max(...lines.map((l) => labelWidth(l, READOUT_FONT))) + 10;
  const h = lines.length * 12 + 6;
  const left = px + 6 + w <= x1 ? px + 6 : Math.max(x0, px - 6 - w);
  const top = MARGIN.top + 2;
  return (
    <g data-testid="chart-readout" pointerEvents="none">
      <line x1={px} x2={px} y1={MARGIN.top} y2={height - MARGIN.bottom} stroke={palette.muted} />
      <rect
        x={left}
        y={top}
        width={w}
        height={h}
        rx={3}
        fill={palette.background}
        stroke={palette.muted}
        opacity={0.95}
      />
      {lines.map((l, k) => (
        <text
          key={k}
          x={left + 5}
          y={top + 13 + k * 12}
          fill={palette.text}
          fontSize={READOUT_FONT}
        >
          {l}
        </text>
      ))}
    </g>
  );
}
