/**
 * The message of a thrown value, whatever was thrown: an Error's message, anything else as
 * String() writes it. Shared by the node, the CLI and the monitor, so that no caller tells
 * errors apart by this text: that is what error classes and their fields are for.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The same, led by the error's class name: for logs, where the kind of failure matters. */
export function namedErrorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
