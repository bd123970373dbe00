// Real labs for tests: real nodes over TCP on 127.0.0.1 in worker-thread pools, in a temporary
// lab folder, with helpers that wait on what the lab reports (never on wall-clock speed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabEvent, LabSnapshot } from '../../src-shared/api/lab-api';
import { resolveParams } from '../../src-shared/drift/params';
import { Lab, type LabOptions } from '../../src-main/lab/lab';

export type TestLabOptions = Partial<Omit<LabOptions, 'params'>> &
  Pick<LabOptions, 'nodes' | 'topology'> & { params?: Record<string, unknown> };

const folders = new Map<Lab, string>();

export async function startLab(o: TestLabOptions): Promise<Lab> {
  const dir = o.dir ?? join(await mkdtemp(join(tmpdir(), 'lvs-lab-test-')), 'lab');
  const lab = await Lab.start({
    seed: 1,
    cycleMs: 100,
    initial: { min: 40, max: 60 },
    epsilon: 0.5,
    appVersion: 'test',
    workers: 2,
    persistMs: 200,
    ...o,
    dir,
    params: resolveParams(o.params ?? {}),
  });
  folders.set(lab, dir);
  return lab;
}

/** Stops the lab and removes its folder (unless asked to keep it). */
export async function stopLab(lab: Lab, keep = false): Promise<string | null> {
  const path = await lab.stop();
  const dir = folders.get(lab);
  if (dir && !keep) await rm(join(dir, '..'), { recursive: true, force: true });
  return path;
}

/** Resolves with the first snapshot for which `pick` gives a value; fails naming `what`. */
export function waitForSnapshot<T>(
  lab: Lab,
  pick: (s: LabSnapshot) => T | undefined | null | false,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      const m = lab.metrics;
      reject(
        new Error(
          `no ${what} within ${timeoutMs} ms (last tick: spread ${m?.spread}, counted ${m?.counted}, cycle ${m?.cycle})`,
        ),
      );
    }, timeoutMs);
    const off = lab.onSnapshot((s) => {
      const v = pick(s);
      if (v === undefined || v === null || v === false) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

/** Resolves with the next event that matches. */
export function waitForEvent<E extends LabEvent>(
  lab: Lab,
  match: (e: LabEvent) => e is E,
  what: string,
  timeoutMs = 30_000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${timeoutMs} ms (spread ${lab.metrics?.spread})`));
    }, timeoutMs);
    const off = lab.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export type Converged = Extract<LabEvent, { type: 'converged' }>;

export const convergedAfter =
  (after: Converged['after']) =>
  (e: LabEvent): e is Converged =>
    e.type === 'converged' && e.after === after;

/** `read()` polled every 100 ms until `ok` holds or the time is up; the last value read. */
export async function polledUntil<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** The live links polled until `ok` holds (connections close and open asynchronously). */
export function linksWhen(
  lab: Lab,
  ok: (links: Array<[number, number]>) => boolean,
  timeoutMs = 15_000,
): Promise<Array<[number, number]>> {
  return polledUntil(() => lab.links(), ok, timeoutMs);
}

export function distance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
}
