import type { Logger } from '../runtime/logger.js';
import type { ServerEvents } from './events.js';

/** Loggers of the components whose events are logged. */
export interface EventLoggers {
  readonly grpc: Logger;
  readonly round: Logger;
  readonly checkpoint: Logger;
  readonly evaluation: Logger;
}

/** Writes what the server reports to its log: a plain subscriber, so logs are a record, never an interface. */
export function logEvents(events: ServerEvents, log: EventLoggers): void {
  events.on('workerJoined', ({ worker, workerId, rejoined }) => {
    log.grpc.info({ worker, workerId, rejoined }, 'worker joined');
  });
  events.on('gradientAccepted', ({ worker, round }) => {
    log.round.debug({ worker, round }, 'gradient accepted');
  });
  events.on('roundClosed', (closed) => {
    log.round.info(
      {
        round: closed.round,
        gradients: closed.workerNames.length,
        awaited: closed.awaited,
        rule: closed.rule,
        closedByDeadline: closed.closedByDeadline,
        aggregationMs: Math.round(closed.aggregationSeconds * 1e4) / 10,
        updateNorm: closed.updateNorm,
      },
      'round closed',
    );
    log.round.debug({ round: closed.round, workers: closed.workerNames }, 'round members');
  });
  events.on('workerEvicted', ({ worker, round, probation }) => {
    log.round.warn({ worker, round, probation }, `${worker} missed round ${round} at its deadline; rounds wait for it again after ${probation} accepted push${probation === 1 ? '' : 'es'} in a row`);
  });
  events.on('quorumWait', ({ round, received, quorum }) => {
    log.round.warn({ round, received, quorum }, `round ${round} passed its deadline with ${received} of the ${quorum} gradients it needs; it stays open`);
  });
  events.on('aggregationFailed', ({ round, error }) => {
    log.round.error({ round, err: error }, `aggregation of round ${round} failed; its gradients were dropped and θ is unchanged`);
  });
  events.on('roundRewound', ({ from, to }) => {
    log.round.warn({ from, round: to }, from === to ? `round ${to} starts over: the gradients pushed for it so far were dropped` : `rewound from round ${from} to round ${to}, the newest round every shard holds; later rounds are redone`);
  });
  events.on('checkpointWritten', ({ round, path }) => {
    log.checkpoint.info({ round, path }, 'checkpoint written');
  });
  events.on('checkpointFailed', ({ round, error }) => {
    log.checkpoint.error({ round, err: error }, 'checkpoint write failed');
  });
  events.on('evaluated', ({ round, loss, accuracy, seconds, evaluator }) => {
    log.evaluation.info({ round, loss, accuracy, evaluationMs: Math.round(seconds * 1000), evaluator }, evaluator === undefined ? 'evaluated θ on held-out data' : `${evaluator} evaluated θ on held-out data`);
  });
  events.on('evaluationFailed', ({ round, problem }) => {
    log.evaluation.error({ round, problem }, `evaluation of round ${round} failed: ${problem}`);
  });
}
