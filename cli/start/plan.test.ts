import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../worker/config.js';
import { serverArgs, workerPlans } from './plan.js';
import { loadStartConfig } from './settings.js';

describe('workerPlans', () => {
  it('puts the honest workers first and gives the Byzantine ones the attack, each on its own shard', () => {
    const plans = workerPlans(loadStartConfig(['--workers', '3', '--byzantine', '1', '--attack', 'gaussian', '--attack-param', 'sigma=2'], {}), '127.0.0.1:5000');
    const configs = plans.map((plan) => loadWorkerConfig(plan.args.slice(1), {}));
    expect(plans.map((plan) => [plan.name, plan.byzantine])).toEqual([['worker-1', false], ['worker-2', false], ['byzantine-1', true]]);
    expect(configs.map((config) => [config.attack, config.shard, config.workers, config.server])).toEqual([
      ['none', 0, 3, '127.0.0.1:5000'],
      ['none', 1, 3, '127.0.0.1:5000'],
      ['gaussian', 2, 3, '127.0.0.1:5000'],
    ]);
    expect(configs[2]!.attackParam).toEqual({ sigma: '2' });
  });

  it('gives the default attack its default strength, sign-flip k=10, and another attack only the parameters given', () => {
    const byzantine = (argv: string[]) => loadWorkerConfig(workerPlans(loadStartConfig(argv, {}), '127.0.0.1:5000').at(-1)!.args.slice(1), {});
    expect(byzantine([]).attackParam).toEqual({ k: '10' });
    expect(byzantine(['--attack-param', 'k=3']).attackParam).toEqual({ k: '3' });
    expect(byzantine(['--attack', 'zero']).attackParam).toEqual({});
  });
});

describe('serverArgs', () => {
  it('tells the server the --byzantine count as f unless --f is given, and the task’s learning rate unless one is given', () => {
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    const defaults = serverArgs(loadStartConfig(['--byzantine', '3'], {}), '/tmp/ckpt');
    expect([flag(defaults, '--f'), flag(defaults, '--learning-rate'), flag(defaults, '--checkpoint-dir')]).toEqual(['3', '0.02', '/tmp/ckpt']);
    const given = serverArgs(loadStartConfig(['--f', '1', '--task', 'fashion-mnist', '--learning-rate', '0.05'], {}), '/tmp/ckpt');
    expect([flag(given, '--f'), flag(given, '--learning-rate')]).toEqual(['1', '0.05']);
  });

  it('gives each shard of a sharded run its index, the peers and its port, evaluation on shard 0 only, and a checkpoint directory of its own', () => {
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    const config = loadStartConfig(['--shards', '2', '--dimension', '20000'], {});
    const [first, second] = [0, 1].map((index) => serverArgs(config, '/tmp/ckpt', { index, ports: [7001, 7002] }));
    expect([flag(first!, '--shards'), flag(first!, '--shard-index'), flag(first!, '--shard-peers'), flag(first!, '--grpc-port'), flag(first!, '--dimension')]).toEqual(['2', '0', '127.0.0.1:7001,127.0.0.1:7002', '7001', '20000']);
    expect([flag(second!, '--shard-index'), flag(second!, '--grpc-port'), flag(second!, '--eval-every-rounds'), flag(first!, '--eval-every-rounds')]).toEqual(['1', '7002', '0', '10']);
    expect([flag(first!, '--checkpoint-dir'), flag(second!, '--checkpoint-dir')]).toEqual(['/tmp/ckpt/shard-0', '/tmp/ckpt/shard-1']);
    expect(first!.filter((arg) => arg === '--checkpoint-dir')).toHaveLength(1);
    expect(() => loadStartConfig(['--shards', '2'], {})).toThrow(/--shards 2 needs at least 4097 parameters/);
  });
});
