import type { ReactNode } from 'react';
import type { Palette } from '../draw/palette';
import { ChartFrame, CursorLine, EmptyChart, MarkerLines, TimeAxis, timeScale } from './ChartFrame';
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
}

export interface TimeChartProps {
  readonly title: string;
  readonly testId: string;
  readonly file: string;
  readonly draw: (view: TimeChartView) => TimeChartLayers;
}

/**
 * A chart of the lab's ticks over time: the frame, "no ticks yet" before the first one, the time
 * axis, a line per command and the replay cursor; the chart itself gives its axes and series.
 */
export function TimeChart({ title, testId, file, draw }: TimeChartProps) {
  const data = useChartData();
  const { domain, markers, cursorT } = data;
  return (
    <ChartFrame
      title={title}
      testId={testId}
      file={file}
      render={(width, height, palette) => {
        if (!domain)
          return <EmptyChart width={width} height={height} palette={palette} text="no ticks yet" />;
        const x = timeScale(domain, width);
        const layers = draw({ ...data, domain, width, height, palette, x });
        return (
          <>
            {layers.axes}
            <TimeAxis x={x} height={height} palette={palette} />
            <MarkerLines markers={markers} x={x} height={height} palette={palette} />
            {layers.plot}
            <CursorLine t={cursorT} x={x} height={height} palette={palette} />
            {layers.overlay}
          </>
        );
      }}
    />
  );
}
