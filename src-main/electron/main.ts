// The Electron main process: wiring only. The decisions live in small modules that take what
// they need as parameters (security.ts, window.ts, ipc.ts, tray.ts, menu.ts, settings.ts,
// protocol.ts, personal-node.ts), so tests check them without Electron; tests/electron also runs
// this bundle against a stand-in for the `electron` module.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  powerMonitor,
  protocol,
  session,
  shell,
  Tray,
} from 'electron';
import type { MonitorRequest } from '../../src-shared/api/monitor-api';
import { MonitorHost } from '../monitor/monitor-host';
import { appVersion } from '../runtime/app-version';
import { PUSH_CHANNEL, REQUEST_CHANNEL } from './channels';
import { iconPng } from './icon';
import { createIpcHandler, oneLine, pushToWindow } from './ipc';
import { errorFields, openAppLog, type AppLog } from './log-file';
import { appMenuTemplate } from './menu';
import { ON_BATTERY, personalNodeStarter, startAppJoinPage } from './personal-node';
import type { JoinServer } from '../node/join/join-server';
import { APP_SCHEME_PRIVILEGES, serveRenderer } from './protocol';
import {
  APP_INDEX_URL,
  cspFor,
  docsUrlFrom,
  isTrustedSender,
  isVettedUrl,
  type AppOrigins,
} from './security';
import { SettingsFile } from './settings';
import { ShellTray, type TrayActions, type TrayState } from './tray';
import { createMainWindow, hardenContents, hardenSession, reveal } from './window';
import { handleStopSignals, signalExitCode } from '../cli/signals';

const here = import.meta.dirname; // out/main at run time
const PRELOAD = join(here, '../preload/index.cjs');
const RENDERER_DIR = join(here, '../renderer');
/** Given to the login item (Windows): start in the tray, without the window. */
const HIDDEN_ARG = '--hidden';
/** How long quitting waits for the node's final save and a lab's stop. */
const SHUTDOWN_MS = 15_000;

// Set by `electron-vite dev` only; a packaged app always serves the built renderer.
const devUrl = (!app.isPackaged && process.env['ELECTRON_RENDERER_URL']) || undefined;
const origins: AppOrigins = { devUrl };
const csp = cspFor(devUrl);
const version = appVersion();
const loginItemSupported = process.platform === 'darwin' || process.platform === 'win32';

// A separate profile (tests; a second app on one machine): its own data, node and instance lock.
const profile = app.commandLine.getSwitchValue('user-data-dir');
if (profile) app.setPath('userData', resolve(profile));

app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
if (process.platform === 'win32') app.setAppUserModelId('org.lvs.node');

let win: BrowserWindow | null = null;
let tray: ShellTray | null = null;
let quitting = false;
let showWindow: () => void = () => undefined;
/** Set once ready: stops the node and any lab before the app exits. */
let shutdown: (() => Promise<void>) | null = null;
let shutDown = false;
/** The shutdown under way, once a quit has started it. */
let stopping: Promise<void> | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
  // With a tray, closing the window hides it; without one, closing it quits.
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutDown || (!shutdown && !stopping)) return;
    // Another quit while the node stops (a second signal, the tray's Quit) waits for that stop:
    // quitting now would skip the node's final save.
    event.preventDefault();
    if (stopping || !shutdown) return;
    const run = shutdown;
    shutdown = null;
    stopping = run().finally(() => {
      shutDown = true;
      app.quit();
    });
  });
  // As `lvs node` (src-main/cli/signals.ts): copies of one Ctrl-C that the terminal and the
  // wrappers (npm, electron-vite) deliver together are one request; a later one exits at once.
  handleStopSignals({
    onStop: () => app.quit(),
    onForce: (signal) => app.exit(signalExitCode(signal)),
  });

  app
    .whenReady()
    .then(ready)
    .catch((err: unknown) => {
      console.error(err);
      dialog.showErrorBox('LVS Node could not start', oneLine(err));
      app.exit(1);
    });
}

async function ready(): Promise<void> {
  app.setAppLogsPath();
  const userData = app.getPath('userData');
  const logsDir = app.getPath('logs');
  const log = openAppLog(logsDir);
  log.info(`LVS Node ${version} starting: data in ${userData}, logs in ${logsDir}`);
  const settings = new SettingsFile(userData);
  const loaded = await settings.load();
  if (loaded.notice) log.warn(loaded.notice);

  hardenSession(session.defaultSession, csp, origins);
  if (!devUrl) serveRenderer(protocol, RENDERER_DIR, csp);

  let joinPage: JoinServer | null = null;
  const starter = personalNodeStarter({
    dataDir: userData,
    appVersion: version,
    log,
    network: () => settings.get().node,
    onBattery: () => powerMonitor.isOnBatteryPower(),
    joinUrls: () => joinPage?.urls() ?? null,
  });
  // The join page lives with the app and offers the personal node while it runs. A port it
  // cannot take costs the page, not the app: the node still runs, and the log says why.
  const browsers = settings.get().node.browsers;
  if (browsers) {
    const at = { host: settings.get().node.host, port: browsers.joinPort, version };
    joinPage = await startAppJoinPage(starter, at).catch((err: unknown) => {
      log.warn(`no join page for browser nodes: ${oneLine(err)}`);
      return null;
    });
    if (joinPage) log.info(`join page: ${joinPage.urls().join(' ')}`);
  }
  const host = new MonitorHost({
    shell: 'electron',
    appVersion: version,
    labsDir: join(userData, 'labs'),
    recordingsMb: settings.get().labRecordingsMb,
    startNode: () => starter.start(),
  });

  ipcMain.handle(
    REQUEST_CHANNEL,
    createIpcHandler({
      host,
      isTrustedSender: (frame) =>
        isTrustedSender(
          frame,
          win && !win.isDestroyed() ? win.webContents.mainFrame : null,
          origins,
        ),
      log: (line, err) => log.warn(line, err === undefined ? undefined : errorFields(err)),
    }),
  );
  host.subscribe(pushToWindow(PUSH_CHANNEL, () => win));

  // ---------------------------------------------------------------- tray and its actions
  let busy: TrayState['busy'] = null;
  let lastError: string | null = null;
  const trayState = (): TrayState => ({
    node: host.info().node,
    busy,
    openAtLogin: settings.get().openAtLogin,
    loginItemSupported,
    lastError,
  });
  const refresh = () => tray?.update(trayState());
  host.subscribe((push) => {
    if (push.kind === 'node-snapshot' || push.kind === 'app') refresh();
  });
  const act = (what: string, req: MonitorRequest, during: TrayState['busy'] = null) => {
    if (during) busy = during;
    lastError = null;
    refresh();
    host
      .handle(req)
      .catch((err: unknown) => {
        lastError = `${what}: ${oneLine(err)}`;
        log.warn(lastError);
      })
      .finally(() => {
        if (during) busy = null;
        refresh();
      });
  };
  const applyLoginItem = (on: boolean) => {
    if (loginItemSupported) app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_ARG] });
  };
  const actions: TrayActions = {
    start: () => act('start', { target: 'app', request: { op: 'start-node' } }, 'starting'),
    stop: () => act('stop', { target: 'app', request: { op: 'stop-node' } }, 'stopping'),
    pause: () => act('pause', { target: 'node', request: { op: 'pause' } }),
    resume: () => act('resume', { target: 'node', request: { op: 'resume' } }),
    openMonitor: () => showWindow(),
    openDataFolder: () => void openFolder(userData, log),
    openLogs: () => void openFolder(logsDir, log),
    setOpenAtLogin: (on) => {
      applyLoginItem(on);
      settings
        .update((s) => ({ ...s, openAtLogin: on }))
        .catch((err: unknown) => log.warn(`saving the settings: ${oneLine(err)}`))
        .finally(refresh);
    },
    quit: () => app.quit(),
  };

  // ---------------------------------------------------------------- menu, window, tray
  const docsUrl = docsUrlFrom(readPackageJson(app.getAppPath()));
  const vetted = docsUrl ? [docsUrl] : [];
  const openExternal = (url: string) => {
    if (!isVettedUrl(url, vetted)) return log.warn(`refused to open ${url}: not a vetted address`);
    // Electronegativity asks for a review of openExternal: the line above lets through only the
    // https addresses on the allow list (isVettedUrl, tested), never one the renderer names.
    const opening = shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
    opening.catch((err: unknown) => log.warn(`opening ${url}: ${oneLine(err)}`));
  };
  app.setAboutPanelOptions({
    applicationName: 'LVS Node',
    applicationVersion: version,
    ...(docsUrl ? { website: docsUrl } : {}),
  });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate({
        platform: process.platform,
        isPackaged: app.isPackaged,
        appName: 'LVS Node',
        docsUrl,
        actions: {
          openDocs: () => docsUrl && openExternal(docsUrl),
          openDataFolder: actions.openDataFolder,
          openLogs: actions.openLogs,
          about: () => app.showAboutPanel(),
        },
      }),
    ),
  );

  const icon = nativeImage.createFromBuffer(iconPng(256));
  const openWindow = (show: boolean) => {
    const w = createMainWindow(BrowserWindow, {
      preloadPath: PRELOAD,
      url: devUrl ?? APP_INDEX_URL,
      icon,
      show,
      hideOnClose: () => !quitting && tray !== null,
      onLoadFailed: (err) => log.error(`the window could not load its page: ${oneLine(err)}`),
    });
    w.webContents.on('render-process-gone', (_e, details) =>
      log.error(`the window's renderer stopped (${details.reason}, exit code ${details.exitCode})`),
    );
    w.on('closed', () => {
      if (win === w) win = null;
    });
    win = w;
  };
  showWindow = () => {
    if (win && !win.isDestroyed()) reveal(win);
    else openWindow(true);
  };
  const startHidden =
    process.argv.includes(HIDDEN_ARG) ||
    (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  openWindow(!startHidden);

  try {
    const mac = process.platform === 'darwin';
    const image = nativeImage.createFromBuffer(iconPng(32, mac), { scaleFactor: 2 });
    if (mac) image.setTemplateImage(true);
    tray = new ShellTray({ Tray, Menu, image }, actions, trayState());
  } catch (err) {
    log.warn(`no tray icon (${oneLine(err)}): closing the window quits the app`);
  }

  // ---------------------------------------------------------------- power, login, the node
  const onBattery = (on: boolean) => {
    const node = starter.latest();
    if (node && host.info().node) node.setLowPower(ON_BATTERY, on);
  };
  powerMonitor.on('on-battery', () => onBattery(true));
  powerMonitor.on('on-ac', () => onBattery(false));
  // Applied at each start in the packaged app only: a development run must not register
  // the bare Electron binary as a login item (the tray's checkbox still applies it on request).
  if (app.isPackaged) applyLoginItem(settings.get().openAtLogin);

  shutdown = async () => {
    await joinPage?.close();
    await stopAll(host, log);
  };
  if (settings.get().startNodeAtLaunch) actions.start();
}

async function stopAll(host: MonitorHost, log: AppLog): Promise<void> {
  log.info('quitting: stopping the node (final save) and any lab');
  tray?.destroy();
  tray = null;
  ipcMain.removeHandler(REQUEST_CHANNEL);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), SHUTDOWN_MS)));
  try {
    const how = await Promise.race([host.close().then(() => 'done' as const), late]);
    if (how === 'late') log.warn(`the node and lab did not stop within ${SHUTDOWN_MS / 1000} s`);
    else log.info('stopped');
  } catch (err) {
    log.error(`stopping: ${oneLine(err)}`, errorFields(err));
  } finally {
    clearTimeout(timer);
    await log.close();
  }
}

async function openFolder(dir: string, log: AppLog): Promise<void> {
  const failure = await shell.openPath(dir);
  if (failure) log.warn(`cannot open ${dir}: ${failure}`);
}

function readPackageJson(dir: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
}
