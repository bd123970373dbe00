import { join } from 'node:path';
import { resolveParams, DEFAULT_PARAMS, type DriftParams } from '../../src-shared/drift/params';
import { LvsNode, type NodeLog } from '../node/lvs-node';
import { DEFAULT_PERSIST_MS, STORE_FILE } from '../node/store';
import { inspectFile } from '../node/store/safe-file';
import type { NodeSettings } from './settings';

/*
 * The desktop app's personal node: the same LvsNode as `lvs node` (engine in a worker thread),
 * on the app's data folder, which is also `lvs node`'s default --data (paths.ts userDataDir
 * names the folder Electron gives as app.getPath('userData')). The two cannot run on it at once:
 * the store's lock refuses the second, and the monitor shows that refusal.
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
export function personalNodeStarter(opts: PersonalNodeOptions): {
  start(): Promise<LvsNode>;
  /** The node last started (it may have been stopped since). */
  latest(): LvsNode | null;
} {
  let pending: Promise<LvsNode> | null = null;
  let latest: LvsNode | null = null;
  const startOnce = async (): Promise<LvsNode> => {
    const { params, cycleMs } = await storedConfig(opts.dataDir);
    const net = opts.network();
    const node = await LvsNode.start({
      dataDir: opts.dataDir,
      appVersion: opts.appVersion,
      params,
      cycleMs,
      persistMs: DEFAULT_PERSIST_MS,
      host: { host: net.host, port: net.port, mdns: net.mdns },
      genesis: GENESIS,
      log: opts.log,
    });
    if (opts.onBattery()) node.setLowPower(ON_BATTERY, true);
    latest = node;
    return node;
  };
  return {
    start() {
      pending ??= startOnce().finally(() => (pending = null));
      return pending;
    },
    latest: () => latest,
  };
}

/** The low-power reason the shell sets while on battery. */
export const ON_BATTERY = 'on battery';
