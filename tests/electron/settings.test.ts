import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  loadSettings,
  saveSettings,
  SettingsFile,
} from '../../src-main/electron/settings';

let dir: string;
const at = new Date('2026-11-21T06:12:00.000Z');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lvs-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('settings.json', () => {
  it('means the defaults when missing', async () => {
    expect(await loadSettings(join(dir, 'settings.json'))).toEqual({ settings: DEFAULT_SETTINGS });
    expect(DEFAULT_SETTINGS).toEqual({
      openAtLogin: false,
      startNodeAtLaunch: true,
      node: {
        host: '0.0.0.0',
        port: 0,
        mdns: true,
        bootstrap: [],
        // Browser nodes are welcome by default: the My node panel shows the join page's QR code.
        browsers: { wsPort: 0, joinPort: 0 },
      },
      labRecordingsMb: 256,
    });
  });

  it('saves and loads back, filling what an older file lacks', async () => {
    const file = join(dir, 'settings.json');
    const s = {
      ...DEFAULT_SETTINGS,
      openAtLogin: true,
      node: {
        host: '127.0.0.1',
        port: 4001,
        mdns: false,
        bootstrap: ['/ip4/192.0.2.7/tcp/4001'],
        browsers: null,
      },
    };
    await saveSettings(file, s);
    expect(await loadSettings(file)).toEqual({ settings: s });
    await writeFile(file, JSON.stringify({ openAtLogin: true }));
    expect((await loadSettings(file)).settings).toEqual({ ...DEFAULT_SETTINGS, openAtLogin: true });
  });

  it('keeps keys a newer version wrote', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({ theme: 'dark' }));
    const { settings } = await loadSettings(file);
    await saveSettings(file, settings);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ theme: 'dark' });
  });

  for (const [what, text, reason] of [
    ['not JSON', '{"openAtLogin": tru', 'is not JSON'],
    ['a wrong type', '{"openAtLogin": "yes"}', 'openAtLogin:'],
    ['a bad address', '{"node": {"host": "my laptop"}}', 'node.host: node.host must be an IP'],
    ['a port out of range', '{"node": {"port": 70000}}', 'node.port:'],
    [
      'a bootstrap address that is not TCP',
      '{"node": {"bootstrap": ["/ip4/192.0.2.7/udp/4001"]}}',
      'node.bootstrap.0: node.bootstrap entries must be a TCP multiaddr',
    ],
    [
      'a join port out of range',
      '{"node": {"browsers": {"joinPort": -1}}}',
      'node.browsers.joinPort:',
    ],
    ['not an object', '[1, 2]', ''],
  ] as const)
    it(`moves a damaged file aside (${what}), byte for byte, and uses the defaults`, async () => {
      const file = join(dir, 'settings.json');
      await writeFile(file, text);
      const loaded = await loadSettings(file, at);
      expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
      expect(loaded.notice).toContain('settings.json was damaged (');
      expect(loaded.notice).toContain(reason);
      expect(loaded.notice).toContain('kept it as settings.json.corrupt-2026-11-21T06-12-00Z');
      expect(loaded.notice).not.toMatch(/\n/);
      expect(await readdir(dir)).toEqual(['settings.json.corrupt-2026-11-21T06-12-00Z']);
      expect(await readFile(join(dir, 'settings.json.corrupt-2026-11-21T06-12-00Z'), 'utf8')).toBe(
        text,
      );
    });

  it('never overwrites an earlier damaged copy', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, 'first');
    await loadSettings(file, at);
    await writeFile(file, 'second');
    const loaded = await loadSettings(file, at);
    expect(loaded.notice).toContain('settings.json.corrupt-2026-11-21T06-12-00Z-2');
    expect((await readdir(dir)).sort()).toEqual([
      'settings.json.corrupt-2026-11-21T06-12-00Z',
      'settings.json.corrupt-2026-11-21T06-12-00Z-2',
    ]);
  });
});

describe('SettingsFile', () => {
  it('saves changes in order, and the next load sees the last', async () => {
    const s = new SettingsFile(dir);
    await s.load();
    await Promise.all([
      s.update((x) => ({ ...x, openAtLogin: true })),
      s.update((x) => ({ ...x, startNodeAtLaunch: false })),
    ]);
    expect(s.get()).toMatchObject({ openAtLogin: true, startNodeAtLaunch: false });
    const again = new SettingsFile(dir);
    expect((await again.load()).settings).toEqual(s.get());
  });

  it('refuses a change that is out of range', async () => {
    const s = new SettingsFile(dir);
    await s.load();
    expect(() => s.update((x) => ({ ...x, node: { ...x.node, port: -1 } }))).toThrow();
    expect(s.get()).toEqual(DEFAULT_SETTINGS);
  });

  it('does not save over a settings.json it cannot read', async () => {
    await mkdir(join(dir, 'settings.json')); // a folder in its place: EISDIR
    const s = new SettingsFile(dir);
    const loaded = await s.load(at);
    expect(loaded.settings).toEqual(DEFAULT_SETTINGS);
    expect(loaded.leftInPlace).toBe(true);
    expect(loaded.notice).toMatch(
      /^cannot read .*settings\.json \(.*\); using the default settings$/,
    );
    await expect(s.update((x) => ({ ...x, openAtLogin: true }))).rejects.toThrow(
      'not saving over it',
    );
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'does not save over a file it could not read or move aside',
    async () => {
      const locked = join(dir, 'locked');
      await mkdir(locked);
      await writeFile(join(locked, 'settings.json'), 'damaged');
      await chmod(locked, 0o500); // the file cannot be moved aside (nor replaced)
      try {
        const s = new SettingsFile(locked);
        const loaded = await s.load(at);
        expect(loaded.leftInPlace).toBe(true);
        expect(loaded.notice).toContain('could not be moved aside');
        await expect(s.update((x) => ({ ...x, openAtLogin: true }))).rejects.toThrow(
          'not saving over it',
        );
        expect(await readFile(join(locked, 'settings.json'), 'utf8')).toBe('damaged');
      } finally {
        await chmod(locked, 0o700);
      }
    },
  );
});
