import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { identify, identifyPush } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { webRTC } from '@libp2p/webrtc';
import { webSockets } from '@libp2p/websockets';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { isRelayedOnly, isWebRtcAddr, isWebSocketAddr } from '../../src-shared/net/address-group';
import { PeerGate } from '../../src-shared/net/gater';
import { selfAddresses } from '../../src-shared/net/self-addresses';
// The desktop host's wire fixes (one WebSocket message per Noise message, Yamux window updates
// by halves, a Noise read that ends without an exception): without the first two a page sent four
// WebSocket messages per drift frame (docs/protocol.md).
import '../../src-shared/net/one-write';
import '../../src-shared/net/lp-empty-read';
import '../../src-shared/net/yamux-window';
import type { CoreHost } from '../../src-shared/node/node-core';

/*
 * A browser node's libp2p host. A browser cannot listen on a port, so it is reached in two ways:
 *
 * - It dials desktop nodes over WebSockets (their `--ws-port`).
 * - It reserves a slot on one desktop node's circuit relay (`/p2p-circuit`) and listens for
 *   WebRTC (`/webrtc`): another browser dials `<relay>/p2p-circuit/webrtc/p2p/<id>`, the two
 *   exchange their SDP offer, answer and ICE candidates over that relayed stream, and then talk
 *   over a direct WebRTC data channel. The relay only carries the signalling.
 *
 * The same gater as the desktop node's (src-shared/net/gater.ts) holds the deny list the drift
 * protocol fills and the group limits. Its dial check replaces libp2p's browser default, which
 * refuses private addresses and plain `ws://`: a browser node on a home network joins a desktop
 * node on that network, at a private address, without TLS.
 *
 * No STUN server unless one is given: a third party would learn of every browser node, and the
 * swarm promises none. Without one, WebRTC uses the browsers' own (host) addresses: two browsers
 * on one network, or with public addresses, link directly; others keep talking through desktop
 * nodes.
 */

export interface BrowserHostOptions {
  /** Peers this node dials at most, and the connections it keeps. */
  readonly maxConnections?: number;
  /** Outbound peers allowed per address group (IPv4 /16, IPv6 /32). */
  readonly maxOutboundPerGroup?: number;
  /** Inbound (WebRTC) connections from one IP address (default 8; a lab's all share one). */
  readonly maxInboundPerHost?: number;
  /** Exempt loopback addresses from the group limit: a page served from this machine's loopback. */
  readonly allowLoopbackGroups: boolean;
  /** ICE servers for WebRTC (none by default, see above). */
  readonly iceServers?: readonly RTCIceServer[];
}

export interface BrowserHost extends CoreHost {
  readonly libp2p: Libp2p;
  readonly gater: PeerGate;
  addresses(): Multiaddr[];
  /** WebSockets and WebRTC (through a relay it reaches over WebSockets); never TCP. */
  dialable(addr: string): boolean;
}

export async function createBrowserHost(o: BrowserHostOptions): Promise<BrowserHost> {
  const maxConnections = o.maxConnections ?? 32;
  const gater = new PeerGate({
    maxOutboundPerGroup: o.maxOutboundPerGroup ?? 2,
    // A browser accepts only WebRTC connections, each from a peer it agreed to signal with.
    maxInboundPerHost: o.maxInboundPerHost ?? 8,
    allowLoopbackGroups: o.allowLoopbackGroups,
  });
  const libp2p = await createLibp2p({
    addresses: {
      // The relay reservation ('/p2p-circuit') is what WebRTC signalling goes through, but a page
      // is dialled by WebRTC or not at all (docs/network.md): its plain relayed address is not
      // announced, so no node, told of it at second hand by peer exchange without its WebRTC
      // twin, dials the page through the relay for good.
      listen: ['/p2p-circuit', '/webrtc'],
      announceFilter: (addrs) => addrs.filter((a) => !isRelayedOnly(a.toString())),
    },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers: [...(o.iceServers ?? [])] } }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    services: { identify: identify(), identifyPush: identifyPush() },
    connectionGater: gater,
    connectionManager: { maxConnections },
    connectionMonitor: { enabled: false },
  });
  gater.attach(() => libp2p.getConnections());
  // The relayed connection that carried a WebRTC connection's signalling has done its work once
  // the WebRTC one is open (drift never runs on a relayed, limited connection). Closed, it no
  // longer holds a circuit on the relay, which keeps few for everyone.
  libp2p.addEventListener('connection:open', ({ detail: opened }) => {
    if (!isWebRtcAddr(opened.remoteAddr.toString())) return;
    for (const c of libp2p.getConnections(opened.remotePeer))
      if (isRelayedOnly(c.remoteAddr.toString()))
        c.close().catch((err: unknown) =>
          c.abort(err instanceof Error ? err : new Error(String(err))),
        );
  });
  return {
    libp2p,
    gater,
    // A page listens on no wildcard address, so every change to its addresses is announced.
    addresses: selfAddresses(libp2p),
    // A relayed address names the relay's transport first: /ws there means a relay this page
    // can reach; what follows /p2p-circuit (WebRTC or nothing) is how it then reaches the peer.
    dialable: isWebSocketAddr,
    stop: async () => {
      await libp2p.stop();
    },
  };
}
