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
