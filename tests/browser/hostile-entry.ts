/*
 * The hostile browser peer's page script, bundled for Debian's Chromium by
 * tests/browser/hostile-browser.test.ts: hostile drift peers (./hostile-peer.ts) with WebSockets
 * as their one transport, all a page has to reach a desktop node. The test calls these by name.
 */
import { webSockets } from '@libp2p/websockets';
import { HostilePeers, type Attack, type Connected } from './hostile-peer';

const peers = new HostilePeers(() => ({
  transports: [webSockets()],
  // libp2p's browser default refuses plain ws:// and private addresses; a page on the desktop
  // node's network dials it at a private address without TLS, as the browser node does.
  connectionGater: { denyDialMultiaddr: () => false },
}));

/** Node.js globals the page has (none: this is a browser). */
export const nodeGlobals = (): string[] => {
  const g = globalThis as Record<string, unknown>;
  return ['process', 'Buffer', 'require', '__dirname'].filter((k) => k in g);
};

export const connect = (address: string, d: number, cycleMs: number): Promise<Connected> =>
  peers.connect(address, d, cycleMs);
export const send = (peerId: string, attack: Attack, i: number, oversizeBytes: number) =>
  peers.send(peerId, attack, i, oversizeBytes);
export const flood = (peerId: string, frames: number) => peers.flood(peerId, frames);
export const state = (peerId: string) => peers.state(peerId);
export const redial = (peerId: string, address: string) => peers.redial(peerId, address);
export const stopAll = () => peers.stopAll();
