import { autoNAT, type AutoNATComponents, type AutoNATServiceInit } from '@libp2p/autonat';
import { circuitRelayServer, type CircuitRelayService } from '@libp2p/circuit-relay-v2';
import type { Connection, Startable } from '@libp2p/interface';
import { isMultiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { isPublicDirect } from '../../../src-shared/net/reachability';

/*
 * NAT traversal for a personal node, with libp2p's own parts (host.ts wires them in):
 *
 * - AutoNAT asks peers to dial back the addresses this node believes are public; four
 *   successes confirm an address (libp2p's rule), and only confirmed addresses are advertised.
 * - The circuit relay v2 transport, listening on `/p2p-circuit`: the node reserves a slot on one
 *   connected peer that offers the relay (HOP) protocol and advertises the relayed address
 *   `<relay>/p2p-circuit/p2p/<self>`, so a node behind NAT can be reached at all.
 * - The relay service (a circuit relay v2 server) on a node that others can reach: `on`, `off`,
 *   or `auto`, which starts it the first time AutoNAT confirms a public address. It is bounded:
 *   few reservations, and each relayed connection limited in time and bytes (RELAY_LIMITS).
 * - DCUtR upgrades a relayed connection to a direct one where a direct dial can work.
 * - UPnP IGD / NAT-PMP port mapping (`--upnp`), off by default: it changes the user's router.
 *
 * The relay limits are chosen for drift traffic. A drift session sends one cycle frame each way
 * per cycle: 56 to 59 bytes with Yamux and Noise at d = 2 (docs/protocol.md), so at 200 ms about
 * 600 bytes a second both ways, 2 MB an hour; at 10 ms cycles or a large d, twenty times that.
 * libp2p's defaults (128 KiB and 2 minutes per relayed connection, both directions counted
 * together) would cut a session at 200 ms within two minutes (measured: a relay allowing 32 KiB
 * cut one after 40 s, session start included). The defaults here keep one relayed session for
 * 30 minutes, which at 200 ms uses about 1 MB of its 64 MiB (the bytes bound only matters for
 * fast cycles or large d): long enough for DCUtR to move it to a direct connection where one is
 * possible; where none is, the relay closes it after 30 minutes and the peer is dialled again
 * through the relay (a new relayed connection starts fresh limits). Relays are volunteers: a node
 * that relays for others spends at most maxReservations x 64 MiB per half hour on them.
 */

/** Bounds a relay service puts on what it relays. */
export interface RelayLimits {
  /** Reservations (nodes behind NAT it relays for) held at once. */
  readonly maxReservations: number;
  /** How long one relayed connection may stay open, in ms. */
  readonly durationMs: number;
  /** Bytes one relayed connection may carry, both directions together. */
  readonly dataBytes: number;
}

export const RELAY_LIMITS: RelayLimits = {
  maxReservations: 32,
  durationMs: 30 * 60_000,
  dataBytes: 64 * 1024 * 1024,
};

export type RelayServiceMode = 'auto' | 'on' | 'off';
export const RELAY_SERVICE_MODES = ['auto', 'on', 'off'] as const satisfies RelayServiceMode[];

export type { Reachability } from '../../../src-shared/api/node-api';

/** One open connection as the status shows it. */
export interface ConnectionView {
  readonly peer: string;
  readonly addr: string;
  /** Not through a relay. */
  readonly direct: boolean;
  /** A relay limits it (bytes or time). */
  readonly limited: boolean;
  readonly direction: 'inbound' | 'outbound';
}

export function connectionView(c: Connection): ConnectionView {
  const addr = c.remoteAddr.toString();
  return {
    peer: c.remotePeer.toString(),
    addr,
    direct: !addr.includes('/p2p-circuit'),
    limited: c.limits !== undefined,
    direction: c.direction,
  };
}

/**
 * AutoNAT whose dial-backs open a fresh connection. js-libp2p's AutoNAT (v1, @libp2p/autonat
 * 3.0.28) serves a peer's "dial me back at X" by `openConnection(X)` and then closes what it got;
 * when this node already has a connection to X (it dialled that peer, as every node dials its
 * relay), openConnection returns that very connection: the check passes without any dial-back,
 * and the connection the node was using (its drift session, its relay reservation) is closed
 * under it. Measured in tests/net: a node's first connection to its public relay died 0.1 s after
 * identify, every time. Forcing a new connection for a dial-back to one address makes the check
 * a real one and leaves the existing connection alone; the drift protocol opens no second
 * session on such a short-lived connection (drift-protocol.ts, openOn).
 */
export function autoNATFreshDialBacks(init: AutoNATServiceInit = {}) {
  const factory = autoNAT(init);
  return (components: AutoNATComponents): unknown => {
    const manager = components.connectionManager;
    const fresh = new Proxy(manager, {
      get(target, key) {
        if (key === 'openConnection') {
          const open: AutoNATComponents['connectionManager']['openConnection'] = (peer, options) =>
            target.openConnection(peer, isMultiaddr(peer) ? { ...options, force: true } : options);
          return open;
        }
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    return factory(
      new Proxy(components, {
        get: (target, key) =>
          key === 'connectionManager' ? fresh : (Reflect.get(target, key) as unknown),
      }),
    );
  };
}

type ServerComponents = Parameters<ReturnType<typeof circuitRelayServer>>[0];
type RelayServer = CircuitRelayService & Startable;

/** What `services.relay` exposes. */
export interface RelaySwitch {
  readonly mode: RelayServiceMode;
  /** Whether the relay service is running. */
  readonly active: boolean;
  /** Reservations it holds now. */
  readonly reservations: number;
}

/**
 * The relay service, started when its mode says: at once (`on`), never (`off`), or the first
 * time this node advertises a confirmed public address (`auto`). libp2p builds services once, at
 * createLibp2p, and a stopped relay server cannot be started again (its shutdown signal stays
 * aborted), so this service builds the real server only when it is needed, and keeps it running
 * until the node stops: a node that loses its public address later keeps relaying for the
 * reservations it gave, which simply fail once nobody can reach it.
 */
export class RelayServiceSwitch implements Startable, RelaySwitch {
  private server: RelayServer | undefined;
  private started = false;

  constructor(
    private readonly components: ServerComponents & {
      events: EventTarget;
      addressManager: { getAddresses(): Multiaddr[] };
    },
    readonly mode: RelayServiceMode,
    private readonly limits: RelayLimits,
  ) {}

  readonly [Symbol.toStringTag] = 'lvs:relay-service';

  get active(): boolean {
    return this.server !== undefined;
  }

  get reservations(): number {
    return this.server?.reservations.size ?? 0;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.mode === 'on') await this.enable();
    else if (this.mode === 'auto')
      this.components.events.addEventListener('self:peer:update', this.check);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.components.events.removeEventListener('self:peer:update', this.check);
    const server = this.server;
    this.server = undefined;
    await server?.stop();
  }

  private readonly check = (): void => {
    if (this.server || !this.started) return;
    if (!this.components.addressManager.getAddresses().some(isPublicDirect)) return;
    this.components.events.removeEventListener('self:peer:update', this.check);
    // A relay that cannot start leaves the node as it was: a node without a relay service.
    this.enable().catch(() => undefined);
  };

  private async enable(): Promise<void> {
    if (this.server) return;
    const server = circuitRelayServer({
      reservations: {
        maxReservations: this.limits.maxReservations,
        defaultDurationLimit: this.limits.durationMs,
        defaultDataLimit: BigInt(this.limits.dataBytes),
        applyDefaultLimit: true,
      },
    })(this.components) as RelayServer;
    this.server = server;
    await server.start();
  }
}

export function relayServiceSwitch(mode: RelayServiceMode, limits: RelayLimits) {
  return (components: ConstructorParameters<typeof RelayServiceSwitch>[0]): RelaySwitch =>
    new RelayServiceSwitch(components, mode, limits);
}
