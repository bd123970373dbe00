/*
 * The browser node's store opened where there are no Web Locks (tests/browser/tab-lock.test.ts
 * runs this in pages of an insecure origin): which tab gets the node.
 */
import { IdbStore, NodeInUseError } from '../../src-renderer/browser-node/idb-store';

let held: IdbStore | null = null;

/** Opens the node `name`'s store: 'opened', 'in use', or another failure's message. */
export async function open(name: string): Promise<string> {
  try {
    const { store } = await IdbStore.open(name, {
      appVersion: 'browser-test',
      persistMs: 20,
      fresh: { config: { params: { dimensions: 2 } }, S: [1, 2] },
    });
    held = store;
    return 'opened';
  } catch (err) {
    return err instanceof NodeInUseError ? 'in use' : String(err);
  }
}

export async function close(): Promise<void> {
  await held?.close();
  held = null;
}

export function hasWebLocks(): boolean {
  return (navigator as { locks?: unknown }).locks !== undefined;
}
