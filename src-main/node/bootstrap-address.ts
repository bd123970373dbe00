import { multiaddr } from '@multiformats/multiaddr';

/*
 * A bootstrap address, as `lvs node --bootstrap` and the desktop app's settings take it: an
 * address to dial over TCP, with or without /p2p/<peer id>. Without one, the id is learned in the
 * handshake, so the address stays good while the node behind it restarts with a fresh key.
 */

/** Bootstrap addresses at most: a list to start from, not an address book. */
export const MAX_BOOTSTRAP = 64;

export const BOOTSTRAP_FORM =
  'a TCP multiaddr such as /ip4/192.0.2.7/tcp/4001 (optionally ending in /p2p/<peer id>)';

/** What is wrong with `text` as a bootstrap address (completing "… must be …"), or null. */
export function bootstrapProblem(text: string): string | null {
  let names: string[];
  try {
    names = multiaddr(text)
      .getComponents()
      .map((c) => c.name);
  } catch {
    return `must be ${BOOTSTRAP_FORM} (got "${text}")`;
  }
  const network = ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(names[0] ?? '');
  const rest = names.slice(2).filter((n) => n !== 'p2p' && n !== 'p2p-circuit');
  if (!network || names[1] !== 'tcp' || rest.length > 0)
    return `must be ${BOOTSTRAP_FORM} (got "${text}")`;
  if (names.includes('p2p-circuit') && names.at(-1) !== 'p2p')
    return `"${text}" is a relayed address: it must end in /p2p/<peer id> of the node behind the relay`;
  return null;
}
