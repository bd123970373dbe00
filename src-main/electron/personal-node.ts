import { join } from 'node:path';
import type { SwarmSettings } from '../../src-shared/api/join-info';
import { resolveParams, DEFAULT_PARAMS, type DriftParams } from '../../src-shared/drift/params';
import {
  JOIN_PAGE,
  startJoinServer,
  swarmSettingsOf,
  type JoinServer,
} from '../node/join/join-server';
import { LvsNode, type NodeLog } from '../node/lvs-node';
import { defaultRendererDir } from '../runtime/static-files';
import { DEFAULT_PERSIST_MS, STORE_FILE } from '../node/store';
import { inspectFile } from '../node/store/safe-file';
import type { NodeSettings } from './settings';

/*
 * The desktop app's personal node: the same LvsNode as `lvs node` (engine in a worker thread),
 * on the app's data folder, which is also `lvs node`'s default --data (paths.ts userDataDir
 * names the folder Electron gives as app.getPath('userData')). The two cannot run on it at once:
 * the store's lock refuses the second, and the monitor shows that refusal.
 *
 * It joins a swarm as `lvs node` does: its address book and peer exchange, the bootstrap
 * addresses and mDNS of settings.json, and (unless `node.browsers` is null) a WebSocket listener
 * with the relay service for browser nodes, and the app's join page for them.
 */

export const CYCLE_MS = 1000;
export const GENESIS = 100;

export interface PersonalNodeOptions {
  readonly dataDir: string;
  readonly appVersion: string;
  readonly log: NodeLog;
  /** Where the node listens, read at each start. */
  readonly network: () => NodeSettings;
  /** Whether the machine runs on battery now (a new node starts in low-power mode then). */
  readonly onBattery: () => boolean;
  /** Where devices open the app's join page now (startAppJoinPage), for the node's status. */
  readonly joinUrls?: () => readonly string[] | null;
}

/**
 * The parameters and period the node last ran with (its store keeps them, changed from the
 * monitor or by `lvs node` flags), so that a restart keeps them; the defaults for a new folder or
 * an unreadable store (the node itself then reports and recovers the store).
 */
export async function storedConfig(
  dataDir: string,
): Promise<{ params: DriftParams; cycleMs: number }> {
  try {
    const found = await inspectFile(join(dataDir, STORE_FILE));
    if (found.kind === 'ok') {
      const { params, cycleMs } = found.doc.config;
      return { params: resolveParams(params), cycleMs: cycleMs ?? CYCLE_MS };
    }
  } catch {
    // unreadable: the node's own start reports it
  }
  return { params: DEFAULT_PARAMS, cycleMs: CYCLE_MS };
}

/**
 * The MonitorHost's startNode factory. One start at a time: a second call while one is under
 * way (the tray and the window at once) gets the same node rather than a lock error.
 */
export interface PersonalNodeStarter {
  start(): Promise<LvsNode>;
  /** The node last started (it may have been stopped since). */
  latest(): LvsNode | null;
  /** The running node's addresses (join.json lists its WebSocket ones) and swarm settings. */
  offer(): { addresses: string[]; swarm: SwarmSettings } | null;
}

export function personalNodeStarter(opts: PersonalNodeOptions): PersonalNodeStarter {
  let pending: Promise<LvsNode> | null = null;
  let latest: { node: LvsNode; cycleMs: number } | null = null;
  const startOnce = async (): Promise<LvsNode> => {
    const { params, cycleMs } = await storedConfig(opts.dataDir);
    const net = opts.network();
    const node = await LvsNode.start({
      dataDir: opts.dataDir,
      appVersion: opts.appVersion,
      params,
      cycleMs,
      persistMs: DEFAULT_PERSIST_MS,
      host: {
        host: net.host,
        port: net.port,
        mdns: net.mdns,
        // Browser nodes reach each other through the relay of a node they reach over
        // WebSockets: its circuit carries their WebRTC signalling (docs/network.md).
        ...(net.browsers
          ? { webSockets: { port: net.browsers.wsPort }, relayService: 'on' as const }
          : {}),
      },
      discovery: { bootstrap: [...net.bootstrap] },
      genesis: GENESIS,
      ...(opts.joinUrls ? { joinUrls: opts.joinUrls } : {}),
      log: opts.log,
    });
    if (opts.onBattery()) node.setLowPower(ON_BATTERY, true);
    latest = { node, cycleMs };
    return node;
  };
  return {
    start() {
      pending ??= startOnce().finally(() => (pending = null));
      return pending;
    },
    latest: () => latest?.node ?? null,
    offer() {
      if (!latest || latest.node.stopped) return null;
      return {
        addresses: latest.node.addresses(),
        swarm: swarmSettingsOf(latest.node, latest.cycleMs, GENESIS),
      };
    },
  };
}

/**
 * The app's join page, on `node.host` at `node.browsers.joinPort`: it lives as long as the app
 * and offers the personal node while that runs (its WebSocket addresses and settings in
 * join.json); while the node is stopped, join.json lists no address and the page says it cannot
 * join. What it exposes, and why that is safe: docs/network.md, "The join page".
 */
export function startAppJoinPage(
  starter: Pick<PersonalNodeStarter, 'offer'>,
  o: { readonly host: string; readonly port: number; readonly version: string },
): Promise<JoinServer> {
  return startJoinServer({
    host: o.host,
    port: o.port,
    pageDir: defaultRendererDir(JOIN_PAGE),
    addresses: () => starter.offer()?.addresses ?? [],
    swarm: () => starter.offer()?.swarm ?? null,
    version: o.version,
  });
}

/** The low-power reason the shell sets while on battery. */
export const ON_BATTERY = 'on battery';
