import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  checkMonitorRequest,
  scenarioInfo,
  type AppInfo,
  type AppRequest,
  type LabSetup,
  type MonitorPush,
  type ScenarioInfo,
} from '../../src-shared/api/monitor-api';
import type { LoggedEvent, NodeSnapshot } from '../../src-shared/api/node-api';
import { DEFAULT_PARAMS, resolveParams } from '../../src-shared/drift/params';
import { labCapacity, type LabCapacity, type Machine } from '../../src-shared/lab/capacity';
import { applyOverrides, type Scenario } from '../../src-shared/lab/scenario';
import { fileStamp } from '../node/store/safe-file';
import { Lab } from '../lab/lab';
import { browserNodes, noBrowserNodesReason } from '../lab/browser-tabs';
import { listScenarios, loadScenario } from '../lab/scenario-file';
import { labOptionsFor, runScenario } from '../lab/scenario-run';
import { DEFAULT_RECORDINGS_MB, keepRecordingsUnder } from '../lab/recording-retention';
import type { LvsNode } from '../node/lvs-node';
import { thisMachine } from '../runtime/machine';
import { errorMessage } from '../../src-shared/error-message';

/*
 * What a monitor talks to: the personal node and the lab of one process (the Electron main
 * process, or `lvs node|lab --monitor`), behind the one checked monitor API. Every request is
 * checked here before it reaches the node or the lab (which check it again), and every refusal
 * is one line. Snapshots and events of both are pushed to every subscriber.
 */

export interface MonitorHostOptions {
  readonly shell: 'electron' | 'web';
  readonly appVersion: string;
  /** Where labs started from the monitor get their folders (one new folder per lab). */
  readonly labsDir: string;
  /** Starts the personal node (absent: the monitor cannot start one). */
  readonly startNode?: () => Promise<LvsNode>;
  /** Worker threads per lab (default: one per core). */
  readonly workers?: number;
  /** What the lab's machine has (default: this one); it sets the largest lab a monitor may start. */
  readonly machine?: Machine;
  /**
   * The recordings of labs in labsDir are kept under this many MB after each lab the host
   * stops, the oldest removed first (recording-retention.ts). Default DEFAULT_RECORDINGS_MB.
   */
  readonly recordingsMb?: number;
  /**
   * Where shipped scenarios come from (default: resources/scenarios, scenario-file.ts). A test
   * gives shortened copies here, so that the guided tour runs in seconds.
   */
  readonly scenarios?: ScenarioSource;
  /** The Chromium that runs a lab's browser nodes (default DEFAULT_CHROMIUM, as `lvs lab`). */
  readonly chromium?: string;
  /** The built renderer holding the browser nodes' page (default: this install's, as `lvs lab`). */
  readonly pageDir?: string;
}

/** The scenarios a monitor may run by name. */
export interface ScenarioSource {
  list(): Promise<string[]>;
  /** Throws a one-line error for a name it does not have. */
  load(name: string): Promise<Scenario>;
}

const SHIPPED: ScenarioSource = { list: listScenarios, load: loadScenario };

/** A request the host refuses: one line for the window. */
export class MonitorError extends Error {
  override readonly name = 'MonitorError';
}

/** The largest recording handed to a monitor in one answer (a longer run: export from disk). */
const MAX_RECORDING_BYTES = 64 * 1024 * 1024;

export class MonitorHost {
  private node: LvsNode | null = null;
  private lab: Lab | null = null;
  private lastRecording: string | null = null;
  private scenario: {
    name: string;
    startedAt: number;
    totalS: number;
    stop: AbortController;
  } | null = null;
  private readonly listeners = new Set<(push: MonitorPush) => void>();
  private readonly detach: Array<() => void> = [];
  private labDetach: Array<() => void> = [];
  /** How the caller that started the lab stops it when the monitor asks (attachLab). */
  private labStop: (() => void) | null = null;
  /** Whether the host started the lab or the node itself (and so stops them). */
  private ownsLab = false;
  private ownsNode = false;
  /** Lab start and stop one at a time: a second start waits for the first. */
  private labQueue: Promise<unknown> = Promise.resolve();

  private readonly capacity: LabCapacity;
  private readonly source: ScenarioSource;

  constructor(private readonly opts: MonitorHostOptions) {
    this.capacity = labCapacity(opts.machine ?? thisMachine());
    this.source = opts.scenarios ?? SHIPPED;
  }

  /** Serves this node (a node the caller started and will stop), or none. */
  attachNode(node: LvsNode | null): void {
    for (const off of this.detach.splice(0)) off();
    this.node = node;
    if (node) {
      const onSnap = (snapshot: NodeSnapshot) => this.push({ kind: 'node-snapshot', snapshot });
      const onEvent = (event: LoggedEvent) => this.push({ kind: 'node-event', event });
      node.on('snapshot', onSnap);
      node.on('event', onEvent);
      this.detach.push(
        () => node.off('snapshot', onSnap),
        () => node.off('event', onEvent),
      );
    }
    this.pushInfo();
  }

  /**
   * Serves this lab (one the caller started and will stop), or none. `stop` is how the caller
   * stops it when the monitor's user asks (`stop-lab`): the caller ends its run as it would at
   * its end (`lvs lab` summarises and exits). Without it, `stop-lab` is refused for this lab.
   */
  attachLab(lab: Lab | null, stop?: () => void): void {
    for (const off of this.labDetach.splice(0)) off();
    this.lab = lab;
    this.labStop = lab ? (stop ?? null) : null;
    if (lab) {
      this.labDetach.push(
        lab.onSnapshot((snapshot) => this.push({ kind: 'lab-snapshot', snapshot })),
        lab.onEvent((event) => this.push({ kind: 'lab-event', event })),
      );
    }
    this.pushInfo();
  }

  subscribe(listener: (push: MonitorPush) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  info(): AppInfo {
    const s = this.scenario;
    return {
      version: this.opts.appVersion,
      shell: this.opts.shell,
      node: this.node?.status() ?? null,
      lab: this.lab?.status() ?? null,
      scenario: s
        ? {
            name: s.name,
            elapsedS: Math.min(s.totalS, (Date.now() - s.startedAt) / 1000),
            totalS: s.totalS,
          }
        : null,
      defaults: DEFAULT_PARAMS,
      capacity: this.capacity,
      browserNodes: this.browserNodes(),
    };
  }

  /**
   * Whether browser nodes can run here. Looked at each time (two file checks): a page built or
   * a Chromium installed while the host runs is offered at the next info.
   */
  private browserNodes(): AppInfo['browserNodes'] {
    const reason = noBrowserNodesReason(browserNodes(0, this.opts.chromium, this.opts.pageDir));
    return reason === null ? { ok: true } : { ok: false, reason };
  }

  /** The monitor API: checks the request, then answers it. Throws one-line errors. */
  async handle(raw: unknown): Promise<unknown> {
    const v = checkMonitorRequest(raw);
    if (!v.ok) throw new MonitorError(v.reason);
    const { target, request } = v.value;
    if (target === 'app') return this.app(request);
    if (target === 'node') {
      if (!this.node) throw new MonitorError('no personal node is running: start it first');
      return this.node.handle(request);
    }
    if (!this.lab) throw new MonitorError('no lab is running: start one first');
    return this.lab.handle(request);
  }

  /** Stops what the host started itself (a lab from the monitor; a node from startNode). */
  async close(): Promise<void> {
    this.scenario?.stop.abort();
    await this.labQueue.catch(() => undefined);
    await this.stopOwnLab();
    if (this.ownsNode) await this.stopOwnNode();
    this.listeners.clear();
  }

  private async app(req: AppRequest): Promise<unknown> {
    switch (req.op) {
      case 'info':
        return this.info();
      case 'scenarios':
        return this.scenarios();
      case 'start-lab':
        return this.serialLab(() => this.startLab(req.setup, null));
      case 'run-scenario':
        return this.serialLab(async () => {
          const scenario = await this.source.load(req.name).catch((err: unknown) => {
            throw new MonitorError(errorMessage(err));
          });
          const s = req.nodes ? applyOverrides(scenario, { nodes: req.nodes }) : scenario;
          return this.startLab(null, s);
        });
      case 'stop-lab':
        await this.serialLab(() => this.stopLab());
        return this.info();
      case 'recording':
        return this.recording();
      case 'start-node':
        return this.startOwnNode();
      case 'stop-node':
        if (!this.ownsNode) throw new MonitorError('the personal node was not started here');
        await this.stopOwnNode();
        return this.info();
    }
  }

  private serialLab<T>(work: () => Promise<T>): Promise<T> {
    const run = this.labQueue.then(work);
    this.labQueue = run.catch(() => undefined);
    return run;
  }

  private async startLab(setup: LabSetup | null, scenario: Scenario | null) {
    if (this.lab && !this.ownsLab)
      throw new MonitorError(
        this.labStop
          ? 'a lab started from the command line is running: stop it first'
          : 'this lab was started from the command line; stop it there',
      );
    const nodes = scenario ? scenario.lab.nodes : setup!.nodes;
    const { maxNodes, reason } = this.capacity;
    if (nodes > maxNodes)
      throw new MonitorError(
        `${nodes} nodes is more than this machine is sized for: at most ${maxNodes} (${reason})`,
      );
    const browsers = setup?.browsers === undefined ? null : this.browsersFor(setup.browsers);
    await this.stopOwnLab();
    const dir = join(this.opts.labsDir, `lab-${fileStamp(new Date())}`);
    const workers = this.opts.workers === undefined ? {} : { workers: this.opts.workers };
    const options = scenario
      ? labOptionsFor(scenario, { dir, appVersion: this.opts.appVersion, ...workers })
      : {
          nodes: setup!.nodes,
          topology: setup!.topology,
          seed: setup!.seed,
          cycleMs: setup!.cycleMs,
          params: checkedParams(setup!.params),
          initial: { min: 40, max: 60 },
          dir,
          epsilon: setup!.epsilon,
          appVersion: this.opts.appVersion,
          ...workers,
          ...(browsers ? { browsers } : {}),
          ...(setup!.capped ? { capped: setup!.capped } : {}),
        };
    const lab = await Lab.start(options).catch((err: unknown) => {
      throw new MonitorError(errorMessage(err));
    });
    this.ownsLab = true;
    this.attachLab(lab);
    if (scenario) this.runTimeline(lab, scenario);
    return lab.status();
  }

  /** A lab's browser nodes from this host's Chromium and page, refused before anything stops. */
  private browsersFor(count: number) {
    const setup = browserNodes(count, this.opts.chromium, this.opts.pageDir);
    const reason = noBrowserNodesReason(setup);
    if (reason) throw new MonitorError(reason);
    return setup;
  }

  private runTimeline(lab: Lab, scenario: Scenario): void {
    const stop = new AbortController();
    this.scenario = {
      name: scenario.name,
      startedAt: Date.now(),
      totalS: scenario.durationS,
      stop,
    };
    // The lab was announced a moment ago without it: the page's header names it now, not at
    // the next change.
    this.pushInfo();
    runScenario(lab, scenario, { signal: stop.signal })
      .catch((err: unknown) =>
        this.push({
          kind: 'lab-event',
          event: { type: 'error', t: lab.now(), message: `scenario: ${errorMessage(err)}` },
        }),
      )
      .finally(() => {
        if (this.scenario?.stop === stop) this.scenario = null;
        this.pushInfo();
      });
  }

  /** Stops the lab: its own, or the caller's through the caller (which must have said how). */
  private async stopLab(): Promise<void> {
    if (!this.lab || this.ownsLab) return this.stopOwnLab();
    const stop = this.labStop;
    if (!stop)
      throw new MonitorError(
        'this lab was started by another program that cannot be told to stop it; stop it there',
      );
    this.attachLab(null);
    stop();
  }

  private async stopOwnLab(): Promise<void> {
    const lab = this.lab;
    if (!lab || !this.ownsLab) return;
    this.scenario?.stop.abort();
    this.scenario = null;
    this.attachLab(null);
    this.ownsLab = false;
    this.lastRecording = await lab.stop();
    // A removal that fails leaves files behind (disk, not correctness); the next stop tries again.
    await keepRecordingsUnder(
      this.opts.labsDir,
      (this.opts.recordingsMb ?? DEFAULT_RECORDINGS_MB) * 2 ** 20,
      this.lastRecording ? [this.lastRecording] : [],
    ).catch(() => undefined);
    this.pushInfo();
  }

  private async startOwnNode() {
    if (this.node) return this.node.status();
    if (!this.opts.startNode) throw new MonitorError('this monitor cannot start a node');
    const node = await this.opts.startNode().catch((err: unknown) => {
      throw new MonitorError(errorMessage(err));
    });
    this.ownsNode = true;
    this.attachNode(node);
    return node.status();
  }

  private async stopOwnNode(): Promise<void> {
    const node = this.node;
    if (!node) return;
    this.attachNode(null);
    this.ownsNode = false;
    await node.stop();
  }

  private async scenarios(): Promise<ScenarioInfo[]> {
    const out: ScenarioInfo[] = [];
    for (const name of await this.source.list()) {
      const s = await this.source.load(name).catch(() => null);
      if (s) out.push(scenarioInfo(name, s));
    }
    return out;
  }

  private async recording(): Promise<{ name: string; text: string } | null> {
    const path = this.lab?.recordingPath ?? this.lastRecording;
    if (!path) return null;
    const bytes = await readFile(path);
    const text = path.endsWith('.gz')
      ? gunzipSync(bytes, { maxOutputLength: MAX_RECORDING_BYTES })
      : bytes;
    if (text.byteLength > MAX_RECORDING_BYTES)
      throw new MonitorError(
        `the recording is over ${MAX_RECORDING_BYTES / 2 ** 20} MB; take it from ${path}`,
      );
    return { name: basename(path).replace(/\.gz$/, ''), text: text.toString('utf8') };
  }

  private push(p: MonitorPush): void {
    for (const l of this.listeners) {
      try {
        l(p);
      } catch {
        // a failing listener (a closed socket) must not stop the others
      }
    }
  }

  private pushInfo(): void {
    if (this.listeners.size > 0) this.push({ kind: 'app', info: this.info() });
  }
}

function checkedParams(patch: Record<string, unknown>) {
  try {
    return resolveParams(patch);
  } catch (err) {
    throw new MonitorError(errorMessage(err));
  }
}
