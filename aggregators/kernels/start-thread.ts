import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `stem` (a path without extension, relative to `callerUrl`).
 * From TypeScript sources (vitest, tsx) that module is a .ts file, and Node 20 does not apply
 * `--import tsx` to worker threads, so a small bootstrap loads it through tsx's API instead.
 */
export function startModuleThread(callerUrl: string, stem: string, options: WorkerOptions = {}): Worker {
  const fromSources = callerUrl.endsWith('.ts');
  const url = new URL(`${stem}${fromSources ? '.ts' : '.js'}`, callerUrl);
  if (!fromSources) return new Worker(url, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(callerUrl)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Starts a module thread as startModuleThread does and resolves once it says it is ready: its first
 * message, which every byzps thread module posts after its setup. Rejects when the thread fails
 * before that (a missing file, an error during setup).
 */
export function startReadyThread(callerUrl: string, stem: string, options: WorkerOptions = {}): Promise<Worker> {
  const thread = startModuleThread(callerUrl, stem, options);
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      reject(error);
    };
    thread.once('error', failed);
    thread.once('message', () => {
      thread.off('error', failed);
      resolve(thread);
    });
  });
}
