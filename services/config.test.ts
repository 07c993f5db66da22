import { describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/errors.js';
import { loadServerConfig, makeServerConfig, serverConfigHelp } from './config.js';

describe('server configuration', () => {
  it('reads flags over env vars over defaults', () => {
    const config = loadServerConfig(['--round-deadline-ms', '250', '--rule=median'], { BYZPS_ROUND_DEADLINE_MS: '900', BYZPS_F: '2', LOG_LEVEL: 'debug' });
    expect(config.roundDeadlineMs).toBe(250);
    expect(config.rule).toBe('median');
    expect(config.f).toBe(2);
    expect(config.logLevel).toBe('debug');
    expect(config.dimension).toBe(0);
  });

  it('parses rule parameters as key=value pairs', () => {
    expect(loadServerConfig(['--rule-params', 'r=4, lambda=0.5'], {}).ruleParams).toEqual({ r: '4', lambda: '0.5' });
  });

  it('reports every problem in one ConfigError', () => {
    const call = () => loadServerConfig(['--grpc-port', '70000', '--momentum', 'fast', '--nope'], {});
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/--momentum: invalid value \(expected a number, got "fast"\)/);
    expect(call).toThrow(/unknown flag --nope; /);
  });

  it('checks ranges once the values parse', () => {
    expect(() => loadServerConfig(['--grpc-port', '70000'], {})).toThrow(/--grpc-port must be between 0 and 65535, got 70000/);
    expect(() => makeServerConfig({ momentum: 1 })).toThrow(/--momentum must be in \[0, 1\), got 1/);
  });

  it('checks settings that go together', () => {
    expect(() => makeServerConfig({ tlsCertFile: 'cert.pem' })).toThrow(/--tls-cert-file and --tls-key-file go together/);
    expect(() => makeServerConfig({ tlsClientCaFile: 'ca.pem' })).toThrow(/--tls-client-ca-file needs --tls-cert-file/);
    expect(() => makeServerConfig({ workerToken: 'same', adminToken: 'same' })).toThrow(/--admin-token must differ from --worker-token/);
  });

  it('reads a shard\'s settings and checks that they fit together', () => {
    const config = loadServerConfig(['--shards', '2', '--shard-index', '1', '--shard-peers', 'a:1, b:2', '--admin-token', 'peers'], {});
    expect([config.shards, config.shardIndex, config.shardPeers]).toEqual([2, 1, ['a:1', 'b:2']]);
    expect(loadServerConfig([], { BYZPS_SHARDS: '3', BYZPS_SHARD_PEERS: 'a:1,b:2,c:3', BYZPS_ADMIN_TOKEN: 'peers' }).shardPeers).toEqual(['a:1', 'b:2', 'c:3']);
    expect(() => makeServerConfig({ shards: 2, shardPeers: ['a:1', 'b:2'] })).toThrow(/--shards > 1 needs --admin-token/);
    expect(() => makeServerConfig({ shards: 2, shardIndex: 2, shardPeers: ['a:1', 'b:2'], adminToken: 'peers' })).toThrow(/--shard-index must be below --shards \(2\), got 2/);
    expect(() => makeServerConfig({ shards: 3, shardPeers: ['a:1', 'b:2'], adminToken: 'peers' })).toThrow(/--shard-peers must list 3 host:port addresses/);
    expect(makeServerConfig({ shards: 2, shardPeers: ['a:1', 'b:2'], adminToken: 'peers', checkpointDir: '/tmp/c' }).checkpointDir).toBe('/tmp/c');
    expect(() => makeServerConfig({ shards: 2, shardIndex: 1, shardPeers: ['a:1', 'b:2'], adminToken: 'peers', evalEveryRounds: 5 })).toThrow(/--eval-every-rounds belongs to shard 0/);
    expect(makeServerConfig({ shards: 2, shardPeers: ['a:1', 'b:2'], adminToken: 'peers', evalEveryRounds: 5 }).evalEveryRounds).toBe(5);
  });

  it('hides token defaults in help and reads tokens from the environment', () => {
    const config = loadServerConfig([], { BYZPS_WORKER_TOKEN: 's3cret-value' });
    expect(config.workerToken).toBe('s3cret-value');
    expect(serverConfigHelp()).toContain('--worker-token (BYZPS_WORKER_TOKEN, none, never printed)');
    expect(serverConfigHelp()).toContain('--round-deadline-ms (BYZPS_ROUND_DEADLINE_MS, default 10000)');
  });
});
