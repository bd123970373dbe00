// The desktop app's personal node joins a swarm as `lvs node` does: bootstrap addresses from
// settings.json, its address book and peer exchange, a WebSocket listener with the relay service
// for browser nodes, and the app's join page offering it while it runs. Real nodes on 127.0.0.1;
// no Electron needed (personal-node.ts is the shell's only part that builds the node).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkJoinInfo } from '../../src-shared/api/join-info';
import { resolveParams } from '../../src-shared/drift/params';
import { DEFAULT_SETTINGS, type NodeSettings } from '../../src-main/electron/settings';
import {
  personalNodeStarter,
  startAppJoinPage,
  type PersonalNodeStarter,
} from '../../src-main/electron/personal-node';
import type { JoinServer } from '../../src-main/node/join/join-server';
import { LvsNode, type NodeLog } from '../../src-main/node/lvs-node';
import { LOOPBACK_LAB } from '../../src-main/node/p2p/host';

const quiet: NodeLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const cleanup: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo().catch(() => undefined);
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lvs-personal-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>) {
  const end = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the personal node', () => {
  it('dials the bootstrap addresses of its settings and offers itself on the join page', async () => {
    // A node already in the swarm, somewhere the personal node can only learn of from settings.
    const other = await LvsNode.start({
      dataDir: await folder(),
      appVersion: 'test',
      params: resolveParams({}),
      cycleMs: 200,
      host: LOOPBACK_LAB,
      genesis: 100,
      log: quiet,
    });
    cleanup.push(() => other.stop());
    const settings: NodeSettings = {
      ...DEFAULT_SETTINGS.node,
      host: '127.0.0.1',
      mdns: false,
      bootstrap: [other.addresses()[0]!],
    };
    let joinPage: JoinServer | null = null;
    const starter: PersonalNodeStarter = personalNodeStarter({
      dataDir: await folder(),
      appVersion: 'test',
      log: quiet,
      network: () => settings,
      onBattery: () => false,
      joinUrls: () => joinPage?.urls() ?? null,
    });
    joinPage = await startAppJoinPage(starter, { host: '127.0.0.1', port: 0, version: 'test' });
    const page = joinPage;
    cleanup.push(() => page.close());
    const joinJson = async () =>
      (await (await fetch(`http://127.0.0.1:${page.port}/join.json`)).json()) as unknown;

    // Before the node runs, the page offers nothing a browser could join.
    expect(checkJoinInfo(await joinJson()).ok).toBe(false);

    const node = await starter.start();
    cleanup.push(() => node.stop());
    // Discovery dials the bootstrap address: a drift session with the other node.
    await until('a session with the bootstrap node', () =>
      node.sessionPeers().includes(other.sessionId) ? true : undefined,
    );
    expect(node.status().network).toBeDefined();
    // The join page lists its WebSocket address and its settings, and the status points to it.
    const offered = checkJoinInfo(await joinJson());
    expect(offered.ok).toBe(true);
    if (!offered.ok) return;
    const ws = node.addresses().filter((a) => a.includes('/ws/'));
    expect(ws).toHaveLength(1);
    expect(offered.value.addresses.map(String)).toEqual(ws);
    expect(offered.value.genesis).toEqual([100, 100]);
    expect(node.status().join?.urls).toEqual([`http://127.0.0.1:${page.port}/`]);
    // It relays for browser nodes from the start.
    expect(node.p2p.libp2p.services.relay?.active).toBe(true);

    await node.stop();
    expect(checkJoinInfo(await joinJson()).ok).toBe(false);
  }, 60_000);

  it('is TCP only when settings turn browser nodes off', async () => {
    const settings: NodeSettings = {
      ...DEFAULT_SETTINGS.node,
      host: '127.0.0.1',
      mdns: false,
      browsers: null,
    };
    const starter = personalNodeStarter({
      dataDir: await folder(),
      appVersion: 'test',
      log: quiet,
      network: () => settings,
      onBattery: () => false,
    });
    const node = await starter.start();
    cleanup.push(() => node.stop());
    expect(node.addresses().some((a) => a.includes('/ws'))).toBe(false);
    expect(node.status().join).toBeUndefined();
  }, 30_000);
});
