// Placeholder preload. Runs sandboxed, so it may only use `electron`'s renderer-safe modules.
// Expose narrow, purpose-built values or functions only: never ipcRenderer or other raw objects.
import { contextBridge } from 'electron';

declare const __LVS_VERSION__: string; // replaced at build time (electron.vite.config.ts)

export interface LvsBridge {
  readonly version: string;
}

const bridge: LvsBridge = { version: __LVS_VERSION__ };

contextBridge.exposeInMainWorld('lvs', bridge);
