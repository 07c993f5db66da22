import { parentPort, workerData } from 'node:worker_threads';
import type { Evaluation } from '../tasks/task.js';
import { loadTask, type TaskSettings } from './task.js';

/** θ of one round, to evaluate. */
export interface EvaluationRequest {
  readonly round: number;
  readonly parameters: Float32Array;
}

export type EvaluationReply =
  | { readonly round: number; readonly evaluation: Evaluation; readonly seconds: number }
  | { readonly round: number; readonly error: string };

// The evaluation thread: builds the task once (reading its held-out data) and evaluates each θ it is sent.
const task = loadTask(workerData as TaskSettings);
const port = parentPort!;
port.on('message', ({ round, parameters }: EvaluationRequest) => {
  const start = performance.now();
  try {
    const evaluation = task.evaluate(parameters);
    port.postMessage({ round, evaluation, seconds: (performance.now() - start) / 1000 } satisfies EvaluationReply);
  } catch (error) {
    port.postMessage({ round, error: error instanceof Error ? error.message : String(error) } satisfies EvaluationReply);
  }
});
port.postMessage('ready');
