/**
 * Hosts many workers in one process for the load test: `startWorker` is called once per worker,
 * each with its own gRPC channel, training loop and /metrics endpoint. Arguments: server address,
 * worker count, name prefix. Prints one JSON line once every worker has started, and on SIGTERM
 * prints a last line with their steps, push failures and this process's event-loop delay since
 * then, and stops them all.
 */
import { Writable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { makeWorkerConfig } from '../worker/config.js';
import { startWorker } from '../worker/worker.js';

const [address, countText, prefix] = process.argv.slice(2);
const count = Number(countText);
if (address === undefined || prefix === undefined || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: load-workers.ts HOST:PORT COUNT NAME-PREFIX\n');
  process.exit(2);
}

// Warnings and errors only; they go to stderr so stdout carries nothing but the two JSON lines.
const logs = new Writable({
  write(chunk: Buffer, _encoding, done) {
    process.stderr.write(chunk);
    done();
  },
});
const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
const handles = await Promise.all(
  Array.from({ length: count }, (_, shard) =>
    startWorker(
      makeWorkerConfig({ server: address, name: `${prefix}-${shard}`, workers: count, shard, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'warn', workerToken: process.env.BYZPS_WORKER_TOKEN ?? '' }),
      { logDestination: logs },
    ),
  ),
);
process.stdout.write(`${JSON.stringify({ started: handles.length })}\n`);
lag.reset();

process.once('SIGTERM', () => {
  void (async () => {
    // Counted before stopping: stopping cancels the pushes in flight, which is no refusal.
    let steps = 0;
    let pushFailures = 0;
    for (const handle of handles) {
      steps += handle.loop.stepsDone;
      for (const sample of (await handle.metrics.pushFailures.get()).values) pushFailures += sample.value;
    }
    await Promise.all(handles.map((handle) => handle.close()));
    process.stdout.write(`${JSON.stringify({ steps, pushFailures, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 })}\n`);
    process.exit(0);
  })();
});
