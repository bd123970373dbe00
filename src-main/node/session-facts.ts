import type { SessionInfo } from '../../src-shared/protocol';
import type { PeerFacts } from './p2p/inbound-eviction';

/**
 * What a drift session tells the host's inbound evictor (p2p/inbound-eviction.ts) about its peer;
 * `trust` is the node's, when it has one. The node passes these through the evictor's `provide`,
 * so neither the p2p layer nor the protocol depends on the other.
 */
export function sessionFacts(info: SessionInfo, trust?: number): PeerFacts {
  return {
    peerId: info.peerId,
    lastUsefulFrameAt: info.lastUsefulAt,
    framesIn: info.counters.framesIn,
    badFrames: Object.values(info.counters.badFrames).reduce((a, b) => a + b, 0),
    trust,
  };
}
