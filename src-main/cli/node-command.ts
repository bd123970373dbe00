import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  REACHABILITY_WORDS,
  type NetworkView,
  type NodeStatus,
} from '../../src-shared/api/node-api';
import {
  NEEDS_PEER_DEGREES,
  NODE_WEIGHTINGS,
  NUMERIC_PARAMS,
  WEIGHTINGS,
  type DriftParams,
  type Weighting,
} from '../../src-shared/drift/params';
import { RULES } from '../../src-shared/drift/rules';
import { checkMaxShards, MaxShardsError } from '../../src-shared/drift/shard-rule';
import { MonitorPortError, openCliMonitor, type CliMonitor } from '../monitor/cli-monitor';
import { appVersion } from '../runtime/app-version';
import { defaultRendererDir, pageBuilt } from '../runtime/static-files';
import {
  JOIN_PAGE,
  JoinListenError,
  swarmSettingsOf,
  startJoinServer,
  type JoinServer,
  type JoinServerOptions,
} from '../node/join/join-server';
import { LvsNode, NodeConfigError } from '../node/lvs-node';
import type { DiscoveryOptions } from '../../src-shared/net/discovery';
import type { HostOptions } from '../node/p2p/host';
import { bootstrapProblem, MAX_BOOTSTRAP } from '../node/bootstrap-address';
import { RELAY_LIMITS, RELAY_SERVICE_MODES, type RelayServiceMode } from '../node/p2p/nat';
import { KEY_FILE, KeyFileError, loadOrCreateKey } from '../node/p2p/stable-key';
import {
  DEFAULT_PERSIST_MS,
  StoreError,
  StoreLockedError,
  StoreNewerFormatError,
  StoreNotAFileError,
  STORE_FILE,
  userDataDir,
} from '../node/store';
import { EXIT, ExitError, UsageError } from './errors';
import { BURST_MS, handleStopSignals, signalExitCode } from './signals';
import {
  choiceFlag,
  collectSetting,
  integerFlag,
  numberFlag,
  withDriftOptions,
  driftParamsFromFlags,
} from './flags';
import { createLog, LOG_LEVELS, type CliLog, type LogLevel } from './log';
import { errorMessage } from '../../src-shared/error-message';

/*
 * `lvs node`: a personal LVS node in the foreground. Every flag is checked before anything
 * starts; then the node prints where it listens and a status line every few seconds, and stops
 * gracefully on SIGINT or SIGTERM (final save, peers closed, lock released, exit 0). A second
 * signal during that stop exits at once (130 / 143).
 *
 * `--monitor` serves the web monitor for this node on 127.0.0.1 (src-main/monitor/web-server.ts)
 * and prints its URL, token included, as one log line `monitor: http://127.0.0.1:PORT/?token=...`.
 * Labs started from that page get folders under `<data>/labs/`.
 *
 * `--join-port` serves the join page (src-main/node/join/join-server.ts) on the node's --host, so
 * that a phone on the same network opens it and runs a node in its browser, dialling the node's
 * --ws-port; one log line `join page: http://192.168.1.5:PORT/ ...` says where.
 */

/** The desktop app's name: `--data` defaults to its user-data folder, so both share a node. */
export const APP_NAME = 'LVS Node';

/** The transport key of `--stable-key`, in the data folder (protobuf, mode 0600). */

interface NodeFlags {
  port: number;
  wsPort: number;
  host: string;
  data?: string;
  bootstrap?: string[];
  dimensions: number;
  alpha: number;
  beta: number;
  aggregator: string;
  weights: Weighting;
  cycleMs: number;
  persistMs: number;
  genesis: string;
  mdns: boolean;
  outbound: number;
  stableKey?: boolean;
  logLevel: LogLevel;
  jsonLogs?: boolean;
  statusEvery: number;
  seed?: number;
  set?: Record<string, number>;
  maxShards?: number;
  monitor?: boolean;
  monitorPort?: number;
  joinPort?: number;
  nat: boolean;
  relayService?: RelayServiceMode;
  relayReservations?: number;
  relayLimitS?: number;
  relayLimitMib?: number;
  upnp?: boolean;
}

/** What `lvs node` runs with, every value checked. */
export interface NodeConfig {
  readonly dataDir: string;
  readonly params: DriftParams;
  readonly cycleMs: number;
  readonly persistMs: number;
  readonly genesis: number | number[];
  readonly host: HostOptions & { host: string; port: number };
  readonly discovery: DiscoveryOptions;
  readonly stableKey: boolean;
  readonly logLevel: LogLevel;
  readonly json: boolean;
  readonly statusEveryMs: number;
  readonly seed?: number;
  /** `--max-shards`: the most shards this node holds (absent: K, no cap of its own). */
  readonly maxShards?: number;
  /** `--monitor`: the web monitor's port (0 = any free), or null for none. */
  readonly monitor: { readonly port: number } | null;
  /** `--join-port`: the join page's port (0 = any free) on the node's --host, or null for none. */
  readonly join: { readonly port: number } | null;
}

/** `--host`: an IP address of this machine to listen on. */
function hostFlag(text: string): string {
  if (isIP(text) === 0)
    throw new UsageError(
      `--host must be an IP address to listen on, such as 0.0.0.0, 127.0.0.1 or :: (got "${text}")`,
    );
  return text;
}

/** `--bootstrap <multiaddr>`, repeatable (src-main/node/bootstrap-address.ts). */
function collectBootstrap(text: string, previous: string[] = []): string[] {
  const problem = bootstrapProblem(text);
  if (problem) throw new UsageError(`--bootstrap ${problem}`);
  if (previous.length >= MAX_BOOTSTRAP)
    throw new UsageError(`--bootstrap may be given at most ${MAX_BOOTSTRAP} times`);
  return [...previous, text];
}

/** `--weights`: claimed or uniform, with the reason metropolis is not offered. */
function weightsFlag(text: string): Weighting {
  if ((WEIGHTINGS as readonly string[]).includes(text) && NEEDS_PEER_DEGREES[text as Weighting])
    throw new UsageError(
      `--weights must be one of ${NODE_WEIGHTINGS.join(', ')} (got "${text}": it needs every peer's degree, which a node cannot know)`,
    );
  return choiceFlag('weights', NODE_WEIGHTINGS)(text);
}

/** `--genesis`: one number >= 0 for every component, or d comma-separated numbers >= 0. */
export function parseGenesis(text: string, d: number): number | number[] {
  const form = `one number >= 0, or ${d} comma-separated numbers >= 0 (one per --dimensions)`;
  const values = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (!values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1e12))
    throw new UsageError(`--genesis must be ${form}, each at most 1e12 (got "${text}")`);
  if (values.length === 1) return values[0]!;
  if (values.length !== d)
    throw new UsageError(`--genesis must be ${form} (got ${values.length} numbers)`);
  return values;
}

/** `--data`: a folder, created when the node starts if it does not exist. */
function dataFolder(text: string | undefined): string {
  if (text === undefined) return userDataDir(APP_NAME);
  if (text.trim() === '') throw new UsageError('--data must name a folder (got "")');
  const dir = resolve(text);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`--data ${text} is not a folder; give a folder for the node's data`);
  return dir;
}

/** Turns the parsed flags into the node's configuration; every check happens here. */
export function nodeConfig(flags: NodeFlags): NodeConfig {
  const params = driftParamsFromFlags(flags);
  if (flags.monitorPort !== undefined && flags.monitor !== true)
    throw new UsageError("--monitor-port needs --monitor (it is the web monitor's port)");
  const relayFlags = [
    ['relay-service', flags.relayService],
    ['relay-reservations', flags.relayReservations],
    ['relay-limit-s', flags.relayLimitS],
    ['relay-limit-mib', flags.relayLimitMib],
    ['upnp', flags.upnp],
  ] as const;
  if (flags.wsPort > 0 && flags.wsPort === flags.port)
    throw new UsageError(
      `--ws-port must differ from --port (both ${flags.port}): WebSockets need a port of their own`,
    );
  checkJoinPort(flags);
  const needsNat = relayFlags.find(([, v]) => v !== undefined && v !== false);
  if (!flags.nat && needsNat)
    throw new UsageError(`--${needsNat[0]} needs NAT traversal, which --no-nat turns off`);
  if (flags.relayService === 'off') {
    const bound = relayFlags.slice(1, 4).find(([, v]) => v !== undefined);
    if (bound)
      throw new UsageError(
        `--${bound[0]} bounds the relay service, which --relay-service off turns off`,
      );
  }
  return {
    dataDir: dataFolder(flags.data),
    params,
    cycleMs: flags.cycleMs,
    persistMs: flags.persistMs,
    genesis: parseGenesis(flags.genesis, params.dimensions),
    host: {
      host: flags.host,
      port: flags.port,
      ...(flags.wsPort > 0 ? { webSockets: { port: flags.wsPort } } : {}),
      mdns: flags.mdns,
      targetOutbound: flags.outbound,
      nat: flags.nat,
      // Browser nodes reach each other through the relay of a node they reach over WebSockets:
      // its circuit carries their WebRTC signalling (docs/network.md).
      relayService: flags.relayService ?? (flags.wsPort > 0 ? 'on' : 'auto'),
      relayLimits: {
        maxReservations: flags.relayReservations ?? RELAY_LIMITS.maxReservations,
        durationMs:
          flags.relayLimitS === undefined ? RELAY_LIMITS.durationMs : flags.relayLimitS * 1000,
        dataBytes:
          flags.relayLimitMib === undefined
            ? RELAY_LIMITS.dataBytes
            : Math.round(flags.relayLimitMib * 1024 * 1024),
      },
      upnp: flags.upnp === true,
    },
    discovery: { bootstrap: flags.bootstrap ?? [], targetOutbound: flags.outbound },
    stableKey: flags.stableKey === true,
    logLevel: flags.logLevel,
    json: flags.jsonLogs === true,
    statusEveryMs: Math.round(flags.statusEvery * 1000),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...maxShardsOf(flags, params.shards),
    monitor: flags.monitor === true ? { port: flags.monitorPort ?? 0 } : null,
    join: flags.joinPort === undefined ? null : { port: flags.joinPort },
  };
}

/**
 * `--max-shards`: an integer in 1..K, K from `--set shards=K`; with K = 1 only 1, which caps
 * nothing (a node that holds anything holds the whole state).
 */
function maxShardsOf(flags: NodeFlags, K: number): { maxShards?: number } {
  if (flags.maxShards === undefined) return {};
  try {
    return { maxShards: checkMaxShards(flags.maxShards, K) };
  } catch (err) {
    if (err instanceof MaxShardsError) throw new UsageError(`--max-shards ${err.message}`);
    throw err;
  }
}

/**
 * `--join-port` needs the WebSocket listener (the page it serves is a browser node, and a
 * browser dials only WebSockets), and a port of its own.
 */
function checkJoinPort(flags: NodeFlags): void {
  const join = flags.joinPort;
  if (join === undefined) return;
  if (flags.wsPort === 0)
    throw new UsageError(
      '--join-port needs --ws-port: the browser node it serves dials the node over WebSockets (give --ws-port <n>, 1..65535)',
    );
  if (join === 0) return;
  const taken = [
    ['--port', flags.port],
    ['--ws-port', flags.wsPort],
    ['--monitor-port', flags.monitorPort],
  ].find(([, p]) => p === join);
  if (taken)
    throw new UsageError(
      `--join-port must differ from ${taken[0]} (both ${join}): the join page needs a port of its own`,
    );
}

export function registerNode(program: Command): void {
  withDriftOptions(
    program
      .command('node')
      .description('run a personal LVS node on libp2p in the foreground (stop it with Ctrl-C)'),
  )
    .option(
      '--port <n>',
      'TCP port to listen on; 0 = any free port',
      integerFlag('port', 0, 65535),
      0,
    )
    .option(
      '--ws-port <n>',
      'also listen on WebSockets on this port, for browser nodes; 0 = off',
      integerFlag('ws-port', 0, 65535),
      0,
    )
    .option(
      '--host <ip>',
      'address to listen on (127.0.0.1: this machine only)',
      hostFlag,
      '0.0.0.0',
    )
    .option('--data <dir>', `data folder (default: ${userDataDir(APP_NAME)})`)
    .option(
      '--bootstrap <multiaddr>',
      'an address to join the swarm through, /p2p/<id> optional; dialled again whenever it is lost (repeatable)',
      collectBootstrap,
    )
    .option(
      '--outbound <n>',
      'outbound peers to keep, at most 2 per address group',
      integerFlag('outbound', 1, 32),
      8,
    )
    .option('--weights <w>', 'claimed (DC) or uniform', weightsFlag, 'claimed')
    .option(
      '--cycle-ms <ms>',
      'milliseconds per drift cycle',
      integerFlag('cycle-ms', 10, 3_600_000),
      1000,
    )
    .option(
      '--persist-ms <ms>',
      'save the state at most this often: a crash loses at most this much',
      integerFlag('persist-ms', 10, 600_000),
      DEFAULT_PERSIST_MS,
    )
    .option(
      '--genesis <v>',
      'S of the first node of a swarm: one number, or one per dimension (a,b,...)',
      '100',
    )
    .option('--no-mdns', 'no multicast DNS discovery on the local network')
    .option('--no-nat', 'no NAT traversal: no AutoNAT, relay reservation, relay service or DCUtR')
    .option(
      '--relay-service <mode>',
      'relay for nodes behind NAT: auto (once AutoNAT finds this node reachable), on, off',
      choiceFlag('relay-service', RELAY_SERVICE_MODES),
    )
    .option(
      '--relay-reservations <n>',
      `nodes the relay service relays for at once (default ${RELAY_LIMITS.maxReservations})`,
      integerFlag('relay-reservations', 1, 1024),
    )
    .option(
      '--relay-limit-s <s>',
      `seconds one relayed connection may last (default ${RELAY_LIMITS.durationMs / 1000})`,
      integerFlag('relay-limit-s', 1, 86_400),
    )
    .option(
      '--relay-limit-mib <MiB>',
      `MiB one relayed connection may carry, both ways (default ${RELAY_LIMITS.dataBytes / 2 ** 20})`,
      numberFlag('relay-limit-mib', 0.001, 4096),
    )
    .option('--upnp', "map the node's port on the router by UPnP or NAT-PMP (changes the router)")
    .option(
      '--stable-key',
      `keep the transport key (peer id) across restarts, in <data>/${KEY_FILE}`,
    )
    .option(
      '--log-level <level>',
      LOG_LEVELS.join(', '),
      choiceFlag('log-level', LOG_LEVELS),
      'info',
    )
    .option('--json-logs', 'log JSON lines (pino) instead of compact lines')
    .option(
      '--status-every <s>',
      'seconds between status lines; 0 = none',
      numberFlag('status-every', 0, 86_400),
      5,
    )
    .option(
      '--seed <s>',
      'seed the entropy and the jitter (labs; not for a real node)',
      integerFlag('seed', 0, 2 ** 32 - 1),
    )
    .option('--set <name=value>', 'any other drift parameter (repeatable)', collectSetting)
    .option(
      '--max-shards <n>',
      'the most shards this node holds, 1..K of --set shards=K (default K; docs/shards.md)',
      integerFlag('max-shards', 1, NUMERIC_PARAMS.shards.max),
    )
    .option(
      '--monitor',
      'serve the web monitor on 127.0.0.1 and print its URL (with its access token)',
    )
    .option(
      '--monitor-port <n>',
      "the web monitor's port (with --monitor); 0 = any free port",
      integerFlag('monitor-port', 0, 65535),
    )
    .option(
      '--join-port <n>',
      'serve the join page on this port of --host, for devices on this network to run a node in their browser (needs --ws-port); 0 = any free port',
      integerFlag('join-port', 0, 65535),
    )
    .action(async (flags: NodeFlags) => {
      const config = nodeConfig(flags);
      await runNode(config);
      // Everything is closed: exit once stdout has taken every line, rather than when the
      // event loop runs dry. That natural exit first closes the signal handlers, and a copy of
      // the stop signal relayed by a wrapper (signals.ts) that lands then would end a cleanly
      // stopped node with 128 + n; an explicit exit keeps them to the end, and a stray handle
      // cannot keep the process up either.
      process.stdout.write('', () => process.exit(EXIT.ok));
      setTimeout(() => process.exit(EXIT.ok), 2000).unref();
    });
}

/**
 * Runs the node until SIGINT, SIGTERM or SIGHUP (or, started by npm, until npm's shell is gone),
 * then stops it gracefully. Copies of that signal within a moment are the same request; a later
 * one exits at once (signals.ts).
 */
export async function runNode(config: NodeConfig): Promise<void> {
  const log = createLog({ level: config.logLevel, json: config.json });
  let requestStop: () => void = () => undefined;
  const stopRequested = new Promise<void>((done) => (requestStop = done));
  const signals = handleStopSignals({
    onStop: ({ signal, launcherGone }) => {
      log.info(
        launcherGone
          ? 'the process that started this node is gone: stopping (final save, closing peers)'
          : `${signal}: stopping (final save, closing peers)`,
        { kind: 'stopping', signal, launcherGone },
      );
      requestStop();
    },
    onRepeat: (signal) => log.debug(`${signal} again within ${BURST_MS} ms: the same request`),
    onForce: (signal) => {
      log.warn(`${signal} again: exiting at once, without the final save`);
      log.flush();
      process.exit(signalExitCode(signal));
    },
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  let monitor: CliMonitor | null = null;
  let joinPage: JoinServer | null = null;
  // The join page lists the node's addresses once it runs (none before: no one has its URL yet).
  let running: LvsNode | null = null;
  try {
    // The monitor's port is taken before the node starts: a port in use costs nothing.
    if (config.monitor)
      monitor = await openCliMonitor({
        port: config.monitor.port,
        labsDir: join(config.dataDir, 'labs'),
      }).catch((err: unknown) => {
        throw err instanceof MonitorPortError
          ? new UsageError(err.message)
          : new ExitError(`the monitor could not start: ${oneLine(err)}`, EXIT.failure);
      });
    // Its port too: a port in use costs nothing, and no lock is taken.
    if (config.join)
      joinPage = await openJoinPage(config, {
        addresses: () => running?.addresses() ?? [],
        swarm: () => (running ? swarmSettingsOf(running, config.cycleMs, config.genesis) : null),
      });
    const privateKey = config.stableKey
      ? await loadOrCreateKey(config.dataDir, log).catch((err: unknown) => {
          throw err instanceof KeyFileError ? new ExitError(err.message, EXIT.failure) : err;
        })
      : undefined;
    const node = await LvsNode.start({
      dataDir: config.dataDir,
      appVersion: appVersion(),
      params: config.params,
      cycleMs: config.cycleMs,
      persistMs: config.persistMs,
      host: { ...config.host, ...(privateKey ? { privateKey } : {}) },
      discovery: config.discovery,
      genesis: config.genesis,
      ...(config.seed === undefined ? {} : { seed: config.seed }),
      ...(config.maxShards === undefined ? {} : { maxShards: config.maxShards }),
      // None once the join page closes: no browser is sent to a node that is going away.
      joinUrls: () => joinPage?.urls() ?? null,
      log,
    }).catch((err: unknown) => {
      throw startError(err, config);
    });
    // The exit code, in the log once the node runs: it may run under wrappers (npm, a shell)
    // that report a signal of their own instead, and a supervisor reading --json-logs wants it.
    // (A start failure is one line on stderr, as for every command.)
    process.once('exit', (code) => {
      log.info(`exit code ${code}`, { kind: 'exit', code });
      log.flush();
    });
    node.on('event', (e) =>
      log.debug(`VaultGuard ${e.rule} at cycle ${e.cycle}: ${e.reason}`, {
        kind: 'vaultguard',
        ...e,
      }),
    );
    running = node;
    if (monitor) {
      monitor.host.attachNode(node);
      log.info(`monitor: ${monitor.web.url}`, { kind: 'monitor', url: monitor.web.url });
    }
    if (joinPage) announceJoinPage(log, joinPage);
    if (config.statusEveryMs > 0)
      timer = setInterval(() => logStatus(log, node), config.statusEveryMs);
    const reach = setInterval(announceReachability(log, node), REACHABILITY_CHECK_MS);
    reach.unref();
    await stopRequested;
    clearInterval(timer);
    clearInterval(reach);
    if (joinPage) {
      // No browser is sent to a node that is going away.
      const j = joinPage;
      joinPage = null;
      await j.close();
    }
    if (monitor) {
      // The page first (and any lab started from it), then the node.
      const m = monitor;
      monitor = null;
      m.host.attachNode(null);
      await m.close().catch((err: unknown) => log.warn(`stopping the monitor: ${oneLine(err)}`));
    }
    try {
      await node.stop();
    } catch (err) {
      throw new ExitError(`stopping the node: ${oneLine(err)}`, EXIT.failure);
    }
    const s = node.status();
    log.info(
      `stopped at cycle ${s.cycle}: state saved in ${join(config.dataDir, STORE_FILE)}, peers closed`,
    );
  } finally {
    clearInterval(timer);
    await joinPage?.close();
    await monitor?.close().catch(() => undefined);
    log.flush();
    signals.dispose();
  }
}

/** Opens the join page's listener on the node's address; a port it cannot take is a usage error. */
async function openJoinPage(
  config: NodeConfig,
  node: Pick<JoinServerOptions, 'addresses' | 'swarm'>,
): Promise<JoinServer> {
  const { host } = config.host;
  const port = config.join?.port ?? 0;
  return startJoinServer({
    host,
    port,
    pageDir: defaultRendererDir(JOIN_PAGE),
    ...node,
    version: appVersion(),
  }).catch((err: unknown) => {
    if (!(err instanceof JoinListenError))
      throw new ExitError(`the join page could not start: ${oneLine(err)}`, EXIT.failure);
    switch (err.code) {
      case 'EADDRINUSE':
        throw new UsageError(
          `--join-port ${port} is in use on ${host} by another program; choose another port, or 0 for any free one`,
        );
      case 'EACCES':
        throw new UsageError(
          `--join-port ${port} needs privileges on this system; choose a port above 1023, or 0 for any free one`,
        );
      case 'EADDRNOTAVAIL':
        throw new UsageError(`--host ${host} is not an address of this machine`);
      default:
        throw new ExitError(`the join page could not start: ${err.message}`, EXIT.failure);
    }
  });
}

/** Says where the join page is, in one log line (the node's status shows it too). */
function announceJoinPage(log: CliLog, join: JoinServer): void {
  const urls = join.urls();
  const pageDir = defaultRendererDir(JOIN_PAGE);
  const built = pageBuilt(pageDir, JOIN_PAGE);
  log.info(
    `join page: ${urls.join(' ')} (a phone or laptop on this network opens it to run a node in its browser)`,
    { kind: 'join', urls, port: join.port },
  );
  if (!built)
    log.warn(
      `the join page is not built (no ${JOIN_PAGE} in ${pageDir}): run npm run build; until then it answers 503`,
    );
}

/** `cycle 42 | peers 3 | spread to peers 0.0123 | mode active | VaultGuard: diff-clamp 4`. */
export function statusLine(s: NodeStatus, joined: boolean): string {
  const fired = RULES.filter((r) => s.interventions[r] > 0).map(
    (r) => `${r} ${s.interventions[r]}`,
  );
  return [
    `cycle ${s.cycle}`,
    `peers ${s.peers}`,
    `spread to peers ${s.spreadToPeers === 0 ? '0' : s.spreadToPeers.toPrecision(3)}`,
    `mode ${joined ? s.mode : 'joining'}`,
    `VaultGuard: ${fired.length > 0 ? fired.join(', ') : 'none'}`,
    ...(s.network ? [networkLine(s.network, s.peers)] : []),
  ].join(' | ');
}

/** `reachable relayed | book 12 new, 3 tried | dialling 2 of 5 known addresses`. */
function networkLine(n: NetworkView, peers: number): string {
  const reach = REACHABILITY_WORDS[n.reachability];
  const book = `book ${n.book.new} new, ${n.book.tried} tried`;
  return [reach, book, ...(peers === 0 || n.outbound === 0 ? [n.activity] : [])].join(' | ');
}

/** How often a change of reachability or of the addresses to share is looked for. */
const REACHABILITY_CHECK_MS = 1000;

/**
 * Says, whenever it changes, how others can reach the node and which addresses to give them:
 * `reachable through a relay: give others /ip4/.../p2p-circuit/p2p/...`.
 */
function announceReachability(log: CliLog, node: LvsNode): () => void {
  let last = '';
  return () => {
    const n = node.status().network;
    if (!n) return;
    const key = `${n.reachability} ${n.shareable.join(' ')}`;
    if (key === last) return;
    last = key;
    const words = REACHABILITY_WORDS[n.reachability];
    log.info(n.shareable.length > 0 ? `${words}: give others ${n.shareable.join(' ')}` : words, {
      kind: 'reachability',
      reachability: n.reachability,
      shareable: n.shareable,
    });
  };
}

function logStatus(log: CliLog, node: LvsNode): void {
  const s = node.status();
  log.info(statusLine(s, node.joined), {
    kind: 'status',
    cycle: s.cycle,
    peers: s.peers,
    spreadToPeers: s.spreadToPeers,
    mode: node.joined ? s.mode : 'joining',
    joined: node.joined,
    S: node.state().S,
    // K > 1: which shards S holds (it is 0 outside them).
    ...(s.holds ? { holds: s.holds } : {}),
    interventions: s.interventions,
    uptimeMs: s.uptimeMs,
    ...(s.network ? { network: s.network } : {}),
    ...(s.join ? { join: s.join } : {}),
    ...natStatus(node),
  });
}

/**
 * NAT fields of a status record: `nat` (advertised addresses, the relay service; reachability is
 * in `network`)
 * and `connections` (every open connection, relayed or direct), and `drift` (each drift session's
 * connection and frame counts), for tests and for users wondering how their node is reached.
 */
function natStatus(node: LvsNode): Record<string, unknown> {
  const host = node.p2p;
  const relay = host.libp2p.services.relay;
  return {
    nat: {
      addresses: host.addresses().map(String),
      relayService: relay
        ? { mode: relay.mode, active: relay.active, reservations: relay.reservations }
        : null,
    },
    connections: host.connections(),
    drift: node.peers().map((p) => ({
      peer: p.sessionId,
      addr: p.address,
      framesIn: p.framesIn,
      framesOut: p.framesOut,
    })),
  };
}

/** A start failure as one line: the user's own (exit 2, 3 when the folder is in use) or not (1). */
function startError(err: unknown, config: NodeConfig): Error {
  if (err instanceof StoreLockedError) return new ExitError(err.message, EXIT.inUse);
  if (
    err instanceof StoreNewerFormatError ||
    err instanceof StoreNotAFileError ||
    err instanceof NodeConfigError
  )
    return new UsageError(err.message);
  const { host, port, webSockets } = config.host;
  if (hasCode(err, 'EADDRINUSE')) {
    // The system error says which port it was; --port 0 cannot be in use.
    const wsBusy = webSockets !== undefined && (portOf(err) === webSockets.port || port === 0);
    return new UsageError(
      wsBusy
        ? `--ws-port ${webSockets.port} is in use on ${host} by another program; choose another port`
        : `--port ${port} is in use on ${host} by another program; choose another port, or 0 for any free one`,
    );
  }
  if (hasCode(err, 'EADDRNOTAVAIL'))
    return new UsageError(`--host ${host} is not an address of this machine`);
  if (err instanceof StoreError) return new ExitError(err.message, EXIT.failure);
  if (err instanceof ExitError || err instanceof UsageError) return err;
  return new ExitError(`the node could not start: ${oneLine(err)}`, EXIT.failure);
}

/** The `port` of a system error in the error, its causes or its aggregated errors. */
function portOf(err: unknown, depth = 0): number | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { port?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.port === 'number') return e.port;
  const inner = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const x of inner) {
    const p = portOf(x, depth + 1);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** Whether a system error code appears in the error, its causes or its aggregated errors. */
function hasCode(err: unknown, code: string, depth = 0): boolean {
  if (depth > 5 || typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown; message?: unknown };
  if (e.code === code) return true;
  if (typeof e.message === 'string' && e.message.includes(code)) return true;
  if (hasCode(e.cause, code, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => hasCode(x, code, depth + 1));
}

function oneLine(err: unknown): string {
  const text = errorMessage(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
