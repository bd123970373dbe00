import {
  MAX_ADD_NODES,
  MAX_LAB_BROWSERS,
  MAX_LAB_NODES,
  tooManyBrowsers,
} from '@shared/api/lab-api';
import type { AppInfo, LabSetupInput } from '@shared/api/monitor-api';
import type { Checked } from '@shared/checked';
import {
  AGGREGATORS,
  NUMERIC_PARAMS,
  ParamError,
  resolveParams,
  type Aggregator,
  type DriftParams,
} from '@shared/drift/params';
import { CappedNodesError, checkCappedNodes, type CappedNodes } from '@shared/sim/shard-book';
import { parseTopology, TopologyError } from '@shared/sim/topology';

/*
 * Client-side checks of what the user types, so that most mistakes get their one line before a
 * request is sent. The host checks everything again and its line is shown when it refuses.
 */

/** A refusal names the field it is about, so that the form can mark that field. */
export type FieldChecked<T> = Checked<T, { readonly field: string }>;

function whole(field: string, text: string, min: number, max: number): FieldChecked<number> {
  const t = text.trim();
  if (!/^\d+$/.test(t))
    return { ok: false, field, reason: `${field} must be a whole number in ${min}..${max}` };
  const v = Number(t);
  if (v < min || v > max)
    return { ok: false, field, reason: `${field} must be in ${min}..${max} (got ${v})` };
  return { ok: true, value: v };
}

export interface StartForm {
  readonly nodes: string;
  readonly topology: string;
  readonly seed: string;
  readonly cycleMs: string;
  /** Of the nodes, how many are browser nodes (absent or empty: none). */
  readonly browsers?: string;
  /** d, the state's components (absent or empty: the default). */
  readonly dimensions?: string;
  /** K, the shards the state is split into (absent or empty: 1, one whole state). */
  readonly shards?: string;
  /** Nodes of small capacity as "share:most shards", e.g. "0.5:1" (absent or empty: none). */
  readonly capped?: string;
}

/** The largest lab the host's machine is sized for, and why (AppInfo.capacity). */
export interface NodeLimit {
  readonly maxNodes: number;
  readonly reason: string;
}

/**
 * The start-lab form as a lab setup, or the first field that is wrong. `limit`: the host
 * machine's (the lab API's own MAX_LAB_NODES when the host does not say). `browserNodes`: whether
 * the host can run browser nodes (AppInfo.browserNodes; absent: the host decides). Browser nodes
 * are sent only when there are some, so that a lab of Node.js nodes never needs Chromium.
 */
export function checkStartForm(
  form: StartForm,
  limit?: NodeLimit,
  browserNodes?: AppInfo['browserNodes'],
): FieldChecked<LabSetupInput> {
  const nodes = whole('nodes', form.nodes, 2, limit?.maxNodes ?? MAX_LAB_NODES);
  if (!nodes.ok)
    return limit && Number(form.nodes.trim()) > limit.maxNodes
      ? { ...nodes, reason: `${nodes.reason}: the most this machine carries (${limit.reason})` }
      : nodes;
  const topology = form.topology.trim();
  try {
    parseTopology(topology, 8);
  } catch (err) {
    if (err instanceof TopologyError) return { ok: false, field: 'topology', reason: err.message };
    throw err;
  }
  const seed = whole('seed', form.seed, 0, 2 ** 32 - 1);
  if (!seed.ok) return seed;
  const cycleMs = whole('cycle', form.cycleMs, 20, 60_000);
  if (!cycleMs.ok) return cycleMs;
  const browsers = checkBrowsers(form.browsers ?? '', nodes.value, browserNodes);
  if (!browsers.ok) return browsers;
  const sharding = checkSharding(form);
  if (!sharding.ok) return sharding;
  return {
    ok: true,
    value: {
      nodes: nodes.value,
      topology,
      seed: seed.value,
      cycleMs: cycleMs.value,
      ...(browsers.value > 0 ? { browsers: browsers.value } : {}),
      ...sharding.value,
    },
  };
}

/** The form's d, K and capped nodes as the lab setup's params and capped (docs/shards.md). */
function checkSharding(
  form: StartForm,
): FieldChecked<{ params?: { dimensions?: number; shards?: number }; capped?: CappedNodes }> {
  const params: { dimensions?: number; shards?: number } = {};
  for (const name of ['dimensions', 'shards'] as const) {
    const text = form[name]?.trim() ?? '';
    if (text === '') continue;
    const v = whole(name, text, NUMERIC_PARAMS[name].min, NUMERIC_PARAMS[name].max);
    if (!v.ok) return v;
    params[name] = v.value;
  }
  let K: number;
  try {
    K = resolveParams(params).shards;
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    return {
      ok: false,
      field: err.params.find((n) => n in params) ?? 'shards',
      reason: err.message,
    };
  }
  const text = form.capped?.trim() ?? '';
  const value = Object.keys(params).length > 0 ? { params } : {};
  if (text === '') return { ok: true, value };
  const m = /^(\d*\.?\d+):(\d+)$/.exec(text);
  const capped = m ? { share: Number(m[1]), shards: Number(m[2]) } : null;
  if (!capped || capped.share > 1)
    return {
      ok: false,
      field: 'capped',
      reason: `capped nodes must be share:shards, a share in 0..1 and the most shards each holds, such as 0.5:1 (got "${text}")`,
    };
  try {
    checkCappedNodes(capped, K);
  } catch (err) {
    if (!(err instanceof CappedNodesError)) throw err;
    const reason =
      err.fault === 'shards-one'
        ? 'capped nodes need shards above 1: with one shard every node holds the whole state'
        : `capped nodes' shards ${err.message}`;
    return { ok: false, field: 'capped', reason };
  }
  return { ok: true, value: { ...value, capped } };
}

/** The form's browser nodes: 0..MAX_LAB_BROWSERS, fewer than the nodes, and only where they run. */
function checkBrowsers(
  text: string,
  nodes: number,
  browserNodes: AppInfo['browserNodes'],
): FieldChecked<number> {
  if (text.trim() === '') return { ok: true, value: 0 };
  const browsers = whole('browser nodes', text, 0, MAX_LAB_BROWSERS);
  if (!browsers.ok || browsers.value === 0) return browsers;
  const tooMany = tooManyBrowsers(browsers.value, nodes);
  if (tooMany) return { ok: false, field: 'browser nodes', reason: `browser nodes: ${tooMany}` };
  if (browserNodes && !browserNodes.ok)
    return { ok: false, field: 'browser nodes', reason: browserNodes.reason };
  return browsers;
}

/** The Add nodes control's count (the lab checks its kind: browser nodes only where it can). */
export function checkAddNodes(text: string): FieldChecked<number> {
  return whole('count', text, 1, MAX_ADD_NODES);
}

export interface ParamsForm {
  readonly alpha: string;
  readonly beta: string;
  readonly aggregator: string;
  readonly trimF: string;
}

export type ParamsPatch = {
  alpha?: number;
  beta?: number;
  aggregator?: Aggregator;
  trimF?: number;
};

/** trimmed(F)'s F as typed, held to the parameter table's range (src-shared/drift/params.ts). */
export function checkTrimF(text: string): FieldChecked<number> {
  return whole('trimF', text, NUMERIC_PARAMS.trimF.min, NUMERIC_PARAMS.trimF.max);
}

/** The parameters form as a patch over `current` (only what changed), checked like the node. */
export function checkParamsForm(form: ParamsForm, current: DriftParams): FieldChecked<ParamsPatch> {
  const patch: ParamsPatch = {};
  for (const name of ['alpha', 'beta'] as const) {
    const text = form[name].trim();
    const v = Number(text);
    if (text === '' || !Number.isFinite(v))
      return { ok: false, field: name, reason: `${name} must be a number` };
    if (v !== current[name]) patch[name] = v;
  }
  if (!(AGGREGATORS as readonly string[]).includes(form.aggregator))
    return {
      ok: false,
      field: 'aggregator',
      reason: `aggregator must be one of ${AGGREGATORS.join(', ')}`,
    };
  if (form.aggregator !== current.aggregator) patch.aggregator = form.aggregator as Aggregator;
  if (form.aggregator === 'trimmed') {
    const f = checkTrimF(form.trimF);
    if (!f.ok) return f;
    if (f.value !== current.trimF) patch.trimF = f.value;
  }
  try {
    resolveParams(patch, current);
  } catch (err) {
    if (err instanceof ParamError) {
      // The field of the form that the error names (a relation names two: the one typed here).
      const field = err.params.find((name) => name in patch) ?? 'params';
      return { ok: false, field, reason: err.message };
    }
    throw err;
  }
  return { ok: true, value: patch };
}

const BOOTSTRAP_EXAMPLE = '/ip4/192.168.1.7/tcp/4001';

function ip4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * A bootstrap address's shape: /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>, /p2p/<peer id> optional. Null when
 * it looks right, else one line saying what is wrong.
 */
export function checkMultiaddr(text: string): string | null {
  const a = text.trim();
  if (a === '') return `enter an address such as ${BOOTSTRAP_EXAMPLE}`;
  if (a.length > 512) return 'an address is at most 512 characters';
  const m =
    /^\/(ip4|ip6|dns|dns4|dns6)\/([^/\s]+)\/tcp\/(\d{1,5})(?:\/p2p\/([1-9A-HJ-NP-Za-km-z]{40,64}|b[a-z2-7]{50,64}))?$/.exec(
      a,
    );
  if (!m) {
    if (!a.startsWith('/')) return `an address starts with / : ${BOOTSTRAP_EXAMPLE}`;
    if (!/\/tcp\/\d+(\/|$)/.test(a))
      return `the address needs /tcp/<port>, such as ${BOOTSTRAP_EXAMPLE}`;
    return `not an address of the form ${BOOTSTRAP_EXAMPLE} (optionally ending in /p2p/<peer id>)`;
  }
  const [, proto, host, port] = m;
  if (proto === 'ip4' && !ip4(host)) return `${host} is not an IPv4 address`;
  if (proto === 'ip6' && !/^[0-9a-fA-F:.]+$/.test(host)) return `${host} is not an IPv6 address`;
  if (Number(port) < 1 || Number(port) > 65535) return `port ${port} is not in 1..65535`;
  return null;
}

/** A vector typed as "1, 2.5, 3": exactly `d` numbers >= 0. */
export function parseVector(text: string, d: number, field: string): FieldChecked<number[]> {
  const parts = text
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const values = parts.map(Number);
  if (parts.length !== d)
    return { ok: false, field, reason: `${field} needs ${d} numbers (got ${parts.length})` };
  if (values.some((v) => !Number.isFinite(v) || v < 0))
    return { ok: false, field, reason: `${field} must be numbers >= 0` };
  return { ok: true, value: values };
}

/** A number in [min, max] typed in a field. */
export function parseNumber(
  text: string,
  field: string,
  min: number,
  max: number,
): FieldChecked<number> {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max)
    return { ok: false, field, reason: `${field} must be a number in ${min}..${max}` };
  return { ok: true, value: v };
}
