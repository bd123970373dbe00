// A node core's host for the browser entries: libp2p over its in-memory transport (Noise, Yamux),
// so that cores in one page or worker reach each other with no network, and a deny list.
// Imported by the bundled entries only: it must not import a Node built-in.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { memory } from '@libp2p/memory';
import { createLibp2p } from 'libp2p';

/** A host listening on `/memory/<name>`: the name must be unique in the page or worker. */
export async function memoryHost(name: string) {
  const libp2p = await createLibp2p({
    addresses: { listen: [`/memory/${name}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  const denied = new Set<string>();
  return {
    libp2p,
    gater: {
      deny: (peer: string) => void denied.add(peer),
      isDenied: (peer: string) => denied.has(peer),
    },
    addresses: () => libp2p.getMultiaddrs(),
    stop: async () => {
      await libp2p.stop();
    },
  };
}
