import { shardCheckpointDirectory } from '../../services/checkpoint.js';
import { attackParams, learningRate, ruleBound, type StartConfig } from './settings.js';

/** Every process is local: it listens on the loopback interface only. */
export const LOOPBACK = '127.0.0.1';

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

/** A shard of a sharded run: its index and every shard's gRPC port, in index order. */
export interface ShardPlan {
  readonly index: number;
  readonly ports: readonly number[];
}

/**
 * `byzps ps` arguments: loopback ports, evaluation and checkpoints on, the run's rule and task. A
 * shard of a sharded run gets its index, the peers and a checkpoint directory of its own
 * (shardCheckpointDirectory), and evaluation on shard 0 only, which gathers θ from the others.
 */
export function serverArgs(config: StartConfig, checkpointDir: string, shard?: ShardPlan): string[] {
  if (shard !== undefined) {
    const peers = shard.ports.map((port) => `${LOOPBACK}:${port}`).join(',');
    const unsharded = serverArgs({ ...config, grpcPort: shard.ports[shard.index]!, httpPort: config.httpPort === 0 ? 0 : config.httpPort + shard.index, evalEveryRounds: shard.index === 0 ? config.evalEveryRounds : 0 }, shardCheckpointDirectory(checkpointDir, shard.index));
    return [...unsharded, '--shards', String(shard.ports.length), '--shard-index', String(shard.index), '--shard-peers', peers];
  }
  return [
    'ps',
    ...['--grpc-host', LOOPBACK, '--grpc-port', String(config.grpcPort), '--http-host', LOOPBACK, '--http-port', String(config.httpPort)],
    ...['--task', config.task, '--seed', String(config.seed), ...(config.dataDir === '' ? [] : ['--data-dir', config.dataDir]), ...(config.dimension === 0 ? [] : ['--dimension', String(config.dimension)])],
    ...['--rule', config.rule, '--f', String(ruleBound(config)), '--rule-params', pairs(config.ruleParams), ...(config.pre === '' ? [] : ['--pre', config.pre])],
    ...['--learning-rate', String(learningRate(config)), '--eval-every-rounds', String(config.evalEveryRounds)],
    ...['--quorum', String(config.quorum), '--round-deadline-ms', String(config.roundDeadlineMs), '--max-workers', String(config.workers)],
    ...['--checkpoint-dir', checkpointDir, '--checkpoint-every-rounds', String(config.checkpointEveryRounds)],
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
