import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOOPBACK_LAB } from '../../src-main/node/p2p/host';
import { LvsNode, type NodeLog } from '../../src-main/node/lvs-node';
import { STORE_FILE } from '../../src-main/node/store/node-store';
import { resolveParams } from '../../src-shared/drift/params';
import { NodeConfigError } from '../../src-shared/node/node-core';
import { freshDocument, inspectText, type StoreDocument } from '../../src-shared/node/store-schema';

/*
 * A node's K (docs/shards.md, "Store"): `set-params` cannot change it on a running node, and
 * `state.holds` in node.json (docs/shards.md, "Store"): ascending, distinct, at most 64, each
 * below 64; a K = 1 store has none and reads as before; and a store holding a shard the node's
 * K does not have is refused at start in one line, before the engine could trip on it.
 */

const folders: string[] = [];
const running: LvsNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
  await Promise.all(folders.splice(0).map((f) => rm(f, { recursive: true, force: true })));
});

/** A store of a node that has run 10 cycles of d = 4, holding `holds` (absent: K = 1). */
function stored(holds?: number[]): StoreDocument {
  const doc = freshDocument({
    appVersion: 'test',
    now: new Date('2026-01-01T00:00:00Z'),
    config: { params: { dimensions: 4 } },
  });
  return {
    ...doc,
    state: { ...doc.state, S: [5, 5, 0, 0], cycle: 10, ...(holds ? { holds } : {}) },
  };
}

const text = (doc: StoreDocument) => JSON.stringify(doc);

describe('state.holds in the store schema', () => {
  it('reads a K = 1 store without holds as before, and gives it none', () => {
    const r = inspectText(text(stored()));
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') expect('holds' in r.doc.state).toBe(false);
  });

  it.each([
    [[0, 2]],
    [[]],
    // The most a store can hold: every shard of K = 64.
    [Array.from({ length: 64 }, (_, k) => k)],
  ])('accepts holds %j', (holds) => {
    const r = inspectText(text(stored(holds)));
    expect(r).toMatchObject({ kind: 'ok', doc: { state: { holds } } });
  });

  it.each([
    ['descending', [2, 0], 'state.holds: must be ascending and distinct'],
    ['a shard twice', [1, 1], 'state.holds: must be ascending and distinct'],
    ['a shard of 64', [0, 64], 'state.holds.1'],
    ['a negative shard', [-1], 'state.holds.0'],
    ['65 entries', Array.from({ length: 65 }, (_, k) => k % 64), 'state.holds'],
  ])('calls holds with %s damaged', (_what, holds, words) => {
    const r = inspectText(text(stored(holds)));
    expect(r.kind).toBe('corrupt');
    if (r.kind === 'corrupt') {
      expect(r.reason).toContain(words);
      expect(r.reason).not.toContain('\n');
    }
  });
});

describe('a node opening a store with holds', () => {
  async function start(holds: number[] | undefined, shards: number): Promise<LvsNode> {
    const dataDir = await mkdtemp(join(tmpdir(), 'lvs-store-shards-'));
    folders.push(dataDir);
    await writeFile(join(dataDir, STORE_FILE), text(stored(holds)));
    const quiet: NodeLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
    const node = await LvsNode.start({
      dataDir,
      appVersion: 'test',
      params: resolveParams({ dimensions: 4, shards, replication: 2 }),
      cycleMs: 50,
      host: LOOPBACK_LAB,
      genesis: [5, 5, 5, 5],
      seed: 1,
      log: quiet,
    });
    running.push(node);
    return node;
  }

  it('refuses, in one line, a shard at or above the configured K', async () => {
    const e = await start([0, 3], 2).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NodeConfigError);
    const message = (e as Error).message;
    expect(message).toContain('holds shard(s) 3; shards 2 has only 0 to 1');
    expect(message).not.toContain('\n');
    // A K = 1 node must not read a sharded state as the whole one (S is 0 outside its shards).
    const one = await start([0, 3], 1).catch((err: unknown) => err);
    expect((one as Error).message).toContain('holds shard(s) 3; shards 1 has only 0 to 0');
  });

  it('resumes the shards it held when K matches, and every shard from a K = 1 store', async () => {
    const node = await start([0, 3], 4);
    await vi.waitFor(() => expect(node.state().holds).toEqual([0, 3]), { timeout: 5_000 });
    await node.stop();
    running.length = 0;
    const whole = await start(undefined, 4);
    await vi.waitFor(() => expect(whole.state().holds).toEqual([0, 1, 2, 3]), { timeout: 5_000 });
  });

  it('refuses set-params changing shards on a running node, in one line, and keeps K', async () => {
    for (const [K, other] of [
      [4, 2],
      [1, 2],
    ] as const) {
      const node = await start(undefined, K);
      await expect(node.request({ op: 'set-params', params: { shards: other } })).rejects.toThrow(
        new RegExp(`^shards cannot change on a running node \\(${K}\\)$`),
      );
      // Another parameter in the same API still goes through, and K is what it was.
      const params = await node.request({ op: 'set-params', params: { alpha: 0.02 } });
      expect(params).toMatchObject({ alpha: 0.02, shards: K });
      await node.stop();
      running.length = 0;
    }
  });
});
