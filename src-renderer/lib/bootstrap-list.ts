/** The bootstrap addresses the user keeps, in localStorage (never sent anywhere by themselves). */
const KEY = 'lvs.monitor.bootstrap';

export function loadBootstrap(storage: Pick<Storage, 'getItem'> = localStorage): string[] {
  try {
    const v: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string').slice(0, 50) : [];
  } catch {
    return [];
  }
}

export function saveBootstrap(
  list: readonly string[],
  storage: Pick<Storage, 'setItem'> = localStorage,
): void {
  try {
    storage.setItem(KEY, JSON.stringify(list.slice(0, 50)));
  } catch {
    // Storage full or disabled: the list lasts until the window closes.
  }
}
