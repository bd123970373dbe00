/*
 * Two node cores in one browser worker, joined by libp2p's in-memory transport: the bundle the
 * portable-core test builds for Chromium (tests/browser/node-core.test.ts). It must not import
 * a Node built-in; the build refuses one.
 */
import { resolveParams } from '../../src-shared/drift/params';
import { InlineEngine } from '../../src-shared/node/engine';
import { MemoryStore } from '../../src-shared/node/memory-store';
import { NodeCore, type NodeLog } from '../../src-shared/node/node-core';
import { memoryHost } from './memory-host';

export interface CoreRun {
  readonly nodeGlobals: string[];
  readonly nodes: Array<{
    cycle: number;
    peers: number;
    S: number[];
    framesIn: number;
    framesOut: number;
  }>;
  readonly log: string[];
}

const lines: string[] = [];
const log: NodeLog = {
  info: (m) => void lines.push(`info ${m}`),
  warn: (m) => void lines.push(`warn ${m}`),
  error: (m) => void lines.push(`error ${m}`),
  debug: () => undefined,
};

export async function run(cycles: number, initial: readonly number[][]): Promise<CoreRun> {
  const params = resolveParams({ dimensions: 2 });
  const cores: NodeCore[] = [];
  for (const [k, S] of initial.entries()) {
    cores.push(
      await NodeCore.create(
        { params, cycleMs: 50, genesis: 0, seed: 11 + k, initialState: S, log },
        {
          host: await memoryHost(`lvs-${k}`),
          store: new MemoryStore({ appVersion: 'browser-test', now: new Date(), S }),
          startEngine: (init) => Promise.resolve(new InlineEngine(init)),
        },
      ),
    );
  }
  await cores[0]!.connect(cores[1]!.addresses()[0]!);
  const deadline = Date.now() + 20_000;
  while (cores.some((c) => c.status().cycle < cycles) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const nodes = cores.map((c) => ({
    cycle: c.status().cycle,
    peers: c.status().peers,
    S: [...c.state().S],
    framesIn: c.traffic().framesIn,
    framesOut: c.traffic().framesOut,
  }));
  for (const c of cores) await c.stop();
  const g = globalThis as Record<string, unknown>;
  return {
    nodeGlobals: ['process', 'Buffer', 'require', '__dirname'].filter((k) => k in g),
    nodes,
    log: lines,
  };
}
