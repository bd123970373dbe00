import type { Host } from './connection';

/** The desktop app's host: the preload's bridge (`window.lvs`), which is always connected. */
export function electronHost(bridge: LvsBridge): Host {
  return {
    api: {
      request: (req) => bridge.request(req),
      subscribe: (listener) => bridge.subscribe(listener),
    },
    shell: 'electron',
    state: () => ({ kind: 'electron' }),
    onState: () => () => undefined,
    close: () => undefined,
  };
}
