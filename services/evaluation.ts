import { startModuleThread } from '../aggregators/index.js';
import type { Logger } from '../runtime/logger.js';
import type { ServerMetrics } from '../runtime/metrics.js';
import type { EvaluationReply, EvaluationRequest } from './evaluation-thread.js';
import type { TaskSettings } from './task.js';

/** Evaluates θ every k rounds without holding up rounds or calls. */
export interface Evaluator {
  /** Called with θ_{r+1} after round r closed; starts an evaluation when r+1 is a multiple of k. */
  afterRound(closedRound: number, parameters: Float32Array): void;
  close(): Promise<void>;
}

const disabled: Evaluator = { afterRound: () => undefined, close: () => Promise.resolve() };

/**
 * Evaluates θ on the task's held-out data every `everyRounds` rounds (0: never), on a thread of
 * its own: a full Fashion-MNIST test pass takes most of a second, which would stall gRPC on the
 * event loop. The thread gets a copy of θ. When an evaluation is still running at the next one's
 * turn, that one is skipped rather than queued, so evaluations never fall behind training.
 * Results are logged and exported (byzps_eval_loss, byzps_eval_accuracy, byzps_eval_round).
 */
export async function startEvaluator(settings: TaskSettings, everyRounds: number, metrics: ServerMetrics, log: Logger): Promise<Evaluator> {
  if (everyRounds === 0) return disabled;
  const thread = startModuleThread(import.meta.url, './evaluation-thread', { workerData: settings });
  await new Promise<void>((resolve, reject) => {
    thread.once('message', () => {
      resolve();
    });
    thread.once('error', reject);
  });
  thread.unref();
  let busy = false;
  thread.on('message', (reply: EvaluationReply) => {
    busy = false;
    if ('error' in reply) {
      log.error({ round: reply.round, problem: reply.error }, `evaluation of round ${reply.round} failed: ${reply.error}`);
      return;
    }
    const { loss, accuracy } = reply.evaluation;
    metrics.evalLoss.set(loss);
    if (accuracy !== undefined) metrics.evalAccuracy.set(accuracy);
    metrics.evalRound.set(reply.round);
    metrics.evalDuration.observe(reply.seconds);
    log.info({ round: reply.round, loss, accuracy, evaluationMs: Math.round(reply.seconds * 1000) }, 'evaluated θ on held-out data');
  });
  thread.on('error', (error) => {
    log.error({ err: error }, 'the evaluation thread failed; evaluation stops');
  });
  return {
    afterRound(closedRound, parameters) {
      const round = closedRound + 1;
      if (round % everyRounds !== 0) return;
      if (busy) {
        log.warn({ round }, `skipping the evaluation of round ${round}: the previous one is still running`);
        return;
      }
      busy = true;
      thread.postMessage({ round, parameters } satisfies EvaluationRequest);
    },
    async close() {
      await thread.terminate();
    },
  };
}
