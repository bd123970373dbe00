// The built main process, run under plain Node with a stand-in for the `electron` module
// (fixtures/electron-stand-in.mjs, put in place by a module hook): what it asks of Electron
// (window, session, protocol, IPC, tray, menu) and an IPC round trip to a real personal node.
// The built preload is run the same way, with a stand-in `require`. No Electron binary needed.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, removeBuild, ROOT } from './helpers/app-build';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Reply {
  ok: boolean;
  value?: Record<string, unknown> & { mode?: string; lowPowerReasons?: string[] };
  error?: string;
}
interface MenuShape {
  id?: string;
  label?: string;
  role?: string;
  type?: string;
  enabled?: false;
  submenu?: MenuShape[];
}
interface Served {
  status: number;
  type: string;
  csp: string;
  body: string;
}
/** What fixtures/main-driver.mjs reports. */
interface Seen {
  error?: string;
  window: {
    options: { show: boolean; webPreferences: Record<string, unknown> };
    url: string;
    shownEarly: boolean;
    shownWhenReady: boolean;
  };
  sandboxEnabled: boolean;
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[];
  csp: {
    listeners: number;
    appPage: { responseHeaders: Record<string, string[]> };
    elsewhere: { responseHeaders?: unknown };
  };
  protocol: Record<'index' | 'root' | 'traversal' | 'dotdot' | 'otherHost' | 'missing', Served>;
  navigation: Record<string, unknown>;
  navigationLater: Record<string, unknown>;
  permissions: { request: boolean; check: boolean; device: boolean | null };
  ipc: Record<
    | 'beforeStart'
    | 'start'
    | 'status'
    | 'info'
    | 'otherFrame'
    | 'subFrame'
    | 'noFrame'
    | 'foreignPage'
    | 'onBattery'
    | 'onAc',
    Reply
  > & { malformed: Reply[] };
  pushes: { channels: string[]; kinds: string[] };
  tray: { tooltip: string; menu: MenuShape[] };
  appMenu: MenuShape[];
  closeHides: { destroyed: boolean; visible: boolean };
  goneWindow: { sendsAfterDestroy: number };
  reopened: { windows: number; url: string };
  quit: {
    how: string;
    windowsLeft: number;
    sendsAfterDestroy: number;
    nodeJson: boolean;
    lockLeft: boolean;
    log: string | null;
    errorBoxes: unknown[];
  };
}

let build: string | undefined;
let temp: string | undefined;
let seen: Seen;

/** Runs the driver in a child Node process with the stand-in registered; returns its report. */
function drive(buildDir: string, root: string): Promise<Seen> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['--import', join(FIXTURES, 'register.mjs'), join(FIXTURES, 'main-driver.mjs'), buildDir],
      {
        cwd: ROOT,
        env: { ...process.env, LVS_STAND_IN_ROOT: root, LVS_STAND_IN_APP: buildDir },
        timeout: 40_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (!line)
          return fail(new Error(`the driver reported nothing: ${err?.message}\n${stderr}`));
        done(JSON.parse(line.slice('RESULT '.length)) as Seen);
      },
    );
  });
}

beforeAll(async () => {
  build = await buildApp();
  temp = await mkdtemp(join(tmpdir(), 'lvs-electron-main-'));
  // The app's settings: its node on loopback only, no mDNS, not started at launch (IPC does it).
  await mkdir(join(temp, 'userData'), { recursive: true });
  await writeFile(
    join(temp, 'userData', 'settings.json'),
    JSON.stringify({ startNodeAtLaunch: false, node: { host: '127.0.0.1', port: 0, mdns: false } }),
  );
  seen = await drive(build, temp);
  if (seen.error) throw new Error(`the driver failed: ${seen.error}`);
}, 60_000);

afterAll(async () => {
  await removeBuild(build);
  if (temp) await rm(temp, { recursive: true, force: true });
});

describe('the main process bundle, with a stand-in for electron', () => {
  it('opens one locked-down window on the app page, shown once ready', () => {
    const { webPreferences, show } = seen.window.options;
    expect(webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: join(build!, 'preload', 'index.cjs'),
    });
    expect(show).toBe(false);
    expect(seen.window.shownEarly).toBe(false);
    expect(seen.window.shownWhenReady).toBe(true);
    expect(seen.window.url).toBe('app://lvs/index.html');
    expect(seen.sandboxEnabled).toBe(true);
  });

  it('serves the renderer from app://lvs only, with the CSP header', () => {
    expect(seen.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    const { index, root, traversal, dotdot, otherHost, missing } = seen.protocol;
    expect(index.status).toBe(200);
    expect(index.type).toMatch(/^text\/html/);
    expect(index.body).toContain('<div id="root">');
    expect(root.body).toBe(index.body);
    for (const r of [traversal, dotdot, otherHost, missing]) expect(r.status).toBe(404);
    for (const r of Object.values(seen.protocol)) {
      expect(r.csp).toContain("script-src 'self'");
      expect(r.csp).not.toContain('unsafe');
    }
  });

  it("installs a CSP response header on the app's pages (replacing any other)", () => {
    expect(seen.csp.listeners).toBe(1);
    const headers = seen.csp.appPage.responseHeaders;
    const csp = Object.entries(headers).filter(
      ([k]) => k.toLowerCase() === 'content-security-policy',
    );
    expect(csp).toHaveLength(1);
    expect(csp[0]![1]).toHaveLength(1);
    expect(csp[0]![1][0]).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(csp[0]![1][0]).not.toContain('unsafe');
    expect(headers['content-type']).toEqual(['text/html']);
    expect(seen.csp.elsewhere.responseHeaders).toBeUndefined();
  });

  it("the built renderer's meta CSP is strict: no 'unsafe-inline', no 'unsafe-eval'", async () => {
    const html = await readFile(join(build!, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html);
    expect(meta, 'index.html has a CSP meta tag').not.toBeNull();
    const policy = meta![1]!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts either
  });

  it('denies navigation, redirects, new windows and webviews, now and for later contents', () => {
    for (const nav of [seen.navigation, seen.navigationLater])
      expect(nav).toEqual({
        willNavigate: true,
        willFrameNavigate: true,
        willRedirect: true,
        webview: true,
        windowOpen: { action: 'deny' },
      });
  });

  it('refuses every permission request and check', () => {
    expect(seen.permissions).toEqual({ request: false, check: false, device: false });
  });

  it('answers IPC from the main window: starts a real personal node, then its status', () => {
    const { beforeStart, start, status, info } = seen.ipc;
    expect(beforeStart).toEqual({
      ok: false,
      error: 'no personal node is running: start it first',
    });
    expect(start.ok).toBe(true);
    // TCP, and WebSockets for browser nodes (settings.json's node.browsers, on by default), with
    // the app's join page in the status.
    expect(start.value?.['listen']).toEqual([
      expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//),
      expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//),
    ]);
    expect(start.value?.['join']).toEqual({
      urls: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/)],
    });
    expect(status.ok).toBe(true);
    expect(status.value?.['sessionId']).toBe(start.value?.['sessionId']);
    expect(info.value).toMatchObject({ shell: 'electron', version: expect.any(String) });
  });

  it('refuses IPC from any other frame or page', () => {
    const refused = { ok: false, error: 'refused: the request did not come from the app window' };
    expect(seen.ipc.otherFrame).toEqual(refused);
    expect(seen.ipc.subFrame).toEqual(refused);
    expect(seen.ipc.noFrame).toEqual(refused);
    expect(seen.ipc.foreignPage).toEqual(refused);
  });

  it('answers malformed requests with one line, never a stack', () => {
    expect(seen.ipc.malformed).toHaveLength(9);
    for (const reply of seen.ipc.malformed) {
      expect(reply.ok).toBe(false);
      expect(reply.error).toMatch(/^\S.*\S$/);
      expect(reply.error).not.toMatch(/\n|\bat \S+:\d+|\.ts:|\.js:/);
    }
    expect(seen.ipc.malformed[0]!.error).toBe(
      'a request must be an object with target and request',
    );
  });

  it('pushes snapshots to the main window on lvs:push, and never to a destroyed one', () => {
    expect(seen.pushes.channels).toEqual(['lvs:push']);
    expect(seen.pushes.kinds).toEqual(expect.arrayContaining(['app', 'node-snapshot']));
    expect(seen.goneWindow.sendsAfterDestroy).toBe(0);
    expect(seen.quit.sendsAfterDestroy).toBe(0);
  });

  it('puts the node in low-power mode on battery, and back on AC', () => {
    expect(seen.ipc.onBattery.value?.mode).toBe('low-power');
    expect(seen.ipc.onBattery.value?.lowPowerReasons).toEqual(['on battery']);
    expect(seen.ipc.onAc.value?.mode).not.toBe('low-power');
  });

  it('shows the node in the tray, with its controls', () => {
    expect(seen.tray.tooltip).toMatch(/^LVS Node: cycle \d+ · peers 0 · (active|recovery)$/);
    const ids = seen.tray.menu.map((i) => i.id).filter(Boolean);
    const login = process.platform === 'darwin' || process.platform === 'win32' ? ['login'] : [];
    expect(ids).toEqual([
      'status',
      'start',
      'stop',
      'pause',
      'monitor',
      'data',
      'logs',
      ...login,
      'quit',
    ]);
    expect(seen.tray.menu.find((i) => i.id === 'start')?.enabled).toBe(false); // running
  });

  it('has an app menu with developer tools in an unpackaged app', () => {
    const view = seen.appMenu.find((m) => m.label === 'View');
    expect(view?.submenu?.map((i) => i.role)).toContain('toggleDevTools');
  });

  it('hides the window on close, reopens it from the tray, and stops the node on a burst of SIGINT and a Quit during the stop', () => {
    expect(seen.closeHides).toEqual({ destroyed: false, visible: false });
    expect(seen.reopened).toEqual({ windows: 2, url: 'app://lvs/index.html' });
    expect(seen.quit.how).toBe('quit');
    expect(seen.quit.windowsLeft).toBe(0);
    expect(seen.quit.nodeJson).toBe(true); // the final save
    expect(seen.quit.lockLeft).toBe(false); // the lock given back
    expect(seen.quit.errorBoxes).toEqual([]);
    expect(seen.quit.log).toMatch(/"msg":"stopped"/);
  });
});

describe('the preload bundle', () => {
  it('requires nothing but electron, and exposes only the bridge as window.lvs', async () => {
    const code = await readFile(join(build!, 'preload', 'index.cjs'), 'utf8');
    const required: string[] = [];
    const exposed: Record<string, unknown> = {};
    const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: {
        exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value),
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          const req = args[1] as { target?: string };
          return Promise.resolve(
            req.target === 'app'
              ? { ok: true, value: 'fine' }
              : { ok: false, error: 'no: one line' },
          );
        },
        on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) =>
          listeners.set(channel, l),
        removeListener: (channel: string) => listeners.delete(channel),
      },
    };
    const wrapped = runInThisContext(
      `(function (exports, require, module, __filename, __dirname) {${code}\n})`,
    ) as (...args: unknown[]) => void;
    const module = { exports: {} };
    wrapped(
      module.exports,
      (name: string) => {
        required.push(name);
        if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
        return electron;
      },
      module,
      'index.cjs',
      '.',
    );
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['lvs']);
    const lvs = exposed['lvs'] as {
      version: string;
      request(r: unknown): Promise<unknown>;
      subscribe(l: (p: unknown) => void): () => void;
    };
    expect(Object.keys(lvs).sort()).toEqual(['request', 'subscribe', 'version']);
    expect(lvs.version).toMatch(/^\d+\.\d+\.\d+/);
    await expect(lvs.request({ target: 'app', request: { op: 'info' } })).resolves.toBe('fine');
    await expect(lvs.request({ target: 'node', request: { op: 'status' } })).rejects.toThrow(
      /^no: one line$/,
    );
    expect(invoked[0]).toEqual(['lvs:request', { target: 'app', request: { op: 'info' } }]);
    const got: unknown[] = [];
    const off = lvs.subscribe((p) => got.push(p));
    listeners.get('lvs:push')!({ sender: 'the event stays in the preload' }, { kind: 'app' });
    expect(got).toEqual([{ kind: 'app' }]);
    off();
    expect(listeners.has('lvs:push')).toBe(false);
  });
});
