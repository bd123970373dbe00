import { accept, refuse, type Checked } from '../checked';
import { resolveParams, type DriftParams } from '../drift/params';
import { errorMessage } from '../error-message';
import { AddressError, isWebSocketAddr, parseAddr } from '../net/address-group';

/*
 * What a desktop node's join listener tells a browser that opens its page (GET /join.json): where
 * to dial it, and the swarm's settings a new node must share to be let in (its dimension and
 * cycle are in every HELLO; its genesis is the state the swarm's first node started from). The
 * page trusts none of it blindly: it comes over the network, so it is checked here, bounded like
 * a peer-exchange answer.
 */

export interface JoinInfo {
  /** WebSocket multiaddrs of the node, each ending in /p2p/<id>, the best guess first. */
  readonly addresses: readonly string[];
  /** The swarm's drift parameters. */
  readonly params: DriftParams;
  readonly cycleMs: number;
  /** S of the swarm's very first node, one value per dimension. */
  readonly genesis: readonly number[];
  /** The LVS Node version that serves it. */
  readonly version: string;
}

/**
 * What a browser node must share with the swarm, as join.json carries it: the drift parameters
 * that differ from the defaults (as a store keeps them), the cycle, the genesis state.
 */
export type SwarmSettings = Pick<JoinInfo, 'cycleMs' | 'genesis'> & {
  readonly params: Readonly<Record<string, unknown>>;
};

/** join.json as the listener writes it; the settings are absent until the node runs. */
export type JoinDocument = Pick<JoinInfo, 'addresses' | 'version'> & Partial<SwarmSettings>;

export const JOIN_LIMITS = {
  maxAddresses: 16,
  maxAddressLength: 256,
  minCycleMs: 10,
  maxCycleMs: 3_600_000,
  maxGenesis: 1e12,
  maxVersionLength: 64,
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a join document as the page received it. */
export function checkJoinInfo(raw: unknown): Checked<JoinInfo> {
  const L = JOIN_LIMITS;
  if (!isRecord(raw)) return refuse('join info must be a JSON object');
  const { addresses, params, cycleMs, genesis, version } = raw;
  if (
    !Array.isArray(addresses) ||
    addresses.length === 0 ||
    addresses.length > L.maxAddresses ||
    !addresses.every(
      (a) => typeof a === 'string' && a.startsWith('/') && a.length <= L.maxAddressLength,
    )
  )
    return refuse(
      `join info: addresses must be 1 to ${L.maxAddresses} multiaddrs of at most ${L.maxAddressLength} characters`,
    );
  for (const a of addresses as string[]) {
    const parsed = parseAddr(a);
    if (parsed instanceof AddressError) return refuse(`join info: ${parsed.message}`);
  }
  // A page dials WebSockets only: without one such address it could join nobody.
  if (!(addresses as string[]).some(isWebSocketAddr))
    return refuse('join info: none of its addresses is a WebSocket one (/ws or /wss)');
  let resolved: DriftParams;
  try {
    resolved = resolveParams(params ?? {});
  } catch (err) {
    return refuse(`join info: ${errorMessage(err)}`);
  }
  if (
    typeof cycleMs !== 'number' ||
    !Number.isInteger(cycleMs) ||
    cycleMs < L.minCycleMs ||
    cycleMs > L.maxCycleMs
  )
    return refuse(`join info: cycleMs must be an integer in ${L.minCycleMs}..${L.maxCycleMs}`);
  if (
    !Array.isArray(genesis) ||
    genesis.length !== resolved.dimensions ||
    !genesis.every(
      (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= L.maxGenesis,
    )
  )
    return refuse(
      `join info: genesis must be ${resolved.dimensions} numbers in 0..${L.maxGenesis} (one per dimension)`,
    );
  if (typeof version !== 'string' || version.length > L.maxVersionLength)
    return refuse(`join info: version must be text of at most ${L.maxVersionLength} characters`);
  return accept({
    addresses: addresses as string[],
    params: resolved,
    cycleMs,
    genesis: genesis as number[],
    version,
  });
}
