import { useCallback, useEffect, useState, useSyncExternalStore, type RefObject } from 'react';
import type { LabCommandInput } from '@shared/api/lab-api';
import { errorLine } from '../api/client';
import { DARK, LIGHT, type Palette } from '../draw/palette';
import { useMonitor, useMonitorState } from '../state/context';
import { pageHidden } from '../state/visibility';

/** An element's CSS size, followed with a ResizeObserver (a fallback size where there is none). */
export function useElementSize(
  ref: RefObject<HTMLElement | null>,
  fallback: { width: number; height: number },
): { width: number; height: number } {
  const [size, setSize] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      const width = el.clientWidth;
      const height = el.clientHeight;
      if (width > 0 && height > 0)
        setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

const darkQuery = '(prefers-color-scheme: dark)';
function subscribeScheme(onChange: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => undefined;
  const mq = matchMedia(darkQuery);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}
const systemDark = () => typeof matchMedia === 'function' && matchMedia(darkQuery).matches;

/** Whether the dark theme is in force: the user's choice, or the system's when "system". */
export function useDark(): boolean {
  const theme = useMonitorState((s) => s.theme);
  const system = useSyncExternalStore(subscribeScheme, systemDark, () => false);
  return theme === 'dark' || (theme === 'system' && system);
}

/** The colours the canvases and charts draw with. */
export function usePalette(): Palette {
  return useDark() ? DARK : LIGHT;
}

/**
 * Sends a lab command; the status it answers with goes into the store, and a refusal becomes a
 * toast with the host's line. Resolves to whether the command was accepted.
 */
export function useLabCommand(): (command: LabCommandInput) => Promise<boolean> {
  const { client, store } = useMonitor();
  return useCallback(
    async (command: LabCommandInput) => {
      try {
        store.setLabStatus(await client.lab(command));
        return true;
      } catch (err) {
        store.toast('error', `${command.op}: ${errorLine(err)}`);
        return false;
      }
    },
    [client, store],
  );
}

/** Calls `poll` now and every `ms` while `active` and the page is visible. */
export function usePolling(poll: () => void, ms: number, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const tick = () => {
      if (!pageHidden()) poll();
    };
    tick();
    const id = setInterval(tick, ms);
    return () => clearInterval(id);
  }, [poll, ms, active]);
}
