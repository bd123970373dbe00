import type { JoinInfo } from '../../src-shared/api/join-info';
import { Discovery } from '../../src-shared/net/discovery';
import {
  changedParams,
  checkStoredDimensions,
  NodeCore,
  type NodeLog,
} from '../../src-shared/node/node-core';
import { createBrowserHost, type BrowserHost } from './host';
import { IdbStore, type IdbOpened } from './idb-store';
import { startWebWorkerEngine } from './web-worker-engine';

/*
 * A micro-node in a web page: the node core every node runs (src-shared/node), with a libp2p
 * host of WebSockets and WebRTC (./host), its store in IndexedDB (./idb-store), its drift engine
 * in a Web Worker (./engine-worker), and the desktop node's discovery: the address book, peer
 * exchange and outbound slots across groups (src-shared/net). Nothing of the drift rule or the
 * protocol is the browser's own.
 */

export interface BrowserNodeOptions {
  /** The node's name in this browser: its IndexedDB database (one page at a time holds it). */
  readonly name: string;
  /** The swarm's settings and the desktop nodes to dial first. */
  readonly join: JoinInfo;
  readonly appVersion: string;
  readonly log: NodeLog;
  /** Exempt loopback addresses from the group limit (a page served from this machine). */
  readonly allowLoopbackGroups: boolean;
  readonly iceServers?: readonly RTCIceServer[];
  /** Outbound peers to keep (default 8). */
  readonly targetOutbound?: number;
  readonly persistMs?: number;
}

export class BrowserNode {
  private constructor(
    readonly core: NodeCore,
    readonly host: BrowserHost,
    readonly opened: IdbOpened,
  ) {}

  /** Opens the store (refused while another tab holds this node), starts host, core and cycle. */
  static async start(o: BrowserNodeOptions): Promise<BrowserNode> {
    const { join, log } = o;
    const opened = await IdbStore.open(o.name, {
      appVersion: o.appVersion,
      log: (line) => log.warn(line),
      ...(o.persistMs === undefined ? {} : { persistMs: o.persistMs }),
      fresh: { config: { params: changedParams(join.params), cycleMs: join.cycleMs } },
    });
    const { store } = opened;
    if (opened.notice) log.warn(opened.notice);
    let host: BrowserHost | undefined;
    try {
      checkStoredDimensions(store.data, join.params.dimensions, `this browser's node ${o.name}`);
      host = await createBrowserHost({
        allowLoopbackGroups: o.allowLoopbackGroups,
        ...(o.iceServers ? { iceServers: o.iceServers } : {}),
      });
      const h = host;
      const core = await NodeCore.create(
        { params: join.params, cycleMs: join.cycleMs, genesis: join.genesis, log },
        {
          host: h,
          store,
          startEngine: startWebWorkerEngine,
          network: (node) =>
            Discovery.start(
              {
                bootstrap: join.addresses,
                ...(o.targetOutbound === undefined ? {} : { targetOutbound: o.targetOutbound }),
              },
              {
                host: h,
                stored: store.data.addressBook,
                save: (snapshot) =>
                  store.update((doc) => {
                    doc.addressBook = snapshot;
                  }),
                onBad: (bad) => node.penalise(bad.peerId),
                log: (line) => log.debug(line),
                warn: (line) => log.warn(line),
              },
            ),
        },
      );
      const stored = store.data.state;
      if (stored.cycle > 0 && core.joined)
        log.info(`resumed cycle ${stored.cycle} from this browser's store`);
      return new BrowserNode(core, h, opened);
    } catch (err) {
      await host?.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** Leaves the swarm: no new cycle, a final save, peers closed, the store released. */
  leave(): Promise<void> {
    return this.core.stop();
  }
}
