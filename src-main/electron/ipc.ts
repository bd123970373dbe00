import { MAX_REQUEST_BYTES, type MonitorPush } from '../../src-shared/api/monitor-api';
import type { IpcReply } from './channels';
import type { FrameLike } from './security';

/*
 * The main process's side of the one IPC channel: every request is checked for its sender (the
 * main window's own page only) and its shape (MonitorHost.handle checks it against the monitor
 * API), and answered with a reply object. Errors never cross IPC as thrown errors, whose stack
 * would reach the renderer: the window gets one line.
 */

/** What the handler needs of the host (MonitorHost). */
export interface RequestHost {
  handle(raw: unknown): Promise<unknown>;
}

/** What the handler needs of the IPC event. */
export interface RequestEvent {
  readonly senderFrame: FrameLike | null;
}

export interface IpcHandlerDeps {
  readonly host: RequestHost;
  /** Whether the frame is the main window's own page (security.ts isTrustedSender). */
  isTrustedSender(frame: FrameLike | null): boolean;
  /** Refusals and failures, for the log file (with the detail the window does not get). */
  readonly log?: (line: string, err?: unknown) => void;
}

export const UNTRUSTED_SENDER = 'refused: the request did not come from the app window';
const MAX_ERROR_CHARS = 400;
const BUILTIN_ERRORS = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'AggregateError',
]);

/** One printable line, at most MAX_ERROR_CHARS long, for any thrown value. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const line = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!line) return 'the request failed';
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}

/** Why a payload is refused before it reaches the host, or null. */
function precheck(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return 'a request must be an object with target and request';
  let size: number;
  try {
    size = JSON.stringify(payload).length;
  } catch {
    return 'a request must be plain data';
  }
  if (size > MAX_REQUEST_BYTES) return `a request must be under ${MAX_REQUEST_BYTES} bytes`;
  return null;
}

/** The `ipcMain.handle('lvs:request', ...)` handler. It never throws. */
export function createIpcHandler(
  deps: IpcHandlerDeps,
): (event: RequestEvent, payload: unknown) => Promise<IpcReply> {
  return async (event, payload) => {
    let frame: FrameLike | null = null;
    try {
      frame = event?.senderFrame ?? null;
      if (!deps.isTrustedSender(frame)) {
        deps.log?.(`IPC request refused from ${describeFrame(frame)}`);
        return { ok: false, error: UNTRUSTED_SENDER };
      }
    } catch (err) {
      // a frame that is gone can throw on access
      deps.log?.('IPC request refused: its sender could not be checked', err);
      return { ok: false, error: UNTRUSTED_SENDER };
    }
    const refused = precheck(payload);
    if (refused) return { ok: false, error: refused };
    try {
      return { ok: true, value: await deps.host.handle(payload) };
    } catch (err) {
      const error = oneLine(err);
      // The host's own refusals (MonitorError, the node's and the lab's) are the window's
      // business; anything else is a fault worth its stack in the log.
      if (!(err instanceof Error) || BUILTIN_ERRORS.has(err.name))
        deps.log?.(`IPC request failed: ${error}`, err);
      return { ok: false, error };
    }
  };
}

function describeFrame(frame: FrameLike | null): string {
  if (!frame) return 'a frame that is gone';
  try {
    return `a frame at ${oneLine(frame.url).slice(0, 200)}`;
  } catch {
    return 'an unknown frame';
  }
}

/** What pushing needs of the main window (Electron's BrowserWindow). */
export interface PushWindow {
  isDestroyed(): boolean;
  readonly webContents: {
    isDestroyed(): boolean;
    send(channel: string, ...args: unknown[]): void;
  };
}

/**
 * A host.subscribe listener that sends each push to the main window only, and not while it is
 * destroyed (or not yet created).
 */
export function pushToWindow(
  channel: string,
  getWindow: () => PushWindow | null | undefined,
): (push: MonitorPush) => void {
  return (push) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(channel, push);
  };
}
