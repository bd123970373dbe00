import { afterEach, describe, expect, it } from 'vitest';
import { NodeDrift, type PeerReport } from '../../src-shared/drift/node-drift';
import { resolveParams } from '../../src-shared/drift/params';
import { seededRng } from '../../src-shared/random';
import { DriftEngine } from '../../src-main/node/engine/drift-engine';
import type { Engine } from '../../src-shared/node/engine';
import { CycleScheduler, LOW_POWER_FACTOR } from '../../src-shared/node/scheduler';
import { LoopDelay } from '../../src-main/runtime/loop-delay';

const params = resolveParams({ alpha: 0.05, beta: 0.2, weighting: 'uniform' });
const peersAround = (S: readonly number[], cycle: number): PeerReport[] =>
  [1, 2, 3].map((k) => ({
    id: `peer-${k}`,
    state: S.map((x) => x + k - 2 + 0.1 * cycle),
    weight: 1,
  }));

describe('the drift engine in a worker thread', () => {
  let engine: Engine | null = null;
  afterEach(async () => {
    await engine?.stop();
    engine = null;
  });

  it('runs the same rule as the core, bit for bit, across the thread boundary', async () => {
    engine = await DriftEngine.start({ params, state: [100, 50], earned: 0, tcSelf: 1, seed: 42 });
    const twin = new NodeDrift({ params, state: [100, 50], rng: seededRng(42) });
    for (let cycle = 0; cycle < 20; cycle++) {
      const peers = peersAround(twin.state, cycle);
      const { snapshot, cycle: result } = await engine.step(peers, 0.25);
      const expected = twin.step(peers, 0.25);
      expect(result).toEqual(expected);
      expect(snapshot.S).toEqual(twin.state);
      expect(snapshot.trust).toEqual(twin.trustTable());
      expect(snapshot.cycle).toBe(cycle + 1);
    }
  });

  it('refuses a change of dimension with the reason, and keeps working', async () => {
    engine = await DriftEngine.start({ params, state: [1, 1], earned: 0, tcSelf: 1, seed: 1 });
    await expect(engine.setParams(resolveParams({ dimensions: 3 }))).rejects.toThrow(
      /dimensions cannot change/,
    );
    const { snapshot } = await engine.step([], 0);
    expect(snapshot.cycle).toBe(1);
  });

  it('lowers a peer trust when told to penalise it', async () => {
    engine = await DriftEngine.start({ params, state: [1, 1], earned: 0, tcSelf: 1, seed: 1 });
    const snap = await engine.penalise('bad-peer');
    expect(snap.trust['bad-peer']).toBeLessThan(0.5);
  });

  it('fails to start, with the reason, on a state of the wrong dimension', async () => {
    await expect(
      DriftEngine.start({ params, state: [1, 2, 3], earned: 0, tcSelf: 1 }),
    ).rejects.toThrow(/state has 3 components, dimensions is 2/);
  });

  it('fails every call once stopped', async () => {
    const stopped = await DriftEngine.start({ params, state: [1, 1], earned: 0, tcSelf: 1 });
    await stopped.stop();
    await expect(stopped.snapshot()).rejects.toThrow(/stopped/);
  });
});

describe('the cycle scheduler', () => {
  let scheduler: CycleScheduler | null = null;
  afterEach(() => {
    scheduler?.stop();
    scheduler = null;
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('never runs two ticks at once, even when a tick outlasts the period', async () => {
    let running = 0;
    let overlap = false;
    let ticks = 0;
    scheduler = new CycleScheduler({
      cycleMs: 5,
      onTick: async () => {
        running++;
        if (running > 1) overlap = true;
        await sleep(15);
        running--;
        ticks++;
      },
    });
    scheduler.start();
    await sleep(300);
    expect(ticks).toBeGreaterThan(3);
    expect(overlap).toBe(false);
  });

  it('stretches the period in low-power mode and says why', () => {
    const changes: [boolean, readonly string[]][] = [];
    scheduler = new CycleScheduler({
      cycleMs: 250,
      onTick: () => undefined,
      onLowPower: (on, why) => changes.push([on, why]),
    });
    expect(scheduler.periodMs).toBe(250);
    scheduler.setLowPower('requested', true);
    scheduler.setLowPower('on battery', true);
    expect(scheduler.periodMs).toBe(250 * LOW_POWER_FACTOR);
    scheduler.setLowPower('requested', false);
    expect(scheduler.lowPower).toBe(true);
    scheduler.setLowPower('on battery', false);
    expect(scheduler.periodMs).toBe(250);
    expect(changes).toEqual([
      [true, ['requested']],
      [false, []],
    ]);
  });

  it('switches low-power mode on when the event loop lags', async () => {
    const reasons: string[] = [];
    scheduler = new CycleScheduler({
      cycleMs: 10,
      lag: new LoopDelay(20),
      lagLimitMs: 100,
      onTick: (cycle) => {
        // Ticks 3 and 4 block the event loop, as an overloaded host would.
        if (cycle === 3 || cycle === 4) {
          const until = performance.now() + 300;
          while (performance.now() < until);
        }
      },
      onLowPower: (on, why) => {
        if (on) reasons.push(...why);
      },
    });
    scheduler.start();
    for (let waited = 0; waited < 3000 && !scheduler.lowPower; waited += 20) await sleep(20);
    expect(scheduler.lowPower).toBe(true);
    expect(reasons).toContain('event-loop lag');
  });

  it('does not tick while paused', async () => {
    let ticks = 0;
    scheduler = new CycleScheduler({ cycleMs: 5, onTick: () => void ticks++ });
    scheduler.pause();
    scheduler.start();
    await sleep(100);
    expect(ticks).toBe(0);
    scheduler.resume();
    await sleep(100);
    expect(ticks).toBeGreaterThan(0);
  });
});
