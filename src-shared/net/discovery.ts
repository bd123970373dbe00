import { AddressBook, type AddressBookSnapshot } from './address-book';
import type { Libp2p } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { PeerGate } from './gater';
import { PeerExchange, type PexBad } from '../protocol/pex-protocol';
import { PEER_MANAGER_DEFAULTS, PeerManager } from './peer-manager';
import { networkView } from './reachability';
import type { NetworkView } from '../api/node-api';
import { unrefTimer } from '../timers';

/*
 * A personal node's discovery: its address book (kept in the node's store, so a restarted node
 * finds its peers again without any bootstrap), peer exchange to fill it, and the peer manager
 * that dials from it. A lab's nodes run none of this: their links are the lab's topology.
 */

export interface DiscoveryOptions {
  /** Multiaddr texts, with or without /p2p/<id> (docs/network.md). */
  readonly bootstrap?: readonly string[];
  /** Outbound peers to keep (default 8). */
  readonly targetOutbound?: number;
}

/** What discovery needs of a host: libp2p, its gater (groups, deny list), its addresses. */
export interface DiscoveryHost {
  readonly libp2p: Libp2p;
  readonly gater: PeerGate;
  addresses(): Multiaddr[];
  /** Whether its transports can dial an address (see PeerManagerOptions.dialable). */
  dialable?(addr: string): boolean;
}

export interface DiscoveryDeps {
  readonly host: DiscoveryHost;
  /** The snapshot kept in the store, if any (checked here: a bad one costs only its entries). */
  readonly stored: unknown;
  /** Keeps a snapshot in the store (the store coalesces its writes). */
  readonly save: (snapshot: AddressBookSnapshot) => void;
  /** A peer sent a bad peer-exchange message: its trust is lowered as for a bad drift frame. */
  readonly onBad: (bad: PexBad) => void;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
}

/** How often a changed book is handed to the store. */
const SAVE_EVERY_MS = 15_000;

export class Discovery {
  private saver: ReturnType<typeof setInterval> | undefined;

  private constructor(
    readonly book: AddressBook,
    readonly exchange: PeerExchange,
    readonly manager: PeerManager,
    private readonly save: (snapshot: AddressBookSnapshot) => void,
    private readonly host: DiscoveryHost,
    private readonly targetOutbound: number,
  ) {}

  static async start(options: DiscoveryOptions, deps: DiscoveryDeps): Promise<Discovery> {
    const { host } = deps;
    const loaded = deps.stored === undefined ? undefined : AddressBook.fromJSON(deps.stored);
    const book =
      loaded?.book ?? new AddressBook({ secret: crypto.getRandomValues(new Uint8Array(16)) });
    if (loaded?.problem) deps.warn(`address book in the store: ${loaded.problem}`);
    if (loaded && loaded.dropped > 0)
      deps.warn(`address book in the store: dropped ${loaded.dropped} damaged entries`);
    // The exchange and the manager need each other: the exchange asks the manager what to
    // advertise and where to put what it learns; the manager asks peers through the exchange.
    const exchange: PeerExchange = new PeerExchange({
      advertise: (peer): string[] => manager.advertise(peer),
      learned: (peer, source, addrs): void => manager.learned(peer, source, addrs),
      log: deps.log,
    });
    // Called only once the exchange is started below, when `manager` exists.
    const manager: PeerManager = new PeerManager({
      libp2p: host.libp2p,
      book,
      exchange,
      ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
      ...(options.targetOutbound === undefined ? {} : { targetOutbound: options.targetOutbound }),
      maxOutboundPerGroup: host.gater.options.maxOutboundPerGroup,
      groups: host.gater.options,
      outboundGroups: () => host.gater.outboundGroups(),
      ...(host.dialable ? { dialable: (addr: string) => host.dialable!(addr) } : {}),
      log: deps.log,
    });
    exchange.addEventListener('pex:bad', (e) => deps.onBad(e.detail));
    await exchange.start(host);
    if (loaded?.freshSecret) manager.markChanged();
    const target = options.targetOutbound ?? PEER_MANAGER_DEFAULTS.targetOutbound;
    const discovery = new Discovery(book, exchange, manager, deps.save, host, target);
    manager.start();
    discovery.saver = setInterval(() => discovery.persist(), SAVE_EVERY_MS);
    unrefTimer(discovery.saver);
    return discovery;
  }

  view(): NetworkView {
    return networkView(
      this.host.addresses(),
      this.manager.status(),
      this.targetOutbound,
      Date.now(),
    );
  }

  /** Hands the book to the store if it changed. */
  persist(): void {
    if (this.manager.takeChanged()) this.save(this.book.toJSON());
  }

  async stop(): Promise<void> {
    this.halt();
    await this.exchange.stop();
    this.persist();
  }

  /** Stops dialling and saving at once, saving nothing more (a crash). */
  halt(): void {
    clearInterval(this.saver);
    this.manager.stop();
  }
}
