import { describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/errors.js';
import { launchInstructions, loadWorkerConfig, workerConfigHelp } from './config.js';

describe('worker configuration', () => {
  it('reads the attack, its parameters and repeated faults from flags and the environment', () => {
    const config = loadWorkerConfig(
      ['--attack', 'alie', '--attack-param', 'n=10', '--attack-param=f=2', '--fault', 'delay:ms=2000', '--fault', 'drop-push:probability=0.5', '--partition', 'dirichlet:0.3'],
      { BYZPS_WORKER_TOKEN: 't0k', BYZPS_BATCH_SIZE: '8', BYZPS_NAME: 'w-3' },
    );
    expect(config.attackParam).toEqual({ n: '10', f: '2' });
    expect(config.partition).toEqual({ kind: 'dirichlet', alpha: 0.3 });
    expect(config.batchSize).toBe(8);
    expect(config.name).toBe('w-3');
    expect(launchInstructions(config)).toEqual([
      { kind: 'alie', params: { n: '10', f: '2' } },
      { kind: 'delay', params: { ms: '2000' } },
      { kind: 'drop-push', params: { probability: '0.5' } },
    ]);
  });

  it('checks the attack and every fault when it loads, and reports all problems at once', () => {
    const call = () => loadWorkerConfig(['--attack', 'alie', '--fault', 'delay:sec=1', '--fault', 'sign-flip', '--estimate-workers', '0,12'], {});
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/--attack: alie needs the parameters n and f/);
    expect(call).toThrow(/--fault: delay has no parameter "sec"/);
    expect(call).toThrow(/--fault: unknown system fault "sign-flip".*attacks go in --attack/);
    expect(call).toThrow(/--estimate-workers 12 outside 0..9/);
  });

  it('refuses attack parameters without an attack and a malformed server address', () => {
    expect(() => loadWorkerConfig(['--attack-param', 'k=2'], {})).toThrow(/--attack-param needs --attack/);
    expect(() => loadWorkerConfig(['--server', 'localhost'], {})).toThrow(/--server must be HOST:PORT/);
    expect(() => loadWorkerConfig(['--shard', '10'], {})).toThrow(/--shard 10 is outside 0..9 \(--workers 10\)/);
  });

  it('lists every setting in help, with the repeatable ones marked and the token hidden', () => {
    const help = workerConfigHelp();
    expect(help).toContain('--fault (BYZPS_FAULT, default none)');
    expect(help).toContain('--partition (BYZPS_PARTITION, default iid)');
    expect(help).toMatch(/--attack-param \(BYZPS_ATTACK_PARAM, default none\)\s+attack parameter KEY=VALUE \(repeatable\)/);
    expect(help).toContain('--worker-token (BYZPS_WORKER_TOKEN, none, never printed)');
  });
});
