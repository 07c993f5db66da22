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
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    logLevel: 'debug',
    ...overrides,
  });
  const handle = await startWorker(config, { logDestination: sink, exit: (code) => exitCodes.push(code) });
  return { handle, logLines, exitCodes };
}

/** The value of one series of a worker metric (counter or gauge), 0 when the series does not exist. */
export async function workerMetric(metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value)).reduce((sum, sample) => sum + sample.value, 0);
}
