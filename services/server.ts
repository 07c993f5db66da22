import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { freeGradient, gradientMemory, startAggregationThread } from '../aggregators/index.js';
import { byzpsV1, packageDefinition } from '../proto/protocol.js';
import { GRPC_SERVER_OPTIONS } from '../proto/transport.js';
import { ConfigError } from '../runtime/errors.js';
import { startHttpEndpoint } from '../runtime/http.js';
import { componentLogger, createRootLogger, type Logger } from '../runtime/logger.js';
import { createServerMetrics, type ServerMetrics } from '../runtime/metrics.js';
import { authenticate, operatorAdmission, workerAdmission, WorkerAuthenticator } from './auth.js';
import { asCallRefused, decodingSafely, refusalInterceptor } from './call-refusals.js';
import { type Checkpoint, CheckpointStore } from './checkpoint.js';
import { createCheckpointer, loadResumePoint } from './checkpointing.js';
import type { ServerConfig } from './config.js';
import { controlHandlers } from './control.js';
import { startEvaluator } from './evaluation.js';
import { logEvents } from './event-log.js';
import { recordMetrics } from './event-metrics.js';
import { ServerEvents } from './events.js';
import { FaultQueue } from './faults.js';
import { HandlerKit } from './handlers.js';
import type { GradientBuffers } from './ingest.js';
import { SgdOptimizer } from './optimizer.js';
import { parameterServerHandlers } from './parameter-server.js';
import { type EngineSnapshot, RoundEngine } from './round.js';
import { createShardRestorer } from './shard-recovery.js';
import { createShardRole, type ShardRole, shardInfos, shardMap } from './sharding.js';
import { ShuttingDownError } from './errors.js';
import { loadModel } from './task.js';
import { serverCredentials } from './tls.js';
import { loadWorkerTokens } from './worker-tokens.js';

/** Room for the protobuf framing around a chunk of maxChunkBytes. */
const MESSAGE_OVERHEAD_BYTES = 64 * 1024;
/** How long in-flight calls get to finish on shutdown before they are cut. */
const SHUTDOWN_GRACE_MS = 5000;
/** Checkpoints a shard keeps on disk (docs/PROTOCOL.md §10, "Recovery"). */
const SHARD_CHECKPOINTS_KEPT = 3;
const PARAMETER_SERVER = 'byzps.v1.ParameterServer';
const CONTROL_SERVICE = 'byzps.v1.Control';
const SHARD_PEER_SERVICE = 'byzps.v1.ShardPeer';
const SERVICE_NAMES = [PARAMETER_SERVER, CONTROL_SERVICE];

export interface ServerOptions {
  /** Where logs go; stdout by default. */
  readonly logDestination?: NodeJS.WritableStream;
  /** Where pushed gradients are assembled; by default the shared gradient memory the SIMD kernels read in place. */
  readonly buffers?: GradientBuffers;
}

/** A running parameter server. */
export interface ServerHandle {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly engine: RoundEngine;
  /** What the server reports: rounds, pushes, refusals, checkpoints, evaluations. */
  readonly events: ServerEvents;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  /** Stops taking work, abandons the open round, writes a checkpoint when configured, and closes both ports. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Gradients go to the shared gradient memory, where the kernels read them in place. They are not
 * zeroed: a push only reaches a rule once its chunks have covered every coordinate.
 */
const sharedGradientBuffers: GradientBuffers = {
  allocate: (dimension) => gradientMemory().float32(gradientMemory().allocate(dimension * 4), dimension),
  release: freeGradient,
};

/** The worker authentication the configuration asks for; an admin token that is also a worker's token is refused. */
async function workerAuthenticator(config: ServerConfig): Promise<WorkerAuthenticator> {
  const tokens = await loadWorkerTokens(config.workerTokensFile);
  if (config.adminToken !== '' && [...tokens.values()].includes(config.adminToken)) {
    throw new ConfigError('--admin-token must differ from every token in --worker-tokens-file');
  }
  return new WorkerAuthenticator(config.workerToken, tokens);
}

/** Starts the gRPC services (ParameterServer, Control — on only with an admin token —, health, reflection) and the HTTP endpoint. */
export async function startServer(config: ServerConfig, options: ServerOptions = {}): Promise<ServerHandle> {
  // Unreadable certificate files are a configuration error: report them before anything starts.
  const credentials = await serverCredentials(config);
  const workerAuth = await workerAuthenticator(config);
  const root = createRootLogger(config.logLevel, options.logDestination);
  const log = componentLogger(root, 'server');
  const events = new ServerEvents((name, error) => {
    log.error({ err: error, event: name }, `a subscriber of ${name} failed`);
  });
  const task = loadModel(config);
  const identity = { task: task.name, dimension: task.dimension, seed: config.seed, ...(config.shards > 1 ? { shard: { index: config.shardIndex, count: config.shards } } : {}) };
  // A shard keeps one checkpoint more, so that the shards still share a round after one of them is killed while writing.
  const store = config.checkpointDir === '' ? undefined : new CheckpointStore(config.checkpointDir, config.shards > 1 ? SHARD_CHECKPOINTS_KEPT : undefined);
  const checkpointLog = componentLogger(root, 'checkpoint');
  const resumed = store === undefined ? undefined : await loadResumePoint(store, identity, checkpointLog);
  const runner = await startAggregationThread();
  const spec = { name: config.rule, f: config.f, params: config.ruleParams, pre: config.pre };
  const rule = runner.build(spec);
  // A shard of a sharded server (docs/ARCHITECTURE.md §5): θ and gradients are its range of the coordinates.
  const shardRole = config.shards > 1 ? createShardRole({ spec, map: shardMap(task.dimension, config.shardPeers), index: config.shardIndex, adminToken: config.adminToken, dimension: task.dimension, log: componentLogger(root, 'shard'), events }) : undefined;
  const range = shardRole?.map[shardRole.index];
  // A shard's checkpoint holds its range of θ; θ₀ is cut to it.
  const initialParameters = resumed?.parameters ?? (range === undefined ? task.initialParameters() : task.initialParameters().slice(range.start, range.end));
  const optimizer = new SgdOptimizer(config);
  const buffers = options.buffers ?? sharedGradientBuffers;
  const engine = new RoundEngine({
    settings: { quorum: config.quorum, roundDeadlineMs: config.roundDeadlineMs, maxWorkers: config.maxWorkers },
    aggregator: rule,
    runner,
    optimizer,
    parameters: initialParameters,
    events,
    ...(shardRole === undefined ? {} : { sharding: shardRole.engineSharding }),
    startRound: resumed?.round ?? 0,
    releaseGradient: (gradient) => {
      buffers.release(gradient);
    },
  });
  const metrics = createServerMetrics(engine, shardRole === undefined ? {} : { shard: shardRole.index });
  const grpcLog = componentLogger(root, 'grpc');
  recordMetrics(events, metrics);
  logEvents(events, { grpc: grpcLog, round: componentLogger(root, 'round'), checkpoint: checkpointLog, evaluation: componentLogger(root, 'evaluation') });
  const evaluator = await startEvaluator(config, config.evalEveryRounds, events, componentLogger(root, 'evaluation'), shardRole?.wholeTheta);
  const checkpointer = createCheckpointer(store, config.checkpointEveryRounds, () => checkpointContents(engine, shardRole), identity, events);
  if (resumed !== undefined) {
    optimizer.setVelocity(resumed.velocity);
    engine.adoptWorkers(resumed.workers);
    if (resumed.shard !== undefined && shardRole !== undefined) shardRole.setRuleState({ ruleState: resumed.ruleState, stateRound: resumed.shard.stateRound });
    else if (resumed.ruleState !== undefined && resumed.rule === rule.name) rule.setState(resumed.ruleState);
    else if (resumed.ruleState !== undefined) checkpointLog.warn({ saved: resumed.rule, now: rule.name }, 'the rule changed since the checkpoint; its state starts fresh');
    checkpointLog.info({ round: resumed.round, workers: resumed.workers.length }, 'resumed from checkpoint');
  }
  const faults = new FaultQueue();
  let shuttingDown = false;

  const grpcServer = new Server({
    ...GRPC_SERVER_OPTIONS,
    'grpc.max_receive_message_length': config.maxChunkBytes + MESSAGE_OVERHEAD_BYTES,
    // Reports the calls grpc-js refuses before any handler sees them (too large, undecodable).
    interceptors: [refusalInterceptor((refusal) => {
      events.emit('callRefused', asCallRefused(refusal));
    })],
  });
  const parameterServerKit = new HandlerKit(PARAMETER_SERVER, workerAdmission(workerAuth, config.adminToken, () => shuttingDown), metrics, events, grpcLog);
  grpcServer.addService(
    decodingSafely(byzpsV1.ParameterServer.service),
    parameterServerHandlers({
      engine,
      kit: parameterServerKit,
      events,
      taskName: task.name,
      dimension: task.dimension,
      ...(shardRole === undefined || range === undefined ? {} : { shard: { index: shardRole.index, start: range.start, end: range.end, map: shardInfos(shardRole.map) } }),
      workerAuth,
      maxChunkBytes: config.maxChunkBytes,
      pullWaitMs: config.pullWaitMs,
      pullTimeoutMs: config.pullTimeoutMs,
      pushTimeoutMs: config.pushTimeoutMs,
      buffers,
      faults,
      countGradientBytes: (bytes) => {
        metrics.gradientBytesReceived.inc(bytes);
      },
    }),
  );
  // Registered even when off, so that calls to it are refused by the handlers and counted in grpc_server_handled_total.
  grpcServer.addService(
    decodingSafely(byzpsV1.Control.service),
    controlHandlers({
      engine,
      kit: new HandlerKit(CONTROL_SERVICE, operatorAdmission(workerAuth, config.adminToken), metrics, events, componentLogger(root, 'control')),
      taskName: task.name,
      dimension: task.dimension,
      faults,
      checkpointNow: () => checkpointer.writeNow(),
      buildRule: (spec) => runner.build(spec),
      ...(shardRole === undefined ? {} : { shards: { index: shardRole.index, map: shardInfos(shardRole.map) } }),
      log: componentLogger(root, 'control'),
    }),
  );
  if (shardRole !== undefined) {
    // Shard to shard only: the admin token when the shards have one.
    const admitPeer = (metadata: Parameters<typeof authenticate>[0]) => {
      if (shuttingDown) throw new ShuttingDownError();
      authenticate(metadata, 'operator', config.adminToken);
    };
    grpcServer.addService(decodingSafely(byzpsV1.ShardPeer.service), shardRole.handlers(engine, new HandlerKit(SHARD_PEER_SERVICE, admitPeer, metrics, events, componentLogger(root, 'shard')), {
      restorer: createShardRestorer({ shard: shardRole.index, engine, optimizer, store, checkpointer, setRuleState: (state) => { shardRole.setRuleState(state); } }),
      checkpointsSettled: () => checkpointer.settled(),
    }));
  }
  const served = [...(config.adminToken === '' ? SERVICE_NAMES.filter((name) => name !== CONTROL_SERVICE) : SERVICE_NAMES), ...(shardRole === undefined ? [] : [SHARD_PEER_SERVICE])];
  const health = new HealthImplementation(Object.fromEntries(['', ...served].map((name) => [name, 'SERVING' as const])));
  health.addToServer(grpcServer);
  new ReflectionService(packageDefinition, { services: served }).addToServer(grpcServer);

  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(`${config.grpcHost}:${config.grpcPort}`, credentials, (error, port) => {
      if (error === null) resolve(port);
      else reject(error);
    });
  });
  const http = await startHttpEndpoint(config.httpHost, config.httpPort, metrics.registry, () => !shuttingDown, componentLogger(root, 'http'), config.httpAddressFile).catch(async (error: unknown) => {
    // A server that cannot serve HTTP does not start: nothing it started may keep the process alive.
    grpcServer.forceShutdown();
    await engine.stop();
    await Promise.all([runner.close(), evaluator.close()]);
    throw error;
  });
  if (!workerAuth.enabled) log.warn('no --worker-token or --worker-tokens-file: any client may join and push gradients');
  log.info({ grpcPort, httpPort: http.port, tls: config.tlsCertFile === '' ? 'off' : config.tlsClientCaFile === '' ? 'on' : 'mutual', task: task.name, dimension: task.dimension, rule: engine.rule.name, f: engine.rule.f, quorum: engine.quorum, control: config.adminToken !== '', ...(range === undefined ? {} : { shard: config.shardIndex, shards: config.shards, start: range.start, end: range.end }) }, 'parameter server started');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      shuttingDown = true;
      for (const name of ['', ...served]) health.setStatus(name, 'NOT_SERVING');
      await engine.stop();
      if (store !== undefined) await checkpointer.writeNow().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          grpcServer.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await http.close();
      shardRole?.close();
      await Promise.all([runner.close(), evaluator.close()]);
      log.info({ round: engine.round }, 'parameter server stopped');
    })();
    return closing;
  };

  return { grpcPort, httpPort: http.port, engine, events, metrics, log, close };
}

/** What a checkpoint of the open round holds; a shard's holds its range and its share of the rule's state. */
function checkpointContents(engine: RoundEngine, shardRole: ShardRole | undefined): EngineSnapshot & Pick<Checkpoint, 'rule' | 'shard'> {
  const snapshot = { ...engine.snapshot(), rule: engine.rule.name };
  if (shardRole === undefined) return snapshot;
  const { start, end } = shardRole.map[shardRole.index]!;
  const { ruleState, stateRound } = shardRole.ruleState();
  return { ...snapshot, ruleState, shard: { index: shardRole.index, count: shardRole.map.length, start, end, stateRound } };
}

/**
 * Runs a server until SIGTERM or SIGINT, then shuts it down gracefully (abandoning the open round
 * and writing a last checkpoint); resolves once it is closed. `onStarted` sees the bound ports.
 */
export async function serveUntilSignal(config: ServerConfig, options: ServerOptions & { onStarted?: (handle: ServerHandle) => void } = {}): Promise<void> {
  const handle = await startServer(config, options);
  options.onStarted?.(handle);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  handle.log.info({ signal }, 'shutting down');
  await handle.close();
}
