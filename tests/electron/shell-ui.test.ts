import { inflateSync } from 'node:zlib';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { NodeStatus } from '../../src-shared/api/node-api';
import { iconPng } from '../../src-main/electron/icon';
import { appMenuTemplate } from '../../src-main/electron/menu';
import { rendererFileFor, rendererResponse } from '../../src-main/electron/protocol';
import { contentTypeOf } from '../../src-main/runtime/content-types';
import {
  statusLabel,
  trayTemplate,
  trayTooltip,
  type TrayState,
} from '../../src-main/electron/tray';

const status = (over: Partial<NodeStatus> = {}): NodeStatus =>
  ({ cycle: 42, peers: 3, mode: 'active', ...over }) as NodeStatus;

function actions() {
  return {
    start: vi.fn(),
    stop: vi.fn(),
    pause: vi.fn(),
    resume: vi.fn(),
    openMonitor: vi.fn(),
    openDataFolder: vi.fn(),
    openLogs: vi.fn(),
    setOpenAtLogin: vi.fn(),
    quit: vi.fn(),
  };
}

const base: TrayState = {
  node: null,
  busy: null,
  openAtLogin: false,
  loginItemSupported: true,
  lastError: null,
};

function item(items: MenuItemConstructorOptions[], id: string) {
  const found = items.find((i) => i.id === id);
  if (!found) throw new Error(`no menu item ${id}`);
  return found;
}
const click = (i: MenuItemConstructorOptions, checked = false) =>
  (i.click as unknown as (item: { checked: boolean }) => void)({ checked });

describe('the tray', () => {
  it('shows cycle, peers and mode', () => {
    expect(statusLabel({ node: status(), busy: null })).toBe('cycle 42 · peers 3 · active');
    expect(trayTooltip({ node: status({ mode: 'low-power' }), busy: null })).toBe(
      'LVS Node: cycle 42 · peers 3 · low-power',
    );
    expect(statusLabel({ node: null, busy: null })).toBe('node stopped');
    expect(statusLabel({ node: null, busy: 'starting' })).toBe('node starting…');
  });

  it('offers Start while stopped, Stop and Pause while running, Resume while paused', () => {
    const a = actions();
    const stopped = trayTemplate(base, a);
    expect(item(stopped, 'start').enabled).toBe(true);
    expect(item(stopped, 'stop').enabled).toBe(false);
    expect(item(stopped, 'pause').enabled).toBe(false);
    const running = trayTemplate({ ...base, node: status() }, a);
    expect(item(running, 'start').enabled).toBe(false);
    expect(item(running, 'stop').enabled).toBe(true);
    click(item(running, 'pause'));
    expect(a.pause).toHaveBeenCalledOnce();
    const paused = trayTemplate({ ...base, node: status({ mode: 'paused' }) }, a);
    expect(item(paused, 'pause').label).toBe('Resume node');
    click(item(paused, 'pause'));
    expect(a.resume).toHaveBeenCalledOnce();
    const busy = trayTemplate({ ...base, busy: 'starting' }, a);
    expect(item(busy, 'start').enabled).toBe(false);
  });

  it('has the other controls, start at login where the OS has it, and the last error', () => {
    const a = actions();
    const t = trayTemplate({ ...base, lastError: 'start: folder in use' }, a);
    expect(t.map((i) => i.id).filter(Boolean)).toEqual([
      'status',
      'error',
      'start',
      'stop',
      'pause',
      'monitor',
      'data',
      'logs',
      'login',
      'quit',
    ]);
    for (const [id, fn] of [
      ['start', a.start],
      ['monitor', a.openMonitor],
      ['data', a.openDataFolder],
      ['logs', a.openLogs],
      ['quit', a.quit],
    ] as const) {
      click(item(t, id));
      expect(fn).toHaveBeenCalledOnce();
    }
    click(item(t, 'login'), true);
    expect(a.setOpenAtLogin).toHaveBeenCalledWith(true);
    expect(
      trayTemplate({ ...base, loginItemSupported: false }, a).some((i) => i.id === 'login'),
    ).toBe(false);
  });
});

describe('the app menu', () => {
  const opts = (over: Partial<Parameters<typeof appMenuTemplate>[0]> = {}) => ({
    platform: 'linux' as NodeJS.Platform,
    isPackaged: true,
    appName: 'LVS Node',
    docsUrl: 'https://lvs.example.org/docs',
    actions: { openDocs: vi.fn(), openDataFolder: vi.fn(), openLogs: vi.fn(), about: vi.fn() },
    ...over,
  });
  const roles = (t: MenuItemConstructorOptions[]): string[] =>
    t.flatMap((i) => [
      ...(i.role ? [i.role] : []),
      ...(Array.isArray(i.submenu) ? roles(i.submenu) : []),
    ]);

  it('offers developer tools and reloads only when unpackaged', () => {
    expect(roles(appMenuTemplate(opts()))).not.toEqual(expect.arrayContaining(['toggleDevTools']));
    expect(roles(appMenuTemplate(opts())).filter((r) => /reload|devtools/i.test(r))).toEqual([]);
    expect(roles(appMenuTemplate(opts({ isPackaged: false })))).toEqual(
      expect.arrayContaining(['toggleDevTools', 'reload']),
    );
  });

  it('links to the documentation through openDocs only, when there is a docs address', () => {
    const o = opts();
    const help = appMenuTemplate(o).find((m) => m.role === 'help');
    const sub = help!.submenu as MenuItemConstructorOptions[];
    expect(sub.map((i) => i.label)).toEqual(['LVS Node Documentation', 'About LVS Node']);
    (sub[0]!.click as () => void)();
    expect(o.actions.openDocs).toHaveBeenCalledOnce();
    const none = appMenuTemplate(opts({ docsUrl: undefined })).find((m) => m.role === 'help');
    expect((none!.submenu as MenuItemConstructorOptions[]).map((i) => i.label)).toEqual([
      'About LVS Node',
    ]);
    const mac = appMenuTemplate(opts({ platform: 'darwin', docsUrl: undefined }));
    expect(mac.some((m) => m.role === 'help')).toBe(false);
    expect(mac[0]!.label).toBe('LVS Node');
  });
});

describe('app:// serving', () => {
  const root = '/srv/app/renderer';

  it('maps app://lvs paths into the renderer folder', () => {
    expect(rendererFileFor('app://lvs/', root)).toBe('/srv/app/renderer/index.html');
    expect(rendererFileFor('app://lvs/index.html?x=1#y', root)).toBe(
      '/srv/app/renderer/index.html',
    );
    expect(rendererFileFor('app://lvs/assets/index-abc.js', root)).toBe(
      '/srv/app/renderer/assets/index-abc.js',
    );
    expect(rendererFileFor('app://lvs/assets/a%20b.css', root)).toBe(
      '/srv/app/renderer/assets/a b.css',
    );
    // dot-segments are resolved by the URL parser, at the folder's top at most
    expect(rendererFileFor('app://lvs/../main/index.js', root)).toBe(
      '/srv/app/renderer/main/index.js',
    );
    expect(rendererFileFor('app://lvs/%2e%2e/main/index.js', root)).toBe(
      '/srv/app/renderer/main/index.js',
    );
    // an encoded absolute path stays inside the folder too
    expect(rendererFileFor('app://lvs/%2Fetc%2Fpasswd', root)).toBe('/srv/app/renderer/etc/passwd');
  });

  it('refuses anything outside it', () => {
    for (const url of [
      'app://lvs/..%2F..%2Fpackage.json',
      'app://lvs/assets/..%2F..%2F..%2Fetc%2Fpasswd',
      'app://lvs/a%5C..%5C..%5Cx',
      'app://lvs/a%00.js',
      'app://lvs/%E0%A4%A',
      'app://other/index.html',
      'file:///srv/app/renderer/index.html',
      'not a url',
    ])
      expect(rendererFileFor(url, root), url).toBeNull();
  });

  it('types what it serves, never sniffed', () => {
    expect(contentTypeOf('a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('a.unknown')).toBe('application/octet-stream');
  });

  it('answers with the file, its type and the CSP; 404 otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs-renderer-'));
    try {
      await mkdir(join(dir, 'assets'));
      await writeFile(join(dir, 'index.html'), '<p>hi</p>');
      await writeFile(join(dir, 'assets', 'x.js'), 'export {}');
      const page = await rendererResponse('app://lvs/', dir, "default-src 'self'");
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await page.text()).toBe('<p>hi</p>');
      const js = await rendererResponse('app://lvs/assets/x.js', dir, 'c');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      for (const url of ['app://lvs/assets', 'app://lvs/nope.js', 'app://lvs/../x'])
        expect((await rendererResponse(url, dir, 'c')).status, url).toBe(404);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the icon', () => {
  it('is a valid RGBA PNG of the size asked, with transparent corners', () => {
    const png = iconPng(32);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.readUInt32BE(16)).toBe(32);
    expect(png.readUInt32BE(20)).toBe(32);
    const idatAt = png.indexOf('IDAT');
    const raw = inflateSync(png.subarray(idatAt + 4, idatAt + 4 + png.readUInt32BE(idatAt - 4)));
    expect(raw.length).toBe(32 * (1 + 32 * 4));
    expect(raw[1 + 3]).toBe(0); // top-left pixel: transparent
    const mid = 16 * (1 + 32 * 4) + 1 + 16 * 4;
    expect(raw[mid + 3]).toBe(255); // the centre: opaque
    expect(iconPng(32)).toEqual(png);
  });
});
