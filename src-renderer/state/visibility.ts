import { useSyncExternalStore } from 'react';

/** Whether the page is hidden (a minimised window, a background tab). */
export function pageHidden(doc: Document = document): boolean {
  return doc.visibilityState === 'hidden';
}

/** Calls `listener` with the new visibility whenever it changes; returns the unsubscribe. */
export function onVisibility(listener: (hidden: boolean) => void, doc: Document = document) {
  const handler = () => listener(pageHidden(doc));
  doc.addEventListener('visibilitychange', handler);
  return () => doc.removeEventListener('visibilitychange', handler);
}

const subscribe = (onChange: () => void) => onVisibility(onChange);

/** The page's visibility as React state. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribe, () => !pageHidden());
}
