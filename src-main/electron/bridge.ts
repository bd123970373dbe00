import type { MonitorApi, MonitorPush, MonitorRequest } from '../../src-shared/api/monitor-api';
import { PUSH_CHANNEL, REQUEST_CHANNEL } from './channels';

/*
 * What the preload exposes as `window.lvs` (declared for the renderer in src-renderer/env.d.ts):
 * the monitor API over IPC, and the version. Built from the ipcRenderer it is given, so tests
 * can check it without Electron. It hands the page neither ipcRenderer nor any IPC event: only
 * these functions, and plain values.
 */

export interface LvsBridge extends MonitorApi {
  readonly version: string;
}

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function isReply(v: unknown): v is { ok: boolean; value?: unknown; error?: unknown } {
  return typeof v === 'object' && v !== null && typeof (v as { ok?: unknown }).ok === 'boolean';
}

export function createBridge(ipc: IpcRendererLike, version: string): LvsBridge {
  return {
    version,
    async request(req: MonitorRequest): Promise<unknown> {
      const reply = await ipc.invoke(REQUEST_CHANNEL, req);
      if (!isReply(reply)) throw new Error('the app sent no answer to the request');
      if (reply.ok) return reply.value;
      throw new Error(typeof reply.error === 'string' ? reply.error : 'the request failed');
    },
    subscribe(listener: (push: MonitorPush) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
      // The IPC event stays here: the page gets the push only.
      const onPush = (_event: unknown, push: unknown) => listener(push as MonitorPush);
      ipc.on(PUSH_CHANNEL, onPush);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(PUSH_CHANNEL, onPush);
      };
    },
  };
}
