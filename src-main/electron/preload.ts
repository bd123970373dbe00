// The window's preload. It runs sandboxed, so it may only use `electron`'s renderer modules (and
// is bundled into one CommonJS file, electron.vite.config.ts). It exposes the narrow bridge of
// bridge.ts as `window.lvs`: never ipcRenderer itself, nor an IPC event.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge';

declare const __LVS_VERSION__: string; // replaced at build time (electron.vite.config.ts)

contextBridge.exposeInMainWorld('lvs', createBridge(ipcRenderer, __LVS_VERSION__));
