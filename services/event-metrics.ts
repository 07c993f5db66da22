import { countRefusal, type ServerMetrics } from '../runtime/metrics.js';
import type { ServerEvents } from './events.js';

/** Records what the server reports as metrics: a plain subscriber, the only writer of the event-driven series. */
export function recordMetrics(events: ServerEvents, metrics: ServerMetrics): void {
  /** Worker pulls of each round's θ, and the workers that made them, for byzps_round_pulls_per_worker. */
  const pullsByRound = new Map<number, { pulls: number; workers: Set<string> }>();

  events.on('gradientAccepted', ({ worker }) => {
    metrics.gradientsReceived.inc();
    metrics.workerLastPush.set({ worker }, Date.now() / 1000);
  });
  events.on('callRefused', ({ method, reason }) => {
    countRefusal(metrics, method, reason);
  });
  events.on('parametersServed', ({ role, round, worker }) => {
    metrics.pulls.inc({ role });
    if (worker === undefined) return;
    let tally = pullsByRound.get(round);
    if (tally === undefined) pullsByRound.set(round, (tally = { pulls: 0, workers: new Set() }));
    tally.pulls++;
    tally.workers.add(worker);
  });
  events.on('roundClosed', (closed) => {
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
    const tally = pullsByRound.get(closed.round);
    if (tally !== undefined) metrics.pullsPerWorker.set(tally.pulls / tally.workers.size);
    for (const round of pullsByRound.keys()) if (round <= closed.round) pullsByRound.delete(round);
  });
  events.on('workerEvicted', () => {
    metrics.workerEvictions.inc();
  });
  events.on('quorumWait', () => {
    metrics.quorumWaits.inc();
  });
  events.on('aggregationFailed', () => {
    metrics.aggregationFailures.inc();
  });
  events.on('roundRewound', () => {
    metrics.rewinds.inc();
  });
  events.on('shardExchange', ({ task, seconds }) => {
    metrics.shardExchange.observe({ task }, seconds);
  });
  events.on('checkpointWritten', () => {
    metrics.checkpointWrites.inc({ result: 'ok' });
  });
  events.on('checkpointFailed', () => {
    metrics.checkpointWrites.inc({ result: 'error' });
  });
  events.on('evaluated', ({ round, loss, accuracy, seconds }) => {
    metrics.evalLoss.set(loss);
    if (accuracy !== undefined) metrics.evalAccuracy.set(accuracy);
    metrics.evalRound.set(round);
    metrics.evalDuration.observe(seconds);
  });
}
