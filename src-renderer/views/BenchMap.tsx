import { useEffect, useState } from 'react';
import { LIGHT } from '../draw/palette';
import { nextTick, syntheticSwarm } from '../lib/synthetic';
import { SwarmMap } from './SwarmMap';

const NO_SELECTION: ReadonlySet<number> = new Set();

/**
 * Benchmark mode: the swarm map alone on synthetic, seeded data, a new tick every 100 ms (a busy
 * lab: new colours and sizes), every frame drawn, timings in `bench` (window.__lvsBench). By
 * default the layout is run to rest first, as the map is once a lab has settled; with warm it
 * keeps moving (the worst case: layout and links every frame).
 */
export function BenchMap({
  bench,
  seed,
  tickMs = 100,
  warm = false,
}: {
  bench: LvsBench;
  seed: number;
  /** A new synthetic tick every tickMs (0: none, the picture only moves with the layout). */
  tickMs?: number;
  /** Keep the layout moving (the worst case); by default it is settled before the first frame. */
  warm?: boolean;
}) {
  const [swarm, setSwarm] = useState(() => syntheticSwarm(bench.nodes, bench.links, seed));
  useEffect(() => {
    if (tickMs <= 0) return;
    const id = setInterval(() => setSwarm((s) => nextTick(s)), tickMs);
    return () => clearInterval(id);
  }, [tickMs]);
  return (
    <div className="bench" data-testid="bench-map">
      <SwarmMap
        data={swarm.data}
        selection={NO_SELECTION}
        palette={LIGHT}
        bench={bench}
        warm={warm}
        settle
      />
    </div>
  );
}
