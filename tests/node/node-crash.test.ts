import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../src-shared/random';
import { disposeLvs, killAll, prepareLvs, start } from '../helpers/lvs-process';

/*
 * Crash safety of a whole node: a real `lvs node` process, cycling every 10 ms and saving at
 * most every 50 ms, is killed with SIGKILL at seeded random moments, 50 times, on one data
 * folder. Every restart must load the store (never a damaged file, never a fresh start) at
 * a cycle no older than the last save the node reported before it died.
 */

const KILLS = 50;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-node-crash-'));
  await prepareLvs();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await disposeLvs();
});

afterEach(killAll);

const flags = () =>
  ['--data', dir, '--host', '127.0.0.1', '--port', '0', '--no-mdns', '--cycle-ms', '10'].concat([
    '--persist-ms',
    '50',
    '--status-every',
    '0',
    '--log-level',
    'debug',
    '--seed',
    '1',
  ]);

describe('a node killed with SIGKILL again and again', () => {
  it(`always loads its store, never behind its last reported save (${KILLS} kills)`, async () => {
    const rng = seededRng(20261121);
    let lastSaved = 0;
    for (let k = 0; k < KILLS; k++) {
      const node = start(flags());
      if (k > 0) {
        const [, cycle, from] = await node.waitFor(
          /resumed cycle (\d+) from (node\.json(?:\.bak)?)/,
        );
        expect(Number(cycle), `restart ${k} loaded ${from}`).toBeGreaterThanOrEqual(lastSaved);
      }
      await node.waitFor(/listening on/);
      // Saves are written by the node after fsync; wait for at least one new one per run.
      await node.waitFor(new RegExp(`saved cycle ([1-9]\\d*)`));
      await new Promise((r) => setTimeout(r, 20 + rng.int(200)));
      node.child.kill('SIGKILL');
      const done = await node.done;
      expect(done.signal).toBe('SIGKILL');
      for (const m of done.stdout.matchAll(/saved cycle (\d+)/g))
        lastSaved = Math.max(lastSaved, Number(m[1]));
      expect(done.stdout).not.toMatch(/corrupt|started fresh/);
    }
    expect(lastSaved).toBeGreaterThan(KILLS);
  }, 180_000);
});
