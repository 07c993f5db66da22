import { attackParams, learningRate, ruleBound, type StartConfig } from './settings.js';

/** Every process is local: it listens on the loopback interface only. */
export const LOOPBACK = '127.0.0.1';

/** A dead or stalled worker holds a round up for at most this long. */
const ROUND_DEADLINE_MS = 3000;

/** One worker process of the run. */
export interface WorkerPlan {
  readonly name: string;
  readonly byzantine: boolean;
  readonly args: readonly string[];
}

function pairs(record: Readonly<Record<string, string>>): string {
  return Object.entries(record)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** `byzps ps` arguments: loopback ports, evaluation and checkpoints on, the run's rule and task. */
export function serverArgs(config: StartConfig, checkpointDir: string): string[] {
  return [
    'ps',
    ...['--grpc-host', LOOPBACK, '--grpc-port', String(config.grpcPort), '--http-host', LOOPBACK, '--http-port', String(config.httpPort)],
    ...['--task', config.task, '--seed', String(config.seed), ...(config.dataDir === '' ? [] : ['--data-dir', config.dataDir])],
    ...['--rule', config.rule, '--f', String(ruleBound(config)), '--rule-params', pairs(config.ruleParams), ...(config.pre === '' ? [] : ['--pre', config.pre])],
    ...['--learning-rate', String(learningRate(config)), '--eval-every-rounds', String(config.evalEveryRounds)],
    ...['--round-deadline-ms', String(ROUND_DEADLINE_MS), '--max-workers', String(config.workers)],
    ...['--checkpoint-dir', checkpointDir],
  ];
}

/**
 * The workers: honest ones first (`worker-1`, …), then the Byzantine ones (`byzantine-1`, …) with
 * the attack. Each holds a fixed shard, so who attacks which data does not depend on join order.
 */
export function workerPlans(config: StartConfig, server: string): WorkerPlan[] {
  const honest = config.workers - config.byzantine;
  return Array.from({ length: config.workers }, (_, shard) => {
    const byzantine = shard >= honest;
    const name = byzantine ? `byzantine-${shard - honest + 1}` : `worker-${shard + 1}`;
    const attack = byzantine ? ['--attack', config.attack, ...Object.entries(attackParams(config)).flatMap(([key, value]) => ['--attack-param', `${key}=${value}`])] : [];
    const args = [
      'worker',
      ...['--server', server, '--name', name, '--http-host', LOOPBACK, '--http-port', '0'],
      ...['--seed', String(config.seed), '--data-seed', String(config.seed)],
      ...['--workers', String(config.workers), '--shard', String(shard)],
      ...(config.dataDir === '' ? [] : ['--data-dir', config.dataDir]),
      ...['--gradient-encoding', config.gradientEncoding],
      ...attack,
    ];
    return { name, byzantine, args };
  });
}
