// The two IPC channels between the main process and the window's preload. Kept in a module of
// their own: the sandboxed preload may import this (plain strings), not ipc.ts (Node).

/** invoke: one MonitorRequest; the reply is an IpcReply. */
export const REQUEST_CHANNEL = 'lvs:request';
/** send: one MonitorPush, main process -> the main window only. */
export const PUSH_CHANNEL = 'lvs:push';

/** The main process never throws across IPC (a thrown error carries its stack): it replies. */
export type IpcReply =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };
