/*
 * Which tab holds a node where the browser gives no Web Locks: a page opened over plain HTTP
 * from another device (a phone on the home network opening http://192.168.1.20:8080/) is not a
 * secure context, and navigator.locks is then undefined. Without a guard two tabs would run one
 * node, each overwriting the other's saves.
 *
 * The tabs that can open a node's IndexedDB database are those of one origin in one browser
 * profile, and those are exactly the ones a BroadcastChannel of that origin reaches (in secure
 * and insecure contexts alike). A tab that wants the node posts a claim with a random token; a
 * tab that holds it answers "held" at once; a claimer that hears no answer within `waitMs` holds
 * it from then on and answers later claims itself. Of two tabs claiming at once the lower token
 * wins: each answers a rival's higher claim with its own again, so a rival that started later
 * hears it too. A tab that closes or crashes closes its channel with
 * it, so the node is free again as soon as it is gone.
 */

type LockMessage =
  | { readonly type: 'claim'; readonly token: string }
  | { readonly type: 'held'; readonly token: string };

/** How long a claim waits for a holder's answer: a holder answers from its event loop at once. */
export const CLAIM_WAIT_MS = 250;

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function isLockMessage(data: unknown): data is LockMessage {
  const m = data as { type?: unknown; token?: unknown } | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    (m.type === 'claim' || m.type === 'held') &&
    typeof m.token === 'string'
  );
}

/**
 * Holds the lock `name` among this origin's tabs until the returned function is called; null
 * when another tab holds it (or wins a claim made at the same moment).
 */
export function holdChannelLock(
  name: string,
  waitMs = CLAIM_WAIT_MS,
): Promise<(() => void) | null> {
  const channel = new BroadcastChannel(`lvs-lock:${name}`);
  const token = randomToken();
  let holding = false;
  return new Promise((resolve) => {
    const give = (result: (() => void) | null) => {
      clearTimeout(timer);
      if (result === null) channel.close();
      resolve(result);
    };
    channel.onmessage = (e: MessageEvent<unknown>) => {
      if (!isLockMessage(e.data)) return;
      const m = e.data;
      if (holding) {
        if (m.type === 'claim') channel.postMessage({ type: 'held', token } satisfies LockMessage);
        return;
      }
      // Still claiming: a holder, or a rival claim with the lower token, takes it.
      if (m.type === 'held' || m.token < token) give(null);
      // A rival with the higher token may have started after this claim went out, and never
      // heard it: claiming again tells it that it lost.
      else channel.postMessage({ type: 'claim', token } satisfies LockMessage);
    };
    const timer = setTimeout(() => {
      holding = true;
      give(() => channel.close());
    }, waitMs);
    channel.postMessage({ type: 'claim', token } satisfies LockMessage);
  });
}
