import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import type { RoundObserver } from './round.js';

/** Reports what the round engine does as metrics and log records. */
export function observeRounds(metrics: ServerMetrics, log: Logger): RoundObserver {
  return {
    gradientAccepted(workerName, round) {
      metrics.gradientsReceived.inc();
      metrics.workerLastPush.set({ worker: workerName }, Date.now() / 1000);
      log.debug({ worker: workerName, round }, 'gradient accepted');
    },
    roundClosed(closed) {
      metrics.rounds.inc();
      metrics.roundDuration.observe(closed.roundSeconds);
      metrics.aggregationDuration.observe({ rule: closed.rule }, closed.aggregationSeconds);
      metrics.updateNorm.set(closed.updateNorm);
      metrics.learningRate.set(closed.learningRate);
      if (closed.closedByDeadline) metrics.roundTimeouts.inc();
      // Workers left out of this round must not keep showing the influence they had before.
      metrics.workerInfluence.reset();
      for (const [quantity, values] of Object.entries(closed.diagnostics.perWorker)) {
        values.forEach((value, i) => {
          metrics.workerInfluence.set({ worker: closed.workerNames[i]!, quantity }, value);
        });
      }
      log.info(
        {
          round: closed.round,
          gradients: closed.workerNames.length,
          rule: closed.rule,
          closedByDeadline: closed.closedByDeadline,
          aggregationMs: Math.round(closed.aggregationSeconds * 1e4) / 10,
          updateNorm: closed.updateNorm,
        },
        'round closed',
      );
    },
    quorumWait(round, received, quorum) {
      metrics.quorumWaits.inc();
      log.warn({ round, received, quorum }, `round ${round} passed its deadline with ${received} of the ${quorum} gradients it needs; it stays open`);
    },
    aggregationFailed(round, error) {
      metrics.aggregationFailures.inc();
      log.error({ round, err: error }, `aggregation of round ${round} failed; its gradients were dropped and θ is unchanged`);
    },
  };
}
