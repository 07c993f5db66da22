import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a call was refused: the bounded vocabulary of the `reason` label of byzps_gradients_rejected_total and byzps_requests_refused_total. */
export const REJECT_REASONS = [
  'missing_token',
  'bad_token',
  'wrong_role',
  'wrong_worker',
  'unknown_worker',
  'bad_worker_name',
  'bad_request',
  'too_many_workers',
  'stale_round',
  'future_round',
  'duplicate',
  'inconsistent_chunk',
  'bad_encoding',
  'misaligned_chunk',
  'chunk_out_of_range',
  'chunk_overlap',
  'wrong_length',
  'non_finite',
  'chunk_too_large',
  'stream_too_long',
  'stream_timeout',
  'cancelled',
  'shutting_down',
  'not_configured',
  /** A request message beyond the server's limit, refused by the transport before any handler saw it (pushes count it as chunk_too_large). */
  'message_too_large',
  /** A request body that does not decode as its protobuf message. */
  'malformed',
  /** A push of coordinates another shard of a sharded server owns. */
  'not_this_shard',
  /** A shard-to-shard call out of step with the receiving shard's round. */
  'shard_out_of_step',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** Round and aggregation times span milliseconds (small d) to tens of seconds (d = 10⁷, slow rules). */
const DURATION_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The live state the round gauges read at scrape time, so they can never go stale. */
export interface RoundGaugeSource {
  readonly round: number;
  readonly quorum: number;
  readonly receivedCount: number;
  readonly joinedCount: number;
  readonly awaitedCount: number;
}

/**
 * Every metric the parameter server exports, defined in this one place on a registry of
 * its own. Label sets are bounded: `worker` takes worker names, at most --max-workers of them;
 * `quantity` and `reason` take fixed vocabularies; `rule` the registered rule names.
 */
export function createServerMetrics(source: RoundGaugeSource, options: { readonly shard?: number } = {}) {
  const registry = new Registry();
  // A shard of a sharded server labels every series with its index, so one Prometheus tells the shards apart.
  if (options.shard !== undefined) registry.setDefaultLabels({ shard: String(options.shard) });
  /** A gauge whose value is read from the round engine at scrape time. */
  const liveGauge = (name: string, help: string, read: (state: RoundGaugeSource) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(source));
      },
    });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    rounds: new Counter({ name: 'byzps_rounds_total', help: 'Rounds closed (aggregated and applied).', registers }),
    round: liveGauge('byzps_round', 'The round open for pushes.', (state) => state.round),
    roundDuration: new Histogram({ name: 'byzps_round_duration_seconds', help: 'Time from a round opening to its close.', buckets: DURATION_BUCKETS_SECONDS, registers }),
    aggregationDuration: new Histogram({
      name: 'byzps_aggregation_duration_seconds',
      help: 'Time the rule took to aggregate one round.',
      labelNames: ['rule'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    shardExchange: new Histogram({
      name: 'byzps_shard_exchange_seconds',
      help: "Coordinator of a sharded server: time from sending a round's step to the other shards until all their replies are back, by task (summarize: the partial Gram matrices; apply).",
      labelNames: ['task'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
    gradientsReceived: new Counter({ name: 'byzps_gradients_received_total', help: 'Gradients accepted into a round.', registers }),
    gradientBytesReceived: new Counter({ name: 'byzps_gradient_bytes_received_total', help: 'Gradient payload bytes received, accepted or not.', registers }),
    gradientsRejected: new Counter({
      name: 'byzps_gradients_rejected_total',
      help: 'Gradient pushes refused, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    requestsRefused: new Counter({
      name: 'byzps_requests_refused_total',
      help: 'Calls other than gradient pushes that the server refused, by method and reason (refused pushes count in byzps_gradients_rejected_total).',
      labelNames: ['grpc_method', 'reason'] as const,
      registers,
    }),
    gradientsInRound: liveGauge('byzps_round_gradients', 'Gradients received for the open round.', (state) => state.receivedCount),
    quorum: liveGauge('byzps_round_quorum', 'Gradients the open round needs before its deadline can close it.', (state) => state.quorum),
    quorumWaits: new Counter({ name: 'byzps_quorum_waits_total', help: 'Deadlines that passed without quorum; the round stayed open.', registers }),
    roundTimeouts: new Counter({ name: 'byzps_round_timeouts_total', help: 'Rounds closed at their deadline without every active worker.', registers }),
    aggregationFailures: new Counter({ name: 'byzps_aggregation_failures_total', help: 'Rounds whose aggregation threw; their gradients were dropped.', registers }),
    rewinds: new Counter({ name: 'byzps_shard_rewinds_total', help: 'Times this shard started its open round over or went back to a checkpointed round, to agree with the other shards.', registers }),
    workersJoined: liveGauge('byzps_workers_joined', 'Workers that have joined since the server started.', (state) => state.joinedCount),
    workersAwaited: liveGauge('byzps_workers_awaited', 'Workers the open round waits for: those with an accepted push and not evicted since.', (state) => state.awaitedCount),
    workerEvictions: new Counter({ name: 'byzps_worker_evictions_total', help: 'Awaited workers that missed a round at its deadline and were put on probation.', registers }),
    pulls: new Counter({ name: 'byzps_pulls_total', help: 'θ streams served, by role (worker Pull or Observe).', labelNames: ['role'] as const, registers }),
    pullsPerWorker: new Gauge({ name: 'byzps_round_pulls_per_worker', help: 'Worker pulls of the last closed round\'s θ per worker that pulled it (1 without polling).', registers }),
    workerLastPush: new Gauge({
      name: 'byzps_worker_last_push_timestamp_seconds',
      help: 'Unix time of the last accepted push per worker.',
      labelNames: ['worker'] as const,
      registers,
    }),
    workerInfluence: new Gauge({
      name: 'byzps_worker_influence',
      help: "Per-worker diagnostics of the rule's last aggregation (weight, coefficient, reconstruction ratio, selection, kept share, clip factor).",
      labelNames: ['worker', 'quantity'] as const,
      registers,
    }),
    updateNorm: new Gauge({ name: 'byzps_model_update_norm', help: 'Euclidean norm of the last parameter update.', registers }),
    learningRate: new Gauge({ name: 'byzps_learning_rate', help: 'Learning rate of the last step.', registers }),
    evalLoss: notYetMeasured(new Gauge({ name: 'byzps_eval_loss', help: 'Loss of θ on the held-out data at the last evaluation (NaN before the first).', registers })),
    evalAccuracy: notYetMeasured(new Gauge({ name: 'byzps_eval_accuracy', help: 'Fraction of held-out examples θ classified correctly at the last evaluation, classification tasks (NaN before the first).', registers })),
    evalRound: notYetMeasured(new Gauge({ name: 'byzps_eval_round', help: 'The round whose θ the last evaluation measured (NaN before the first).', registers })),
    evalDuration: new Histogram({ name: 'byzps_eval_duration_seconds', help: 'Time one evaluation took on its thread.', buckets: DURATION_BUCKETS_SECONDS, registers }),
    checkpointWrites: new Counter({ name: 'byzps_checkpoint_writes_total', help: 'Checkpoint writes by result.', labelNames: ['result'] as const, registers }),
    grpcStarted: new Counter({
      name: 'grpc_server_started_total',
      help: 'RPCs started on the server.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_type'] as const,
      registers,
    }),
    grpcHandled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by status code.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'] as const,
      registers,
    }),
    grpcHandlingSeconds: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'RPC handling time until the status was sent.',
      labelNames: ['grpc_service', 'grpc_method', 'grpc_type'] as const,
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    }),
  };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;

/** Counts one refused call: pushes by reason, every other method by method and reason. */
export function countRefusal(metrics: ServerMetrics, method: string, reason: RejectReason): void {
  if (method === 'Push') metrics.gradientsRejected.inc({ reason });
  else metrics.requestsRefused.inc({ grpc_method: method, reason });
}

/** A gauge that reads NaN until its first measurement, so a dashboard never shows a default 0 as a result. */
function notYetMeasured(gauge: Gauge): Gauge {
  gauge.set(NaN);
  return gauge;
}

/** Pushes take from a millisecond (small d on loopback) to seconds (d = 10⁷ over a network). */
const PUSH_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every metric a worker process exports, on a registry of its own. Label sets are
 * bounded: `code` takes gRPC status names, `kind` is attack or fault, `name` the registered attack
 * and fault names.
 */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    steps: new Counter({ name: 'byzps_worker_steps_total', help: 'Gradients computed and pushed (whether or not the server accepted them).', registers }),
    round: new Gauge({ name: 'byzps_worker_round', help: 'The round of the last gradient this worker computed.', registers }),
    loss: new Gauge({ name: 'byzps_worker_loss', help: 'Mini-batch loss of the honest gradient of the last step.', registers }),
    pushDuration: new Histogram({ name: 'byzps_worker_push_duration_seconds', help: 'Time from opening a push stream to the server’s reply, accepted or not.', buckets: PUSH_BUCKETS_SECONDS, registers }),
    pushFailures: new Counter({ name: 'byzps_worker_push_failures_total', help: 'Pushes the server refused or that failed in transport, by gRPC status code.', labelNames: ['code'] as const, registers }),
    pushesSkipped: new Counter({ name: 'byzps_worker_pushes_skipped_total', help: 'Rounds the worker computed a gradient for but did not push (dropped-push fault).', registers }),
    reconnects: new Counter({ name: 'byzps_worker_reconnects_total', help: 'Times the worker lost the server and joined again.', registers }),
    active: new Gauge({ name: 'byzps_worker_active', help: 'The attack and system faults in force: 1 for each active one.', labelNames: ['kind', 'name'] as const, registers }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
