/*
 * Stop signals of the long-running commands (`lvs node`, `lvs lab`): the first SIGINT, SIGTERM
 * or SIGHUP asks for a graceful stop; a later, deliberate second one exits at once.
 *
 * "Later" matters because one Ctrl-C often arrives more than once. A terminal signals its whole
 * foreground process group, so every wrapper in it gets the same SIGINT as we do, and some pass
 * it on: tsx waits 30 ms for its child to report the signal and sends it again if the report
 * has not come (twice, then SIGKILL), and npm forwards SIGINT and SIGTERM to its shell. Those
 * copies land within tens of milliseconds; on a loaded machine the event loop can sit on them
 * for a few hundred more. A person who saw "stopping" and means "now" presses again later than
 * that. So every stop signal within BURST_MS of the first is the same request.
 *
 * A node started by an npm script (`npm run lvs -- node`, `npx lvs node`) also watches the
 * process that started it. npm passes SIGTERM only to its own child, the shell `sh -c` runs the
 * script in, and dash dies of it without passing it on: the node was left running, holding its
 * lock and port. When that parent is gone, the node stops as if it had got SIGTERM.
 */

import { EXIT } from './errors';

/** Stop signals closer than this to the first are copies of it, not a second request. */
export const BURST_MS = 1000;

/** How often a node started by npm checks that the process that started it is still there. */
export const LAUNCHER_POLL_MS = 500;

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** What a stop signal means at the moment it is handled. */
export type SignalVerdict =
  /** The first one: stop gracefully. */
  | 'stop'
  /** A copy of the first, within BURST_MS: nothing more to do. */
  | 'repeat'
  /** A second request, later than the burst: exit at once. */
  | 'force';

/** Tells a first stop signal from its copies and from a deliberate second one. */
export class SignalDebouncer {
  private first: number | null = null;

  constructor(
    private readonly now: () => number = () => performance.now(),
    readonly burstMs: number = BURST_MS,
  ) {}

  /** The verdict on a stop signal handled now. */
  take(): SignalVerdict {
    const t = this.now();
    if (this.first === null) {
      this.first = t;
      return 'stop';
    }
    // Measured from the first signal, not the latest: a stream of copies cannot stretch the
    // burst, so a deliberate press always counts once BURST_MS has passed.
    return t - this.first < this.burstMs ? 'repeat' : 'force';
  }

  /** Whether a stop has been asked for. */
  get stopping(): boolean {
    return this.first !== null;
  }
}

/** The first signal that asked for the stop, and how it came. */
export interface StopRequest {
  readonly signal: StopSignal;
  /** True when the signal is ours to imply: the npm shell that started us is gone. */
  readonly launcherGone: boolean;
}

export interface StopSignalHandlers {
  /** The first request: stop gracefully (called once). */
  onStop(request: StopRequest): void;
  /** A deliberate second signal: exit at once (the handler exits the process). */
  onForce(signal: StopSignal): void;
  /** A copy of the first signal, ignored (for a debug line). */
  onRepeat?(signal: StopSignal): void;
}

/**
 * Installed handlers; `dispose()` removes them and stops watching the launcher (and, once a stop
 * was asked for, leaves the signals ignored while the process exits).
 */
export interface StopSignals {
  dispose(): void;
}

/** 128 + the signal number: the exit code of a process a signal ended. */
export function signalExitCode(signal: StopSignal): number {
  return { SIGHUP: EXIT.hangup, SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated }[signal];
}

/**
 * Handles SIGINT, SIGTERM and SIGHUP for a command that stops gracefully, and (when an npm
 * script started us) the death of the process that started us.
 */
export function handleStopSignals(
  handlers: StopSignalHandlers,
  opts: { readonly debouncer?: SignalDebouncer; readonly watchLauncher?: boolean } = {},
): StopSignals {
  const debouncer = opts.debouncer ?? new SignalDebouncer();
  const onSignal = (signal: StopSignal, launcherGone = false) => {
    const verdict = debouncer.take();
    if (verdict === 'stop') handlers.onStop({ signal, launcherGone });
    else if (verdict === 'force') handlers.onForce(signal);
    else handlers.onRepeat?.(signal);
  };
  const listeners = STOP_SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, l] of listeners) process.on(s, l);

  let poll: ReturnType<typeof setInterval> | undefined;
  const launcher = process.ppid;
  if ((opts.watchLauncher ?? startedByNpm()) && launcher > 1) {
    poll = setInterval(() => {
      if (isAlive(launcher)) return;
      clearInterval(poll);
      if (!debouncer.stopping) onSignal('SIGTERM', true);
    }, LAUNCHER_POLL_MS);
    poll.unref();
  }
  return {
    dispose() {
      clearInterval(poll);
      for (const [s, l] of listeners) process.off(s, l);
      // After a stop, the process is on its way out, and a wrapper's copy of the signal may
      // still be on its way in: without a listener it would kill the process with 128 + n
      // after a clean stop. So late signals are ignored from here on.
      if (debouncer.stopping) for (const s of STOP_SIGNALS) process.on(s, ignore);
    },
  };
}

/**
 * Whether an npm script or `npx` started this process: npm sets npm_lifecycle_event for both.
 * Only then is the parent a shell that may die of a signal meant for us; a node started from a
 * terminal by `lvs node &` must outlive the shell that started it.
 */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return typeof env.npm_lifecycle_event === 'string' && env.npm_lifecycle_event !== '';
}

function ignore(): void {}

/** Whether a process exists (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal, so it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
