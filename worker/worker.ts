import { readFileSync } from 'node:fs';
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { ParameterError } from '../runtime/errors.js';
import { startHttpEndpoint } from '../runtime/http.js';
import { componentLogger, createRootLogger } from '../runtime/logger.js';
import { createWorkerMetrics, type WorkerMetrics } from '../runtime/metrics.js';
import { createTask, type TaskConfig } from '../tasks/registry.js';
import type { Batch, Task } from '../tasks/task.js';
import { Backoff } from './backoff.js';
import { Behaviour } from './behaviour.js';
import { type JoinInfo, ParameterServerConnection } from './client.js';
import { ClusterConnection } from './cluster-connection.js';
import { launchInstructions, type WorkerConfig } from './config.js';
import { GradientSource } from './gradient-source.js';
import { TrainingLoop } from './training-loop.js';

export interface WorkerOptions {
  /** Where logs go; stdout by default. */
  readonly logDestination?: NodeJS.WritableStream;
  /** What the crash fault calls; process.exit by default. */
  readonly exit?: (code: number) => void;
}

/** A running worker. */
export interface WorkerHandle {
  readonly httpPort: number;
  readonly metrics: WorkerMetrics;
  readonly loop: TrainingLoop;
  /** Settles when the training loop ends: stopped, --max-steps reached, crashed, or refused for good (rejects). */
  readonly done: Promise<void>;
  /** Stops the loop and the HTTP endpoint. Safe to call twice. */
  close(): Promise<void>;
}

function channelCredentials(config: WorkerConfig): ChannelCredentials {
  if (config.tlsCaFile === '') return credentials.createInsecure();
  const read = (path: string) => (path === '' ? null : readFileSync(path));
  return credentials.createSsl(read(config.tlsCaFile), read(config.tlsKeyFile), read(config.tlsCertFile));
}

/** Task settings from the server's Join reply and this worker's configuration (fashion-mnist's width follows from d). */
function taskConfig(join: JoinInfo, config: WorkerConfig): TaskConfig {
  if (join.task === 'synthetic') return { task: join.task, seed: config.seed, dimension: join.dimension, noise: config.noise };
  if (join.task === 'fashion-mnist') {
    const hidden = (join.dimension - 10) / 795;
    return { task: join.task, seed: config.seed, dimension: join.dimension, hidden, dataDir: config.dataDir };
  }
  return { task: join.task, seed: config.seed };
}

/**
 * Builds the gradient source for the server's task and this worker's shard. The task (and its data)
 * is loaded again only when the server's task or d changes; a new worker id only re-cuts the shard.
 */
function sourceFactory(config: WorkerConfig): (join: JoinInfo) => GradientSource<Batch> {
  let task: { key: string; task: Task } | undefined;
  let source: { key: string; source: GradientSource<Batch> } | undefined;
  return (join) => {
    // Worker ids count from 1 in join order; shards from 0.
    const index = config.shard >= 0 ? config.shard : join.workerId - 1;
    if (index >= config.workers) {
      throw new ParameterError(`the server gave this worker id ${join.workerId}, beyond the ${config.workers} shards of --workers: start every worker with --workers set to the number of workers, or give it --shard`);
    }
    const taskKey = `${join.task}/${join.dimension}`;
    if (task?.key !== taskKey) task = { key: taskKey, task: createTask(taskConfig(join, config)) };
    const sourceKey = `${taskKey}/${index}`;
    if (source?.key !== sourceKey) {
      const estimateWorkers = config.estimateWorkers.length > 0 ? config.estimateWorkers : Array.from({ length: config.workers }, (_, worker) => worker);
      const shard = { worker: index, workers: config.workers, partition: config.partition, seed: config.dataSeed };
      source = { key: sourceKey, source: new GradientSource(task.task, { shard, batchSize: config.batchSize, estimateWorkers }) };
    }
    return source.source;
  };
}

/** Starts a worker: its /metrics endpoint, then the training loop against the configured server. */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<WorkerHandle> {
  const root = createRootLogger(config.logLevel, options.logDestination, 'byzps-worker').child({ worker: config.name });
  const log = componentLogger(root, 'training');
  const metrics = createWorkerMetrics();
  const prepareSource = sourceFactory(config);
  let source: GradientSource<Batch> | undefined;
  const behaviour = new Behaviour((attack) => source?.check(attack));
  for (const instruction of launchInstructions(config)) behaviour.apply(instruction);
  const channel = channelCredentials(config);
  const loop = new TrainingLoop({
    name: config.name,
    connect: () => {
      const open = (address: string) => new ParameterServerConnection(address, channel, config.workerToken, config.callTimeoutMs);
      return new ClusterConnection(open(config.server), open);
    },
    prepare: (join) => {
      // A server that lists no encodings predates them and takes float32 only.
      const accepted = join.gradientEncodings.length > 0 ? join.gradientEncodings : ['FLOAT32'];
      if (!accepted.includes(config.gradientEncoding)) {
        throw new ParameterError(`the server does not take ${config.gradientEncoding.toLowerCase()} gradients (it takes ${accepted.join(', ').toLowerCase()}); use --gradient-encoding float32`);
      }
      source = prepareSource(join);
      // Launch flags were checked without the task; an attack this worker cannot run on it is fatal.
      if (behaviour.attack !== undefined) source.check(behaviour.attack);
      return source;
    },
    behaviour,
    metrics,
    log,
    backoff: new Backoff(config.reconnectInitialMs, config.reconnectMaxMs),
    maxSteps: config.maxSteps,
    gradientEncoding: config.gradientEncoding,
    exit: options.exit ?? ((code) => process.exit(code)),
  });
  let closing = false;
  const http = await startHttpEndpoint(config.httpHost, config.httpPort, metrics.registry, () => !closing, componentLogger(root, 'http'), config.httpAddressFile);
  log.info({ server: config.server, httpPort: http.port, active: behaviour.active() }, 'worker started');
  const done = loop.run();
  done.catch((error: unknown) => {
    log.fatal({ err: error }, 'worker stopped for good');
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      loop.stop();
      await done.catch(() => undefined);
      await http.close();
      log.info({ steps: loop.stepsDone }, 'worker stopped');
    })();
    return closed;
  };
  return { httpPort: http.port, metrics, loop, done, close };
}
