import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, MonitorPush } from '../../src-shared/api/monitor-api';
import { checkScenario } from '../../src-shared/lab/scenario';
import { MonitorHost } from '../../src-main/monitor/monitor-host';

/*
 * A scenario started from the monitor: the pushes that announce its lab must name the scenario by
 * the time the request is answered, so the page's header shows it at once rather than at the
 * next change. A real lab of 4 nodes runs a 2 s scenario.
 */

let labs = '';
beforeAll(async () => {
  labs = await mkdtemp(join(tmpdir(), 'lvs-scenario-info-'));
});
afterAll(async () => {
  if (labs) await rm(labs, { recursive: true, force: true });
});

describe('a scenario run from the monitor', () => {
  it('is named in an app push before its request is answered', async () => {
    const scenario = checkScenario(
      { name: 'tiny', lab: { nodes: 4, topology: 'ring:2', cycleMs: 100 }, durationS: 2 },
      'tiny',
    );
    const host = new MonitorHost({
      shell: 'web',
      appVersion: 'test',
      labsDir: labs,
      workers: 1,
      scenarios: { list: () => Promise.resolve(['tiny']), load: () => Promise.resolve(scenario) },
    });
    const infos: AppInfo[] = [];
    host.subscribe((p: MonitorPush) => {
      if (p.kind === 'app') infos.push(p.info);
    });
    try {
      await host.handle({ target: 'app', request: { op: 'run-scenario', name: 'tiny' } });
      const withLab = infos.filter((i) => i.lab !== null);
      expect(withLab.length).toBeGreaterThan(0);
      expect(withLab.at(-1)!.scenario?.name).toBe('tiny');
    } finally {
      await host.close();
    }
  }, 60_000);
});
