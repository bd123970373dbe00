import { resolveParams } from '../drift/params';
import { agreement, massFailure, oneNode, partialFailures } from './agreement-checks';
import { catastrophicLoss, drain, majority, medianMinority, sybil, zeroing } from './attack-checks';
import type { CheckSize, ClaimOutcome } from './outcome';
import { oneNodeSharded } from './shard-checks';

/**
 * The checks the simulator answers, by the id of their row in docs/claims.md (which holds the
 * verdict each must give; src-main/cli/claims-lab.ts answers the rows about the network).
 */
export const SIM_CHECKS: Readonly<Record<string, (size: CheckSize) => ClaimOutcome>> = {
  'agreement-alpha-zero': (size) => agreement(0, size),
  'agreement-alpha': (size) => agreement(resolveParams({}).alpha, size),
  'partial-failures': partialFailures,
  'sybil-mean': (size) => sybil('mean', 1, size),
  'sybil-trimmed': (size) => sybil('trimmed', 1, size),
  'sybil-trimmed-outnumbered': (size) => sybil('trimmed', 3, size),
  'majority-attack': majority,
  'median-minority': medianMinority,
  drain,
  'catastrophic-loss': catastrophicLoss,
  zeroing,
  'mass-failure': massFailure,
  'one-node': oneNode,
  'one-node-sharded': oneNodeSharded,
};
