import type { RawData } from 'ws';
import type { MonitorRequest } from '../../src-shared/api/monitor-api';
import type { Checked } from '../../src-shared/checked';
import { errorMessage } from '../../src-shared/error-message';
import { MAX_ERROR_CHARS } from './web-limits';

/*
 * The socket's wire, message by message: what a request must look like before the host sees
 * it, and what an error looks like on the way back. The host checks the body's schema itself;
 * this checks only the envelope around it, so that every refusal can still be replied to by id.
 */

/** The body checked, with the id to reply under whether it was accepted or refused. */
export type Envelope = Checked<MonitorRequest> & { readonly id: number };

/** A text message's bytes as a string, whichever form ws delivered them in. */
export function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** `{type:'request', id, body}` and nothing else; id a non-negative safe integer. */
export function checkEnvelope(msg: unknown): Envelope {
  const form = 'a message must be {"type":"request","id":<integer>,"body":{...}}';
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    return { ok: false, id: 0, reason: form };
  const { type, id, body, ...rest } = msg as Record<string, unknown>;
  const validId = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
  const replyId = validId ? id : 0;
  const extra = Object.keys(rest);
  if (extra.length > 0)
    return { ok: false, id: replyId, reason: `unknown key "${extra[0]}" in the message` };
  if (type !== 'request')
    return { ok: false, id: replyId, reason: `${form}: type must be "request"` };
  if (!validId) return { ok: false, id: 0, reason: `${form}: id must be an integer >= 0` };
  if (body === undefined) return { ok: false, id, reason: `${form}: body is missing` };
  return { ok: true, id, value: body as MonitorRequest };
}

/** An error as one line for the page: its message only, never a stack. */
export function oneLine(err: unknown): string {
  const text = errorMessage(err);
  const line = text.replace(/\s*\n\s*/g, ' ').trim() || 'the request failed';
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line;
}
