import './polyfill';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { identify, identifyPush, type Identify } from '@libp2p/identify';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { uPnPNAT } from '@libp2p/upnp-nat';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, type Libp2p } from 'libp2p';
import { isWebRtcAddr, isWebSocketAddr } from '../../../src-shared/net/address-group';
import { boundedWebSockets } from './websockets';
import { PeerGate } from '../../../src-shared/net/gater';
import {
  autoNATFreshDialBacks,
  connectionView,
  RELAY_LIMITS,
  relayServiceSwitch,
  type ConnectionView,
  type RelayLimits,
  type RelayServiceMode,
  type RelaySwitch,
} from './nat';
import { InboundEvictor, type EvictionPolicy } from './inbound-eviction';
import '../../../src-shared/net/one-write';
import '../../../src-shared/net/lp-empty-read';
import '../../../src-shared/net/yamux-window';

/*
 * The libp2p host of an LVS node: TCP, Noise, Yamux, identify and ping, optional mDNS discovery,
 * connection limits, and the diversity gater. Bootstrap addresses, the address book and peer
 * exchange are the peer manager's (./peer-manager), started by the node on top of the host. It knows nothing of the drift
 * protocol, which is started on top of it (src-shared/protocol).
 *
 * Identity: libp2p makes a fresh Ed25519 transport key at every start unless `privateKey` is
 * given (a user who asks for a stable id), so peers know this node by an ephemeral id only.
 *
 * The connection monitor (libp2p's periodic ping on a new stream per connection) is off by
 * default: it pings every connection of a node in the same tick, with no jitter, which with
 * hundreds of nodes started together in one process stalls the event loop in bursts. The drift
 * protocol sends frames every cycle on its one long-lived stream per peer and closes sessions
 * that stay silent (its idle timeout), and TCP closes sockets idle for two minutes. `pingIntervalMs`
 * turns the monitor back on for a node that wants RTT figures.
 *
 * Yamux's keep-alive is off too: it pinged every connection every 30 s (a 12-byte frame in its own
 * Noise message, 30 bytes each way), only logged a ping that failed, and kept a connection that
 * carries nothing from reaching TCP's idle timeout. The drift frames already flow every cycle.
 * Yamux's window updates come once half a window is used (./yamux-window), not after every frame.
 *
 * NAT traversal (./nat.ts says what each part does and why the relay limits are what they are):
 * a personal node runs AutoNAT, the circuit relay transport with one reservation (`/p2p-circuit`),
 * DCUtR, and a relay service by `relayService`; UPnP only when asked. A lab or test node on
 * loopback (`nat: false`, as in LOOPBACK_LAB) has none of them, exactly as before they existed,
 * but the relay service when `relayService` is `on`: a lab with browser nodes relays their
 * WebRTC signalling, and nothing of the rest would add anything but connections on loopback.
 */

export type HostServices = { identify: Identify; ping: Ping; relay?: RelaySwitch };
export type Libp2pHost = Libp2p<HostServices>;

export interface HostOptions {
  /** Address to listen on; 0.0.0.0 for a personal node, 127.0.0.1 in tests and labs. */
  readonly host?: string;
  /** TCP port; 0 picks a free one. */
  readonly port?: number;
  /**
   * A WebSocket listener for browser nodes on the same address (`/tcp/<port>/ws`; port 0 picks a
   * free one); none when absent. The same host: Noise, the gater, eviction, the drift checks.
   */
  readonly webSockets?: { readonly port: number };
  /** A stable transport key; without it a fresh key is made at every start. */
  readonly privateKey?: PrivateKey;
  /** Multicast DNS discovery on the local network (off unless asked; always off in tests). */
  readonly mdns?: boolean;
  /** Dial peers found by mDNS while fewer than `targetOutbound` outbound peers are open. */
  readonly targetOutbound?: number;
  /**
   * Connections kept at most, inbound and outbound. With inbound eviction on, the evictor keeps
   * inbound ones to `maxConnections - targetOutbound`; otherwise libp2p refuses and prunes above it.
   */
  readonly maxConnections?: number;
  /** Outbound peers allowed per address group (IPv4 /16, IPv6 /32). */
  readonly maxOutboundPerGroup?: number;
  /** Exempt loopback addresses from the group limit (labs on 127.0.0.1). */
  readonly allowLoopbackGroups?: boolean;
  /** New inbound connections accepted per second from one IP (libp2p's limit; 5 by default). */
  readonly inboundConnectionThreshold?: number;
  /** Inbound connections kept at most from one host (IP address); loopback exempt in labs. */
  readonly maxInboundPerHost?: number;
  /** Turns libp2p's connection monitor on with this ping interval; off when absent. */
  readonly pingIntervalMs?: number;
  /**
   * How long a handshake may take, dialling (per address and in all) and answering; libp2p's
   * defaults (6 s per address, 10 s in all, 10 s answering) when absent.
   */
  readonly dialTimeoutMs?: number;
  /** AutoNAT, the circuit relay transport (one reservation) and DCUtR; on unless false. */
  readonly nat?: boolean;
  /** The relay service for others (with `nat`): auto = on once AutoNAT confirms a public address. */
  readonly relayService?: RelayServiceMode;
  /** Bounds of that relay service. */
  readonly relayLimits?: RelayLimits;
  /** Map the listening port on the router by UPnP IGD / NAT-PMP (with `nat`; off by default). */
  readonly upnp?: boolean;
  /**
   * Inbound eviction (./inbound-eviction): inbound slots are `maxConnections - targetOutbound`,
   * and a newcomer beyond them evicts the inbound peer that brings least. On by default; off in
   * LOOPBACK_LAB, whose topology must stay exactly as the lab built it.
   */
  readonly inboundEviction?: boolean;
  /** Changes to the eviction policy's protected shares and thresholds. */
  readonly evictionPolicy?: Partial<EvictionPolicy>;
}

export const HOST_DEFAULTS = {
  host: '0.0.0.0',
  port: 0,
  targetOutbound: 8,
  maxConnections: 64,
  maxOutboundPerGroup: 2,
  allowLoopbackGroups: false,
  inboundConnectionThreshold: 5,
  maxInboundPerHost: 8,
  nat: true,
  relayService: 'auto',
  relayLimits: RELAY_LIMITS,
  upnp: false,
  inboundEviction: true,
} as const;

/**
 * With eviction on, libp2p's own limit sits this far above maxConnections: libp2p refuses an
 * inbound connection at accept time once its limit is reached, before the evictor could weigh it,
 * so it must have room for the newcomers in their handshakes (libp2p lets 10 be pending at once).
 */
export const EVICTION_HEADROOM = 16;

/**
 * Newcomers from a host that already holds its inbound share (`maxInboundPerHost`) let in at once
 * for a visit (InboundEvictor.visitMs): a home router or a carrier's NAT hides many nodes behind
 * one address, and a node whose only known address is this one would otherwise never learn
 * another. Bounded, so a host still holds at most its share plus this many.
 */
export const INBOUND_VISITORS = 2;

/**
 * Options for a node in a loopback lab or a test: 127.0.0.1, a free port, loopback exempt from the
 * group limit, and no per-IP limit on new inbound connections (every lab node shares one IP).
 * Dials may take 20 s: a lab starting on a busy machine handshakes dozens of pairs on one
 * thread, and a dial cut off at libp2p's 6 s throws its finished work away to start again.
 */
export const LOOPBACK_LAB: HostOptions = {
  host: '127.0.0.1',
  port: 0,
  allowLoopbackGroups: true,
  inboundConnectionThreshold: 1_000_000,
  dialTimeoutMs: 20_000,
  nat: false,
  inboundEviction: false,
};

/** A started libp2p node with its gater. */
export interface Host {
  readonly libp2p: Libp2pHost;
  readonly gater: PeerGate;
  /** The inbound evictor, when on: the node tells it what each peer sends (`provide`). */
  readonly inbound: InboundEvictor | undefined;
  readonly peerId: PeerId;
  /** The addresses it listens on, each ending in /p2p/<id>. */
  addresses(): Multiaddr[];
  /** Its open connections: relayed or direct. */
  connections(): ConnectionView[];
  /** Whether its transports can dial an address: never WebRTC, WebSockets only with a listener. */
  dialable(addr: string): boolean;
  stop(): Promise<void>;
}

/** Builds and starts a host. */
export async function createHost(options: HostOptions = {}): Promise<Host> {
  const o = { ...HOST_DEFAULTS, ...options };
  const ip6 = o.host.includes(':');
  const gater = new PeerGate({
    maxOutboundPerGroup: o.maxOutboundPerGroup,
    maxInboundPerHost: o.maxInboundPerHost,
    // Visits need the evictor to end them; without it the share stays a hard limit.
    inboundVisitors: o.inboundEviction ? INBOUND_VISITORS : 0,
    allowLoopbackGroups: o.allowLoopbackGroups,
  });
  const ipPart = `/${ip6 ? 'ip6' : 'ip4'}/${o.host}`;
  const listen = [`${ipPart}/tcp/${o.port}`];
  if (o.webSockets) listen.push(`${ipPart}/tcp/${o.webSockets.port}/ws`);
  // `/p2p-circuit` asks the relay transport for one reservation on a connected relay (js-libp2p
  // finds relays among connected peers whose identify lists the HOP protocol).
  if (o.nat) listen.push('/p2p-circuit');
  const natServices = o.nat
    ? {
        autoNAT: autoNATFreshDialBacks(),
        dcutr: dcutr(),
        // Tells connected peers at once when this node gains an address (a relay reservation, a
        // UPnP mapping, an address AutoNAT confirmed). DCUtR looks again at a relayed peer when
        // identify brings news of it: a UPnP mapping made seconds after the first relayed
        // connections (it always is) still upgrades them. Without the push, never.
        identifyPush: identifyPush(),
        relay: relayServiceSwitch(o.relayService, o.relayLimits),
        // The router's own word on its mapping is trusted: AutoNAT needs four peers to confirm an
        // address, more than a small swarm has. A router whose external address is private
        // (double NAT) is refused by upnp-nat itself.
        ...(o.upnp ? { upnp: uPnPNAT({ autoConfirmAddress: true }) } : {}),
      }
    : options.relayService === 'on'
      ? { relay: relayServiceSwitch('on', o.relayLimits) }
      : {};
  const libp2p = (await createLibp2p({
    ...(o.privateKey ? { privateKey: o.privateKey } : {}),
    addresses: { listen },
    transports: [
      tcp(),
      ...(o.webSockets ? [boundedWebSockets()] : []),
      ...(o.nat ? [circuitRelayTransport()] : []),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    peerDiscovery: o.mdns ? [mdns()] : [],
    services: { identify: identify(), ping: ping(), ...natServices },
    connectionGater: gater,
    connectionManager: {
      maxConnections: o.maxConnections + (o.inboundEviction ? EVICTION_HEADROOM : 0),
      inboundConnectionThreshold: o.inboundConnectionThreshold,
      ...(o.dialTimeoutMs === undefined
        ? {}
        : {
            dialTimeout: o.dialTimeoutMs,
            addressDialTimeout: o.dialTimeoutMs,
            inboundUpgradeTimeout: o.dialTimeoutMs,
          }),
    },
    connectionMonitor:
      o.pingIntervalMs === undefined
        ? { enabled: false }
        : { enabled: true, pingInterval: o.pingIntervalMs },
  })) as Libp2pHost;
  gater.attach(() => libp2p.getConnections());
  const inbound = o.inboundEviction
    ? new InboundEvictor({
        inboundSlots: Math.max(1, o.maxConnections - o.targetOutbound),
        maxInboundPerHost: o.maxInboundPerHost,
        allowLoopbackGroups: o.allowLoopbackGroups,
        ...(o.evictionPolicy ? { policy: o.evictionPolicy } : {}),
        log: (line) => libp2p.logger.forComponent('lvs:eviction')(line),
      })
    : undefined;
  inbound?.attach(libp2p);

  if (o.mdns) {
    libp2p.addEventListener('peer:discovery', (evt) => {
      const peer = evt.detail.id;
      const outbound = libp2p.getConnections().filter((c) => c.direction === 'outbound').length;
      if (outbound >= o.targetOutbound || libp2p.getConnections(peer).length > 0) return;
      // The gater refuses a full group; a failed dial is normal and needs no report.
      libp2p.dial(peer).catch(() => undefined);
    });
  }

  return {
    libp2p,
    gater,
    inbound,
    peerId: libp2p.peerId,
    addresses: () => libp2p.getMultiaddrs(),
    connections: () => libp2p.getConnections().map(connectionView),
    dialable: (addr) =>
      !isWebRtcAddr(addr) && (o.webSockets !== undefined || !isWebSocketAddr(addr)),
    stop: async () => {
      inbound?.detach();
      await libp2p.stop();
    },
  };
}

/** Parses a multiaddr given as text (for the CLI and tests). */
export function toMultiaddr(address: string | Multiaddr): Multiaddr {
  return typeof address === 'string' ? multiaddr(address) : address;
}
