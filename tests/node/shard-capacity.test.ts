import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOOPBACK_LAB } from '../../src-main/node/p2p/host';
import { LvsNode, type NodeLog } from '../../src-main/node/lvs-node';
import { resolveParams } from '../../src-shared/drift/params';
import { NodeConfigError } from '../../src-shared/node/node-core';

/*
 * A node's own cap in real nodes (docs/shards.md, "Capacity"): four nodes on loopback, a full
 * mesh, d = K = 4, r = 3, one of them started with maxShards 1. Every neighbourhood is the whole
 * mesh, so each shard wants min(r, 4) = 3 holders: 12 copies, of which the capped node holds 1
 * and the three others at least the remaining 11 (each can hold all 4). The capped node never holds more
 * than one, its peers learn its cap from its HELLO, and every shard reaches 3 holders.
 */

const K = 4;
const R = 3;
const folders: string[] = [];
const running: LvsNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

const quiet: NodeLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

async function start(seed: number, maxShards?: number): Promise<LvsNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lvs-shard-cap-'));
  folders.push(dataDir);
  const node = await LvsNode.start({
    dataDir,
    appVersion: 'test',
    params: resolveParams({ dimensions: K, shards: K, replication: R }),
    cycleMs: 50,
    host: LOOPBACK_LAB,
    genesis: [5, 5, 5, 5],
    initialState: [5, 5, 5, 5],
    // Long enough for the mesh to connect before the nodes take their shards.
    joinCycles: 60,
    seed,
    log: quiet,
    ...(maxShards === undefined ? {} : { maxShards }),
  });
  running.push(node);
  return node;
}

describe('a node capped at one shard among uncapped peers', () => {
  it('holds one, is known capped by its peers, and the others fill every shard to r', async () => {
    const capped = await start(1, 1);
    const others = [await start(2), await start(3), await start(4)];
    const nodes = [capped, ...others];
    for (let i = 0; i < nodes.length; i++)
      for (let j = i + 1; j < nodes.length; j++) await nodes[i]!.connect(nodes[j]!.addresses()[0]!);
    const holds = () => nodes.map((n) => n.state().holds ?? []);
    const maxCapped: number[] = [];
    await vi.waitFor(
      () => {
        const now = holds();
        maxCapped.push(now[0]!.length);
        for (let k = 0; k < K; k++)
          expect(
            now.filter((h) => h.includes(k)).length,
            `holders of shard ${k}`,
          ).toBeGreaterThanOrEqual(R);
      },
      { timeout: 20_000, interval: 50 },
    );
    // The capped node holds its one shard, never more, and said so in its HELLO.
    expect(Math.max(...maxCapped)).toBe(1);
    expect(holds()[0]).toHaveLength(1);
    for (const peer of others) {
      const session = peer.sessions().find((s) => s.peerId === capped.sessionId);
      expect(session?.hello?.maxShards).toBe(1);
    }
    // Uncapped nodes send no cap (K is their default).
    const fromFree = capped.sessions().find((s) => s.peerId === others[0]!.sessionId);
    expect(fromFree?.hello?.maxShards).toBeUndefined();
    // At least 11 copies over three uncapped nodes (more where a node took its shards before
    // it knew all its peers: nothing drops a surplus copy).
    const carried = holds()
      .slice(1)
      .reduce((s, h) => s + h.length, 0);
    expect(carried).toBeGreaterThanOrEqual(K * R - 1);
  }, 40_000);

  it('is refused in one line with a cap outside 1..K, before it opens anything', async () => {
    await expect(start(5, 0)).rejects.toThrow(NodeConfigError);
    await expect(start(5, K + 1)).rejects.toThrow(
      /^maxShards must be an integer in 1\.\.4, as there are 4 shards \(got 5\)$/,
    );
  });
});
