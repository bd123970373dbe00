import { createRequire } from 'node:module';

/*
 * libp2p 3 calls Promise.withResolvers (ES2024), which Node 20 lacks (Node 22 and Electron's
 * Node have it). Import this module for its side effect BEFORE anything from libp2p: it installs
 * core-js's implementation only where the native one is missing, so Node 22 and Electron load
 * nothing. core-js keeps the native Promise; it only adds the static method.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  createRequire(import.meta.url)('core-js/stable/promise/with-resolvers');
}

/*
 * @libp2p/websockets dials with the global WebSocket, which Node has from 22 on (Node 20 only
 * behind a flag). `ws`, which its listener uses anyway, has the same interface.
 */
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
  (globalThis as { WebSocket?: unknown }).WebSocket = createRequire(import.meta.url)('ws');
}

export {};
