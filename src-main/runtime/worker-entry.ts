import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker whose entry sits next to the calling module. From the sources (tests, the
 * development CLI) the entry is a .ts file, loaded through tsx's `tsImport` inside the worker;
 * from the build the entry is the bundled .js file beside the caller's chunk.
 *
 * Not `execArgv: ['--import', 'tsx']`: Node 20 ignores module hooks given to a worker that way
 * (nodejs/node#47747), and the worker fails with ERR_UNKNOWN_FILE_EXTENSION.
 */
export function startWorker(name: string, callerUrl: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href);
  // Resolved here: an eval'd worker would resolve a bare 'tsx' from the current directory.
  // (The CommonJS build of tsx/esm/api cannot register its loader, so import the ES one.)
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsxApi}).then(({ tsImport }) => tsImport(${entry}, ${entry}));`;
  return new Worker(boot, { ...options, eval: true });
}
