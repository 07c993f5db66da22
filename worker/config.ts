import { hostname } from 'node:os';
import { GRADIENT_ENCODINGS, type GradientEncoding } from '../proto/tensor-encoding.js';
import { atLeast, between, LOG_LEVELS, logLevel, parseInteger, parseNumber, port, type Setting, SettingsSchema, text } from '../runtime/settings.js';
import { parsePairs } from '../runtime/spec.js';
import type { PartitionScheme } from '../tasks/partition.js';
import { createAttack } from './attacks/registry.js';
import { Behaviour } from './behaviour.js';
import { type Instruction, isSystemFaultKind, parseInstructions, systemFaultKinds } from './faults.js';

/**
 * A worker's configuration, in the same one-schema form as the server's: `--batch-size` is also
 * `BYZPS_BATCH_SIZE`; flags win over the environment, which wins over defaults.
 */
export interface WorkerConfig {
  /** host:port of the parameter server. */
  readonly server: string;
  readonly name: string;
  readonly workerToken: string;
  readonly tlsCaFile: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly workers: number;
  /** This worker's shard index, or −1 to take the worker id from Join minus one. */
  readonly shard: number;
  readonly seed: number;
  readonly dataSeed: number;
  readonly partition: PartitionScheme;
  readonly batchSize: number;
  readonly noise: number;
  readonly dataDir: string;
  readonly attack: string;
  /** The attack's parameters, one --attack-param KEY=VALUE each. */
  readonly attackParam: Readonly<Record<string, string>>;
  readonly fault: readonly Instruction[];
  readonly estimateWorkers: readonly number[];
  readonly maxSteps: number;
  readonly callTimeoutMs: number;
  readonly gradientEncoding: GradientEncoding;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly httpAddressFile: string;
  readonly logLevel: string;
}

type Key = keyof WorkerConfig;

function setting<K extends Key>(definition: Setting<WorkerConfig, K>): Setting<WorkerConfig, K> {
  return definition;
}

/** `iid` or `dirichlet:ALPHA`. */
/** `float32` or `bfloat16`, as the proto's TensorEncoding names them. */
function parseGradientEncoding(value: string): GradientEncoding {
  const encoding = GRADIENT_ENCODINGS.find((known) => known === value.toUpperCase());
  if (encoding === undefined) throw new Error(`expected ${GRADIENT_ENCODINGS.map((known) => known.toLowerCase()).join(' or ')}, got ${JSON.stringify(value)}`);
  return encoding;
}

function parsePartition(value: string): PartitionScheme {
  if (value === 'iid') return { kind: 'iid' };
  const match = /^dirichlet:(.+)$/.exec(value);
  const alpha = match === null ? NaN : Number(match[1]);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`expected iid or dirichlet:ALPHA with ALPHA > 0, got ${JSON.stringify(value)}`);
  return { kind: 'dirichlet', alpha };
}

/** A comma-separated list of worker indices; empty means every worker. */
function parseIndices(value: string): number[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseInteger);
}

const NONE = 'none';

/** Every setting, in the order `--help` lists them. */
const workerSettings = [
  setting({ key: 'server', description: 'host:port of the parameter server', default: '127.0.0.1:50051', parse: text, check: (value) => (/^.+:\d+$/.test(value) ? undefined : `must be HOST:PORT, got ${JSON.stringify(value)}`) }),
  setting({ key: 'name', description: 'stable worker name; joining again under it returns the same worker id (default: the host name)', default: hostname(), parse: text }),
  setting({ key: 'workerToken', description: 'bearer token of the workers (empty: none)', default: '', parse: text, secret: true }),
  setting({ key: 'tlsCaFile', description: 'PEM CA bundle to verify a TLS server with (empty: plaintext)', default: '', parse: text }),
  setting({ key: 'tlsCertFile', description: 'PEM client certificate, for a server that requires mutual TLS', default: '', parse: text }),
  setting({ key: 'tlsKeyFile', description: 'PEM private key of --tls-cert-file', default: '', parse: text }),
  setting({ key: 'workers', description: 'number of shards the training data is split into (the number of workers); the worker id from Join picks this worker’s shard', default: 10, parse: parseInteger, check: between(1, 10_000) }),
  setting({ key: 'shard', description: 'this worker’s shard, 0 ≤ shard < --workers (-1: the worker id from Join minus one, so join order decides)', default: -1, parse: parseInteger, check: atLeast(-1) }),
  setting({ key: 'seed', description: 'task seed; must equal the server’s --seed', default: 1, parse: parseInteger, check: between(0, 2 ** 32 - 1) }),
  setting({ key: 'dataSeed', description: 'seed of the data split and mini-batches, the same on every worker', default: 1, parse: parseInteger, check: between(0, 2 ** 32 - 1) }),
  setting({ key: 'partition', description: 'data split: iid, or dirichlet:ALPHA for label skew (fashion-mnist)', default: { kind: 'iid' }, shownDefault: 'iid', parse: parsePartition }),
  setting({ key: 'batchSize', description: 'mini-batch size per step', default: 32, parse: parseInteger, check: between(1, 1_000_000) }),
  setting({ key: 'noise', description: 'synthetic task: per-sample noise norm τ; must equal the server’s', default: 1, parse: parseNumber, check: atLeast(0) }),
  setting({ key: 'dataDir', description: 'fashion-mnist: directory of the IDX files', default: '/usr/share/datasets/fashion-mnist', parse: text }),
  setting({ key: 'attack', description: `attack on the pushed gradient (${NONE}: honest)`, default: NONE, parse: text }),
  setting({ key: 'attackParam', description: 'attack parameter KEY=VALUE', default: {}, shownDefault: 'none', parse: (value) => parsePairs(value), joinRepeatsWith: ',' }),
  setting({ key: 'fault', description: 'system fault KIND[:KEY=VALUE,...] (see below)', default: [], shownDefault: 'none', parse: parseInstructions, joinRepeatsWith: ',' }),
  setting({ key: 'estimateWorkers', description: 'worker indices whose gradients a colluding attack (alie, ipm, mimic) recomputes, comma-separated', default: [], shownDefault: 'all', parse: parseIndices }),
  setting({ key: 'maxSteps', description: 'stop after this many pushes (0: run until stopped)', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'gradientEncoding', description: 'how pushed gradients travel: float32, or bfloat16 at half the bytes (the server widens it back)', default: 'FLOAT32', shownDefault: 'float32', parse: parseGradientEncoding }),
  setting({ key: 'callTimeoutMs', description: 'deadline of each Join and Push, and of each Pull once the server\'s long-poll wait (its --pull-wait-ms) is over', default: 30_000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'reconnectInitialMs', description: 'first reconnection delay; doubles per failure, with jitter', default: 100, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'reconnectMaxMs', description: 'cap of the reconnection delay', default: 10_000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'httpHost', description: 'address of the /metrics and /healthz endpoint', default: '0.0.0.0', parse: text }),
  setting({ key: 'httpPort', description: 'HTTP port for /metrics and /healthz (0 picks a free one)', default: 9091, parse: parseInteger, check: port }),
  setting({ key: 'httpAddressFile', description: 'file the URL of /healthz is written to once it listens, removed on exit (the container image\'s health check reads it; empty: none)', default: '', parse: text }),
  setting({ key: 'logLevel', description: `log level: ${LOG_LEVELS.join(', ')}`, default: 'info', parse: text, env: 'LOG_LEVEL', check: logLevel }),
] as const;

/** The launch-time instructions: the attack (unless none), then the faults. */
export function launchInstructions(config: WorkerConfig): Instruction[] {
  const attack = config.attack === NONE ? [] : [{ kind: config.attack, params: config.attackParam }];
  return [...attack, ...config.fault];
}

/** Checks that involve more than one setting, including the attack and faults as a worker would build them. */
function crossChecks(config: WorkerConfig): string[] {
  const problems: string[] = [];
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) problems.push('--tls-cert-file and --tls-key-file go together: set both or neither');
  if (config.tlsCertFile !== '' && config.tlsCaFile === '') problems.push('--tls-cert-file needs --tls-ca-file');
  if (config.reconnectMaxMs < config.reconnectInitialMs) problems.push(`--reconnect-max-ms (${config.reconnectMaxMs}) must be ≥ --reconnect-initial-ms (${config.reconnectInitialMs})`);
  if (config.shard >= config.workers) problems.push(`--shard ${config.shard} is outside 0..${config.workers - 1} (--workers ${config.workers})`);
  const outside = config.estimateWorkers.filter((index) => index < 0 || index >= config.workers);
  if (outside.length > 0) problems.push(`--estimate-workers ${outside.join(', ')} outside 0..${config.workers - 1}`);
  if (config.attack === NONE && Object.keys(config.attackParam).length > 0) problems.push('--attack-param needs --attack');
  if (config.attack !== NONE) {
    try {
      createAttack({ name: config.attack, params: config.attackParam });
    } catch (error) {
      problems.push(`--attack: ${(error as Error).message}`);
    }
  }
  const behaviour = new Behaviour();
  for (const fault of config.fault) {
    if (!isSystemFaultKind(fault.kind)) {
      problems.push(`--fault: unknown system fault "${fault.kind}"; known: ${systemFaultKinds.join(', ')} (attacks go in --attack)`);
      continue;
    }
    try {
      behaviour.apply(fault);
    } catch (error) {
      problems.push(`--fault: ${(error as Error).message}`);
    }
  }
  return problems;
}

const schema = new SettingsSchema<WorkerConfig>(workerSettings as readonly Setting<WorkerConfig, Key>[], 'worker', crossChecks);

/** One line per setting: flag, env var, default and description, for `byzps worker --help`. */
export function workerConfigHelp(): string {
  return schema.help();
}

/** Builds a worker configuration from flags and environment variables; every problem is reported in one ConfigError. */
export function loadWorkerConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): WorkerConfig {
  return schema.load(argv, env);
}

/** Defaults with typed overrides, validated like flags (for programs and tests that start a worker). */
export function makeWorkerConfig(overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  return schema.make(overrides);
}
