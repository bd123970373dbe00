/*
 * The result of checking a value that comes from outside (a request, a frame, a form field): it is
 * accepted or refused. Every check returns this one shape, so that the API, the CLI, the protocol
 * and the monitor tell the two apart the same way, by `ok`, and read the accepted value and the
 * refusal under the same names.
 *
 * `reason` is one line for the user (a log line, a reply's error, a toast), never parsed. What a
 * caller has to act on (which field, which fault to count) travels beside it as fields of its
 * own: `Refusal` names them.
 */

export type Accepted<T> = { readonly ok: true; readonly value: T };

export type Refused<Refusal extends object = object> = {
  readonly ok: false;
  readonly reason: string;
} & Refusal;

export type Checked<T, Refusal extends object = object> = Accepted<T> | Refused<Refusal>;

export function accept<T>(value: T): Accepted<T> {
  return { ok: true, value };
}

/** A refusal; `extra` is its structured fields, which cannot override `ok` or `reason`. */
export function refuse(reason: string): Refused;
export function refuse<Refusal extends object>(reason: string, extra: Refusal): Refused<Refusal>;
export function refuse(reason: string, extra: object = {}): Refused<object> {
  return { ...extra, ok: false, reason };
}
