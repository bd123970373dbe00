// `npm start`: the desktop app when the Electron binary is installed; otherwise (say, an offline
// machine where it could not be downloaded) says so in one line and runs the web monitor with a
// personal node instead: `lvs node --monitor --host 127.0.0.1`, from the build. Never imports
// `electron` (that would try to download the binary). Arguments after `npm start --` go to the
// app, or to `lvs node`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const electronDir = join(root, 'node_modules', 'electron');
const require = createRequire(import.meta.url);
const electronVite = join(
  dirname(require.resolve('electron-vite/package.json')),
  'bin',
  'electron-vite.js',
);
const posix = process.platform !== 'win32';

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

/** The newest modification time of any file under `dir` (0 if there is none). */
function newestIn(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

/** Whether out/ is missing the CLI, or older than the sources it is built from. */
function needsBuild(cli) {
  if (!existsSync(cli)) return true;
  const built = statSync(cli).mtimeMs;
  return ['src-main', 'src-shared', 'src-renderer'].some((d) => newestIn(join(root, d)) > built);
}

/**
 * Runs a child with our stdio and exits with its code. Signals are passed on once: on POSIX the
 * child gets a process group of its own, so that Ctrl-C in the terminal reaches it only through
 * us, once (`lvs node` takes a later second SIGINT as "exit at once, without the final save").
 * On Windows the console delivers Ctrl-C to every process on it, so only a termination is passed
 * on. We wait for the child however it ends: its exit is ours.
 *
 * `npm start` runs us under `sh -c`, and npm passes SIGTERM only to that shell, which dies of it
 * without passing it on (dash). So when the process that started us is gone, the child gets the
 * SIGTERM we were not sent.
 */
function runChild(args, env = process.env) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
    detached: posix,
  });
  const forwarded = posix ? ['SIGINT', 'SIGTERM', 'SIGHUP'] : ['SIGTERM'];
  for (const signal of forwarded) process.on(signal, () => child.kill(signal));
  if (!posix) process.on('SIGINT', () => undefined); // the child got it from the console
  const launcher = process.ppid;
  const watch = setInterval(() => {
    if (isAlive(launcher)) return;
    clearInterval(watch);
    child.kill('SIGTERM');
  }, 500);
  child.on('error', (error) => {
    console.error(`LVS Node: could not start ${args[0]}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0)),
  );
}

/** Whether a process exists (signal 0 checks without sending anything; EPERM: not ours). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const electronBinary = findElectronBinary();

if (electronBinary) {
  // Build, then run the app from out/ (electron-vite preview), with our arguments passed on.
  runChild([electronVite, 'preview', ...process.argv.slice(2)], {
    ...process.env,
    ELECTRON_EXEC_PATH: electronBinary,
  });
} else {
  console.log(
    'LVS Node: the Electron binary is not installed (node_modules/electron/dist), so the desktop app cannot open; starting the web monitor with a personal node instead.',
  );
  const cli = join(root, 'out', 'main', 'cli.js');
  if (needsBuild(cli)) {
    const build = spawn(process.execPath, [electronVite, 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    build.on('error', (error) => {
      console.error(`LVS Node: could not build: ${error.message}`);
      process.exit(1);
    });
    build.on('exit', (code) => {
      if (code !== 0) {
        console.error(`LVS Node: the build failed (exit code ${code}); see above`);
        process.exit(code ?? 1);
      }
      startMonitor();
    });
  } else {
    startMonitor();
  }
}

/** `lvs node --monitor --host 127.0.0.1`: it prints `monitor: http://127.0.0.1:PORT/?token=...`. */
function startMonitor() {
  runChild([
    join(root, 'bin', 'lvs.js'),
    'node',
    '--monitor',
    '--host',
    '127.0.0.1',
    ...process.argv.slice(2),
  ]);
}
