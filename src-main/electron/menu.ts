import type { MenuItemConstructorOptions } from 'electron';

/*
 * The application menu, as a pure function of where the app runs. Developer tools and reloads
 * are offered only in an unpackaged app. The one link out (Help → documentation) goes through
 * actions.openDocs, which opens only a vetted URL (security.ts isVettedUrl).
 */

export interface AppMenuOptions {
  readonly platform: NodeJS.Platform;
  readonly isPackaged: boolean;
  readonly appName: string;
  /** The documentation address; absent: no documentation item. */
  readonly docsUrl?: string | undefined;
  readonly actions: {
    openDocs(): void;
    openDataFolder(): void;
    openLogs(): void;
    about(): void;
  };
}

export function appMenuTemplate(o: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const { actions } = o;
  const menu: MenuItemConstructorOptions[] = [];
  if (mac)
    menu.push({
      label: o.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  menu.push(
    {
      label: 'File',
      submenu: [
        { label: 'Open Data Folder', click: () => actions.openDataFolder() },
        { label: 'Open Logs', click: () => actions.openLogs() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(o.isPackaged
          ? []
          : ([
              { role: 'reload' },
              { role: 'forceReload' },
              { role: 'toggleDevTools' },
              { type: 'separator' },
            ] satisfies MenuItemConstructorOptions[])),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  );
  const help: MenuItemConstructorOptions[] = [
    ...(o.docsUrl
      ? [{ label: `${o.appName} Documentation`, click: () => actions.openDocs() }]
      : []),
    ...(mac ? [] : [{ label: `About ${o.appName}`, click: () => actions.about() }]),
  ];
  if (help.length > 0) menu.push({ role: 'help', submenu: help });
  return menu;
}
