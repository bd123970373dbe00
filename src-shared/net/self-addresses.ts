import type { Libp2p } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';

/**
 * A libp2p node's own addresses, rebuilt once per change instead of on every read.
 *
 * `getMultiaddrs()` rebuilds the list at every call: each transport's listen addresses, each run
 * through the announce filter, each multiaddr parsed again and each IP tested for being private.
 * A browser node's status (its view redraws, the lab reads it) and its discovery read it every
 * second or so, and that was about a third of all the page allocated (docs/benchmarks.md,
 * bench:browser), so a collection more often.
 *
 * Every change libp2p's address manager makes (a transport that starts or stops listening, a
 * relay reservation made or lost, an observed address confirmed, an address mapping) ends in
 * 'self:peer:update', at most a second later (libp2p debounces it). The one change that does not
 * is a wildcard listener's (0.0.0.0) addresses following the machine's interfaces: so this is for
 * hosts with no wildcard listener, such as a browser, which listens on no socket at all.
 */
export function selfAddresses(
  libp2p: Pick<Libp2p, 'getMultiaddrs' | 'addEventListener'>,
): () => Multiaddr[] {
  let known: readonly Multiaddr[] | undefined;
  libp2p.addEventListener('self:peer:update', () => {
    known = undefined;
  });
  // A copy each time: a caller may sort or trim what it gets.
  return () => [...(known ??= libp2p.getMultiaddrs())];
}
