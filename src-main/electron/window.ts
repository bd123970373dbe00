import type {
  BrowserWindow,
  BrowserWindowConstructorOptions,
  NativeImage,
  Session,
  WebContents,
} from 'electron';
import { isAppUrl, webPreferencesFor, withCspHeader, type AppOrigins } from './security';

/*
 * The main window and the rules every web contents and the session live by. Electron's classes
 * come in as parameters (main.ts passes them), so tests can hand in stand-ins.
 */

export interface MainWindowOptions {
  readonly preloadPath: string;
  /** The page: app://lvs/index.html, or the dev server's URL. */
  readonly url: string;
  readonly icon?: NativeImage;
  /** Show the window once it has painted (false: start in the tray, e.g. at login). */
  readonly show: boolean;
  /** Closing hides the window instead (the app lives on in the tray) while this says so. */
  readonly hideOnClose: () => boolean;
  readonly onLoadFailed?: (err: unknown) => void;
}

export function mainWindowOptions(o: MainWindowOptions): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'LVS Node',
    show: false,
    backgroundColor: '#101418',
    ...(o.icon ? { icon: o.icon } : {}),
    webPreferences: webPreferencesFor(o.preloadPath),
  };
}

export function createMainWindow(
  Window: new (options: BrowserWindowConstructorOptions) => BrowserWindow,
  o: MainWindowOptions,
): BrowserWindow {
  const win = new Window(mainWindowOptions(o));
  win.once('ready-to-show', () => {
    if (o.show) win.show();
  });
  win.on('close', (event) => {
    if (!o.hideOnClose()) return;
    event.preventDefault();
    win.hide();
  });
  win.loadURL(o.url).catch((err: unknown) => o.onLoadFailed?.(err));
  return win;
}

/** Brings the window to the front (restoring it if minimised). */
export function reveal(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Every web contents (the window's, and any created later): no navigation away from the page,
 * no redirects, no new windows, no <webview>.
 */
export function hardenContents(contents: WebContents): void {
  const deny = (event: { preventDefault(): void }) => event.preventDefault();
  contents.on('will-navigate', deny);
  contents.on('will-frame-navigate', deny);
  contents.on('will-redirect', deny);
  contents.on('will-attach-webview', deny);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * The session: every permission request and check refused (the monitor needs no camera,
 * notifications, geolocation, devices...), and the CSP header on the app's own pages.
 */
export function hardenSession(ses: Session, csp: string, origins: AppOrigins): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, origins)) return callback({});
    callback({ responseHeaders: withCspHeader(details.responseHeaders, csp) });
  });
}
