// What src-main/electron/preload.ts exposes, and what the benchmark mode publishes. Declared here
// rather than imported, because the renderer may not import from src-main. `lvs` is absent when
// the page runs outside Electron (the web monitor), and the monitor then uses a WebSocket.
interface LvsBridge {
  readonly version: string;
  /** One monitor request (a MonitorRequest); resolves with its answer, rejects with one line. */
  request(req: import('@shared/api/monitor-api').MonitorRequest): Promise<unknown>;
  /** Every push from the host; returns the unsubscribe function. */
  subscribe(listener: (push: import('@shared/api/monitor-api').MonitorPush) => void): () => void;
}

interface LvsBench {
  /** ms between consecutive requestAnimationFrame callbacks. */
  readonly frames: number[];
  /** ms spent drawing in each frame. */
  readonly draws: number[];
  /** ms spent in the force layout's tick in each frame. */
  readonly layouts: number[];
  readonly nodes: number;
  readonly links: number;
  /** Force the canvas to rasterise inside each timed draw (?raster=1), so draws include it. */
  readonly raster?: boolean;
}

interface Window {
  readonly lvs?: LvsBridge;
  __lvsBench?: LvsBench;
}
