import { startReadyThread } from '../aggregators/index.js';
import type { Logger } from '../runtime/logger.js';
import type { EvaluationReply, EvaluationRequest } from './evaluation-thread.js';
import type { ServerEvents } from './events.js';
import type { TaskSettings } from './task.js';

/** Evaluates θ every k rounds without holding up rounds or calls. */
export interface Evaluator {
  close(): Promise<void>;
}

const disabled: Evaluator = { close: () => Promise.resolve() };

/**
 * Evaluates θ on the task's held-out data as every `everyRounds`-th round opens (0: never), on a
 * thread of its own: a full Fashion-MNIST test pass takes most of a second, which would stall gRPC
 * on the event loop. The thread gets a copy of θ. When an evaluation is still running at the next
 * one's turn, that one is skipped rather than queued, so evaluations never fall behind training.
 * Results are reported as `evaluated` events.
 */
export async function startEvaluator(
  settings: TaskSettings,
  everyRounds: number,
  events: ServerEvents,
  log: Logger,
  /** θ whole from the engine's θ of a round: a shard's coordinator fetches the other ranges (undefined: that round is gone). */
  whole?: (round: number, parameters: Float32Array) => Promise<Float32Array | undefined>,
): Promise<Evaluator> {
  if (everyRounds === 0) return disabled;
  const thread = await startReadyThread(import.meta.url, './evaluation-thread', { workerData: settings });
  thread.unref();
  let busy = false;
  thread.on('message', (reply: EvaluationReply) => {
    busy = false;
    if ('error' in reply) events.emit('evaluationFailed', { round: reply.round, problem: reply.error });
    else events.emit('evaluated', { round: reply.round, ...reply.evaluation, seconds: reply.seconds });
  });
  thread.on('error', (error) => {
    log.error({ err: error }, 'the evaluation thread failed; evaluation stops');
  });
  events.on('roundOpened', ({ round, parameters }) => {
    if (round % everyRounds !== 0) return;
    if (busy) {
      log.warn({ round }, `skipping the evaluation of round ${round}: the previous one is still running`);
      return;
    }
    busy = true;
    if (whole === undefined) {
      thread.postMessage({ round, parameters } satisfies EvaluationRequest);
      return;
    }
    // The engine's θ changes once the round closes: copy this shard's range before fetching the others.
    whole(round, parameters.slice()).then(
      (theta) => {
        if (theta === undefined) busy = false;
        else thread.postMessage({ round, parameters: theta } satisfies EvaluationRequest);
      },
      (error: unknown) => {
        busy = false;
        log.warn({ round, err: (error as Error).message }, `skipping the evaluation of round ${round}: θ could not be gathered from the shards`);
      },
    );
  });
  return {
    async close() {
      await thread.terminate();
    },
  };
}
