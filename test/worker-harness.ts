import { Writable } from 'node:stream';
import { makeWorkerConfig, type WorkerConfig } from '../worker/config.js';
import { startWorker, type WorkerHandle } from '../worker/worker.js';
import { WORKER_TOKEN } from './server-harness.js';

/** A worker in the test process, its log lines kept, its crash fault recorded instead of ending the process. */
export interface TestWorker {
  readonly handle: WorkerHandle;
  readonly logLines: string[];
  readonly exitCodes: number[];
}

export async function startTestWorker(address: string, overrides: Partial<WorkerConfig> = {}): Promise<TestWorker> {
  const logLines: string[] = [];
  const exitCodes: number[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const config = makeWorkerConfig({
    server: address,
    workerToken: WORKER_TOKEN,
    httpHost: '127.0.0.1',
    httpPort: 0,
    pullIntervalMs: 5,
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    logLevel: 'debug',
    ...overrides,
  });
  const handle = await startWorker(config, { logDestination: sink, exit: (code) => exitCodes.push(code) });
  return { handle, logLines, exitCodes };
}
