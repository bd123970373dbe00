import { useEffect, useRef } from 'react';
import type { Ctx2D } from '../draw/canvas';
import type { Palette } from '../draw/palette';
import type { SwarmScene } from '../draw/swarm';
import type { MapData } from '../lib/map-data';
import { MapEngine, type SelectMode } from './map-engine';

export interface SwarmMapProps {
  readonly data: MapData | null;
  readonly selection: ReadonlySet<number>;
  readonly palette: Palette;
  readonly onSelect?: (slots: number[], mode: SelectMode) => void;
  readonly onHover?: (slot: number, x: number, y: number) => void;
  /** The drawing function (tests spy on it); drawSwarm by default. */
  readonly draw?: (ctx: Ctx2D, scene: SwarmScene) => void;
  readonly bench?: LvsBench;
  /** Benchmark: keep the layout moving. */
  readonly warm?: boolean;
  /** Benchmark: run the layout to rest before the first frame. */
  readonly settle?: boolean;
  /** Hands out the engine (the PNG export and the Fit button use it). */
  readonly engineRef?: { current: MapEngine | null };
  /** Draw each tick's drift frames travelling along the links. */
  readonly slowMotion?: boolean;
}

/** The swarm map's canvas; the drawing and the layout live in MapEngine. */
export function SwarmMap(props: SwarmMapProps) {
  const { data, selection, palette, draw, bench, warm, settle, engineRef, slowMotion } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const engine = useRef<MapEngine | null>(null);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });

  useEffect(() => {
    const el = canvas.current;
    const box = wrap.current;
    if (!el || !box) return;
    const e = new MapEngine(el, {
      draw,
      bench,
      warm,
      settle,
      onHover: (slot, x, y) => latest.current.onHover?.(slot, x, y),
      onSelect: (slots, mode) => latest.current.onSelect?.(slots, mode),
    });
    engine.current = e;
    if (engineRef) engineRef.current = e;
    const measure = () =>
      e.resize(box.clientWidth || 600, box.clientHeight || 400, window.devicePixelRatio || 1);
    measure();
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    ro?.observe(box);
    const { data: d, selection: s, palette: p } = latest.current;
    e.setPalette(p);
    e.setSelection(s);
    e.setSlowMotion(latest.current.slowMotion ?? false);
    if (d) e.setData(d);
    return () => {
      ro?.disconnect();
      e.destroy();
      engine.current = null;
      if (engineRef) engineRef.current = null;
    };
  }, [draw, bench, warm, settle, engineRef]);

  useEffect(() => {
    if (data) engine.current?.setData(data);
  }, [data]);
  useEffect(() => {
    engine.current?.setSelection(selection);
  }, [selection]);
  useEffect(() => {
    engine.current?.setPalette(palette);
  }, [palette]);
  useEffect(() => {
    engine.current?.setSlowMotion(slowMotion ?? false);
  }, [slowMotion]);

  return (
    <div className="map-canvas" ref={wrap}>
      <canvas
        ref={canvas}
        data-testid="swarm-map"
        tabIndex={0}
        aria-label="Swarm map: nodes coloured by distance from the consensus or by group, sized by earned VU; Node.js nodes are discs, browser nodes (Chromium tabs) small windows. Click selects a node, shift-click adds one, shift-drag draws a lasso, the wheel zooms and a drag pans."
      />
    </div>
  );
}
