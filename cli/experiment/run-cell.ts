import { makeServerConfig, type ServerConfig } from '../../services/config.js';
import { type ServerHandle, startServer } from '../../services/server.js';
import { loadTask } from '../../services/task.js';
import type { Evaluation } from '../../tasks/task.js';
import { makeWorkerConfig } from '../../worker/config.js';
import { startWorker, type WorkerHandle } from '../../worker/worker.js';
import { cellKey, type CellResult, type CellSettings, type CurvePoint } from './cell.js';
import { attackerParams, NO_ATTACK } from './grid.js';
import { BYZANTINE_PREFIX, InfluenceTally } from './influence.js';

/** Called after every closed round with the number of rounds done. */
export type RoundListener = (roundsDone: number) => void;

function serverConfig(settings: CellSettings): ServerConfig {
  const widthSetting = settings.task === 'fashion-mnist' ? { hidden: settings.width } : { dimension: settings.width };
  return makeServerConfig({
    grpcHost: '127.0.0.1',
    grpcPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    task: settings.task,
    ...widthSetting,
    seed: settings.seed,
    evalEveryRounds: settings.evalEveryRounds,
    rule: settings.rule,
    ruleParams: settings.ruleParams,
    pre: settings.pre ?? [],
    f: settings.f,
    maxWorkers: settings.n,
    // Every round aggregates all n gradients, as the grid's figures assume.
    quorum: settings.n,
    learningRate: settings.learningRate,
    momentum: settings.momentum,
    // What the runner needs it follows as events; failures reach it as events or a worker's end.
    logLevel: 'silent',
  });
}

/** Worker i of n: the last f are Byzantine when the cell has an attack; each holds shard i, so roles never depend on join order. */
function isByzantine(settings: CellSettings, index: number): boolean {
  return settings.attack !== NO_ATTACK && index >= settings.n - settings.f;
}

function startCellWorker(settings: CellSettings, address: string, index: number, errors: string[]): Promise<WorkerHandle> {
  const honestCount = settings.n - settings.f;
  const byzantine = isByzantine(settings, index);
  const config = makeWorkerConfig({
    server: address,
    name: byzantine ? `${BYZANTINE_PREFIX}${index}` : `honest-${index}`,
    workers: settings.n,
    shard: index,
    seed: settings.seed,
    dataSeed: settings.seed,
    batchSize: settings.batchSize,
    attack: byzantine ? settings.attack : NO_ATTACK,
    attackParam: byzantine ? attackerParams({ name: settings.attack, params: settings.attackParams }, { n: settings.n, f: settings.f, attacker: settings.seed * 1000 + index }) : {},
    // Colluders estimate the honest workers' gradients, as the attacks assume they know them.
    estimateWorkers: Array.from({ length: honestCount }, (_, worker) => worker),
    httpHost: '127.0.0.1',
    httpPort: 0,
    logLevel: 'silent',
  });
  return startWorker(config, { exit: (code) => errors.push(`worker ${index} exited with code ${code}`) });
}

function pointOf(round: number, evaluation: Evaluation): CurvePoint {
  return { round, loss: evaluation.loss, ...(evaluation.accuracy === undefined ? {} : { accuracy: evaluation.accuracy }) };
}

async function refusedByReason(server: ServerHandle): Promise<Record<string, number>> {
  const refused: Record<string, number> = {};
  for (const { labels, value } of (await server.metrics.gradientsRejected.get()).values) {
    const reason = String(labels.reason ?? 'unknown');
    refused[reason] = (refused[reason] ?? 0) + value;
  }
  return refused;
}

/**
 * A cell whose rounds stop closing ends after this long without one. A round here takes well under
 * a second; one that never closes means every push is refused — under a weak rule the attack can
 * drive θ so far that every worker's gradient is NaN, and the server refuses those.
 */
export const STALL_MS = 30_000;

/** Resolves once no round has closed for `ms`; `roundClosed` restarts the clock. */
function stallWatch(ms: number): { readonly stalled: Promise<void>; roundClosed(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let fire: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => {
    fire = resolve;
  });
  const roundClosed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      fire();
    }, ms);
  };
  return {
    stalled,
    roundClosed,
    stop() {
      clearTimeout(timer);
    },
  };
}

/**
 * Runs one cell for real: a parameter server and its n workers in this process, talking gRPC over
 * loopback. θ after `rounds` rounds is evaluated here once more, so the final figure never depends
 * on the server's evaluation thread being free at that round.
 */
export async function runCell(settings: CellSettings, onRound: RoundListener = () => undefined, stallMs = STALL_MS): Promise<CellResult> {
  const started = performance.now();
  const curve: CurvePoint[] = [];
  const workerErrors: string[] = [];
  const closeTimes: number[] = [];
  const config = serverConfig(settings);
  // The same task the server builds, here for θ₀ and the final θ; the server starts from this θ₀.
  const task = loadTask(config);
  curve.push(pointOf(0, task.evaluate(task.initialParameters())));
  const server = await startServer(config);
  const tally = new InfluenceTally(server.engine.rule.influence);
  const watch = stallWatch(stallMs);
  let roundsDone = 0;
  server.events.on('roundClosed', (closed) => {
    const { round } = closed;
    const done = round + 1;
    if (done > settings.rounds) return;
    watch.roundClosed();
    roundsDone = done;
    // Pausing here, while the engine is still inside its close, stops it at exactly `rounds` rounds.
    if (done === settings.rounds) server.engine.pause();
    closeTimes.push(performance.now());
    tally.add(closed);
    onRound(done);
  });
  server.events.on('evaluated', ({ round, loss, accuracy }) => {
    if (round < settings.rounds) curve.push(pointOf(round, { loss, ...(accuracy === undefined ? {} : { accuracy }) }));
  });
  const workers: WorkerHandle[] = [];
  try {
    const address = `127.0.0.1:${server.grpcPort}`;
    for (let index = 0; index < settings.n; index++) workers.push(await startCellWorker(settings, address, index, workerErrors));
    // A worker that ends on its own (refused for good, or its attack impossible on this task) fails the cell, as does a failed aggregation.
    const failed = new Promise<never>((_, reject) => {
      const stopped = (reason: unknown) => {
        const why = workerErrors.join('; ') || (reason instanceof Error ? reason.message : 'no reason given');
        reject(new Error(`a worker stopped before round ${settings.rounds}: ${why}`));
      };
      for (const worker of workers) worker.done.then(stopped, stopped);
      server.events.on('aggregationFailed', ({ round, error }) => {
        reject(new Error(`aggregation of round ${round} failed: ${error instanceof Error ? error.message : String(error)}`));
      });
    });
    watch.roundClosed();
    const finished = server.engine.waitForRound(settings.rounds, new AbortController().signal).then(() => false);
    const stalled = await Promise.race([finished, watch.stalled.then(() => true), failed]);
    if (stalled) server.engine.pause();
    const lastRound = stalled ? roundsDone : settings.rounds;
    const final = task.evaluate(server.engine.parameters);
    // The thread's own figure for the last round may still be on its way; this one stands for it.
    curve.push(pointOf(lastRound, final));
    curve.sort((a, b) => a.round - b.round);
    const trainingSeconds = ((closeTimes.at(-1) ?? 0) - (closeTimes[0] ?? 0)) / 1000;
    const refused = await refusedByReason(server);
    return {
      key: cellKey(settings),
      settings,
      curve: [...curve],
      finalLoss: final.loss,
      ...(final.accuracy === undefined ? {} : { finalAccuracy: final.accuracy }),
      wallSeconds: (performance.now() - started) / 1000,
      roundsPerSecond: trainingSeconds > 0 ? (closeTimes.length - 1) / trainingSeconds : 0,
      rejectedPushes: Object.values(refused).reduce((sum, count) => sum + count, 0),
      ...(stalled ? { stalled: { afterRound: roundsDone, refused } } : {}),
      ...tally.shares(),
    };
  } finally {
    watch.stop();
    await Promise.all(workers.map((worker) => worker.close()));
    await server.close();
  }
}
