import type { LabSnapshot, LabStatus, NodeSample } from '../../../src-shared/api/lab-api';
import type { AppInfo, MonitorPush, MonitorRequest } from '../../../src-shared/api/monitor-api';
import { DEFAULT_PARAMS } from '../../../src-shared/drift/params';
import { RULES, type RuleName } from '../../../src-shared/drift/rules';
import type { ConnectionState, Host } from '../../../src-renderer/api/connection';

/**
 * An in-memory host for component tests: records every request, answers through `answer`
 * (a test replaces it), and lets the test push snapshots and events.
 */
export class FakeHost implements Host {
  readonly shell = 'web' as const;
  readonly requests: MonitorRequest[] = [];
  private readonly listeners = new Set<(push: MonitorPush) => void>();
  private current: ConnectionState = { kind: 'open' };
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  labStatus: LabStatus | null = null;
  /** What info says of browser nodes (absent: nothing, as a host that cannot tell). */
  browserNodes: AppInfo['browserNodes'] | undefined;
  answer: (req: MonitorRequest) => unknown = (req) => this.defaultAnswer(req);

  readonly api = {
    request: (req: MonitorRequest): Promise<unknown> => {
      this.requests.push(req);
      return Promise.resolve().then(() => this.answer(req));
    },
    subscribe: (listener: (push: MonitorPush) => void) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };

  state(): ConnectionState {
    return this.current;
  }
  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
  setState(s: ConnectionState): void {
    this.current = s;
    for (const l of this.stateListeners) l(s);
  }
  close(): void {}

  push(push: MonitorPush): void {
    for (const l of this.listeners) l(push);
  }

  /** Requests to one target, as sent. */
  sent(target: MonitorRequest['target']): unknown[] {
    return this.requests.filter((r) => r.target === target).map((r) => r.request);
  }

  info(): AppInfo {
    return {
      version: '0.1.0',
      shell: 'web',
      node: null,
      lab: this.labStatus,
      scenario: null,
      defaults: DEFAULT_PARAMS,
      ...(this.browserNodes ? { browserNodes: this.browserNodes } : {}),
    };
  }

  defaultAnswer(req: MonitorRequest): unknown {
    const op = (req.request as { op: string }).op;
    if (req.target === 'app') {
      if (op === 'info') return this.info();
      if (op === 'scenarios') return [];
      if (op === 'recording') return null;
      throw new Error(`no answer for app ${op}`);
    }
    if (req.target === 'lab') {
      if (!this.labStatus) throw new Error('no lab is running: start one first');
      if (op === 'events') return [];
      if (op === 'snapshot') return { status: this.labStatus, metrics: null, samples: [] };
      if (op === 'pause') this.labStatus = { ...this.labStatus, paused: true };
      if (op === 'resume') this.labStatus = { ...this.labStatus, paused: false };
      return this.labStatus;
    }
    throw new Error('no personal node is running: start it first');
  }
}

const zeroCounts = (): Record<RuleName, number> =>
  Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>;

export function labStatus(over: Partial<LabStatus> = {}): LabStatus {
  return {
    running: true,
    paused: false,
    nodes: 4,
    up: 4,
    seed: 1,
    topology: 'ring:2',
    cycleMs: 200,
    params: DEFAULT_PARAMS,
    partition: null,
    cut: [],
    groups: [],
    epsilon: 0.5,
    dir: '/tmp/lab-1',
    startedAt: 1_700_000_000_000,
    ...over,
  };
}

export function sample(slot: number, peers: number[], over: Partial<NodeSample> = {}): NodeSample {
  return {
    slot,
    kind: 'node',
    condition: 'up',
    liar: null,
    cycle: 10,
    S: [50 + slot, 50 - slot],
    D: [0.1, -0.1],
    earned: slot,
    peers,
    framesOut: 0,
    framesIn: 0,
    bytesOut: 0,
    bytesIn: 0,
    interventions: zeroCounts(),
    ...over,
  };
}

/** A snapshot at time t of the given samples, with a spread and distances. */
export function snapshot(
  status: LabStatus,
  samples: NodeSample[],
  t: number,
  spread = 1.5,
): LabSnapshot {
  return {
    status,
    samples,
    metrics: {
      t,
      cycle: Math.round(t / 200),
      counted: samples.length,
      spread,
      maxDistance: spread * 2,
      mean: [50, 50],
      distances: samples.map((s) => s.slot * 0.5),
      groups: [],
      framesPerNodeS: 10,
      bytesPerNodeS: 800,
      interventions: zeroCounts(),
    },
  };
}
