import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker whose entry sits next to the calling module. From the sources (tests, the
 * development CLI) the entry is a .ts file and the worker loads tsx first; from the build the
 * entry is the bundled .js file beside the caller's chunk.
 */
export function startWorker(name: string, callerUrl: string, options: WorkerOptions = {}): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  const execArgv = fromSource ? ['--import', 'tsx', ...(options.execArgv ?? [])] : options.execArgv;
  return new Worker(url, { ...options, execArgv });
}
