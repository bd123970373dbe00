import { useMemo } from 'react';
import { markersOf } from '../lib/commands';
import { seriesOf } from '../lib/series';
import { useMonitorState } from '../state/context';
import { displayedFrame } from '../state/store';

/** What every chart needs: the series, the command markers, the events, the replay cursor. */
export function useChartData() {
  const history = useMonitorState((s) => s.history);
  const firstMean = useMonitorState((s) => s.firstMean);
  const events = useMonitorState((s) => s.labEvents);
  const replaying = useMonitorState((s) => s.cursorT !== null);
  const shown = useMonitorState(displayedFrame);
  const series = useMemo(() => seriesOf(history.ring.toArray(), firstMean), [history, firstMean]);
  const markers = useMemo(() => markersOf(events), [events]);
  const domain: [number, number] | null =
    series.t.length === 0
      ? null
      : [series.t[0], Math.max(series.t[series.t.length - 1], series.t[0] + 1)];
  return { series, markers, events, domain, cursorT: replaying && shown ? shown.t : null };
}
