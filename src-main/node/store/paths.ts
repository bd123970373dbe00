import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The folder Electron's `app.getPath('userData')` gives an app called `appName`, computed
 * without Electron, so that `lvs node` without `--data` can use the folder the desktop app
 * uses. (Electron takes the name from package.json: `productName`, else `name`.)
 */
export function userDataDir(
  appName: string,
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  switch (platform) {
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), appName);
    case 'darwin':
      return join(home, 'Library', 'Application Support', appName);
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), appName);
  }
}
