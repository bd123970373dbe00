// What src-main/electron/preload.ts exposes. Declared here rather than imported, because the
// renderer may not import from src-main. Optional: absent when the page runs outside Electron.
interface Window {
  readonly lvs?: {
    readonly version: string;
  };
}
