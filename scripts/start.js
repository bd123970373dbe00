// `npm start`: open the desktop app when the Electron binary is installed; otherwise say why not
// and point at the simulator. Never imports `electron` (that would try to download the binary).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const electronDir = join(root, 'node_modules', 'electron');

/** Path of the Electron executable if it is installed, else undefined. */
function findElectronBinary() {
  const candidates = [];
  const pathFile = join(electronDir, 'path.txt');
  if (existsSync(pathFile)) {
    const relative = readFileSync(pathFile, 'utf8').trim();
    if (relative) candidates.push(relative);
  }
  const platformDefault = {
    darwin: 'Electron.app/Contents/MacOS/Electron',
    win32: 'electron.exe',
  };
  candidates.push(platformDefault[process.platform] ?? 'electron');
  return candidates.map((name) => join(electronDir, 'dist', name)).find((file) => existsSync(file));
}

const electronBinary = findElectronBinary();

if (!electronBinary) {
  console.log(
    'LVS Node: the Electron binary is absent (offline machine), and the web monitor is not built yet (a later issue adds it); run the simulator instead: npx lvs sim --help (or npm run lvs -- sim --help)',
  );
  process.exit(0);
}

// Build, then run the app from out/ (electron-vite preview), with our arguments passed on.
const require = createRequire(import.meta.url);
const electronVite = join(
  dirname(require.resolve('electron-vite/package.json')),
  'bin',
  'electron-vite.js',
);
const child = spawn(process.execPath, [electronVite, 'preview', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ELECTRON_EXEC_PATH: electronBinary },
});
// Ctrl-C reaches both processes; a plain `kill` of this one is passed on to the app.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`LVS Node: could not start electron-vite: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
