import { atLeast, between, LOG_LEVELS, logLevel, parseInteger, parseNumber, port, type Setting, SettingsSchema, text } from '../runtime/settings.js';
import { parsePairs, parseSpecs, type Spec } from '../runtime/spec.js';
import { EXTERNAL_TASK } from './task.js';

/**
 * The parameter server's configuration, in one schema: each setting has one kebab-case name used
 * for its flag (`--round-deadline-ms`) and, upper-cased with a `BYZPS_` prefix, its environment
 * variable (`BYZPS_ROUND_DEADLINE_MS`); flags win over the environment, which wins over defaults.
 */
export interface ServerConfig {
  readonly grpcHost: string;
  readonly grpcPort: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly httpAddressFile: string;
  readonly task: string;
  readonly dimension: number;
  readonly hidden: number;
  readonly dataDir: string;
  readonly seed: number;
  readonly initialParameters: string;
  readonly evalEveryRounds: number;
  readonly rule: string;
  readonly f: number;
  readonly ruleParams: Readonly<Record<string, string>>;
  readonly pre: readonly Spec[];
  readonly quorum: number;
  readonly maxWorkers: number;
  readonly roundDeadlineMs: number;
  readonly pushTimeoutMs: number;
  readonly pullTimeoutMs: number;
  readonly pullWaitMs: number;
  readonly maxChunkBytes: number;
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly lrDecayFactor: number;
  readonly lrDecayEveryRounds: number;
  readonly workerToken: string;
  readonly workerTokensFile: string;
  readonly adminToken: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly tlsClientCaFile: string;
  readonly checkpointDir: string;
  readonly checkpointEveryRounds: number;
  readonly logLevel: string;
  readonly shards: number;
  readonly shardIndex: number;
  readonly shardPeers: readonly string[];
}

type Key = keyof ServerConfig;

const MIB = 1024 * 1024;

function setting<K extends Key>(definition: Setting<ServerConfig, K>): Setting<ServerConfig, K> {
  return definition;
}

/** Every setting, in the order `--help` lists them. */
const serverSettings = [
  setting({ key: 'grpcHost', description: 'address the gRPC server listens on', default: '0.0.0.0', parse: text }),
  setting({ key: 'grpcPort', description: 'gRPC port (0 picks a free one)', default: 50051, parse: parseInteger, check: port }),
  setting({ key: 'httpHost', description: 'address of the /metrics and /healthz endpoint', default: '0.0.0.0', parse: text }),
  setting({ key: 'httpPort', description: 'HTTP port for /metrics and /healthz (0 picks a free one)', default: 9090, parse: parseInteger, check: port }),
  setting({ key: 'httpAddressFile', description: 'file the URL of /healthz is written to once it listens, removed on exit (the container image\'s health check reads it; empty: none)', default: '', parse: text }),
  setting({ key: 'task', description: 'the model the server trains and evaluates, as its workers do: synthetic or fashion-mnist; external: a model only its workers know (PyTorch, …), d and θ₀ from --initial-parameters', default: 'synthetic', parse: text }),
  setting({ key: 'dimension', description: 'number of parameters d (0: the task decides — 1000 for synthetic, 795·hidden + 10 for fashion-mnist)', default: 0, parse: parseInteger, check: between(0, 2 ** 28) }),
  setting({ key: 'hidden', description: 'fashion-mnist: hidden units of the MLP (0: the task default, 64)', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'dataDir', description: 'fashion-mnist: directory of the IDX files (empty: /usr/share/datasets/fashion-mnist)', default: '', parse: text }),
  setting({ key: 'seed', description: 'seed of the task (θ₀, and the synthetic task\'s optimum); workers must use the same', default: 1, parse: parseInteger, check: between(0, 2 ** 32 - 1) }),
  setting({ key: 'initialParameters', description: 'task external: θ₀ as a 1-D float32 .npy file (np.save); d is its length', default: '', parse: text }),
  setting({ key: 'evalEveryRounds', description: 'evaluate θ on the held-out data every this many rounds, on a separate thread (0: never)', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'rule', description: 'aggregation rule (mean, median, trimmed-mean, krum, flag, …)', default: 'mean', parse: text }),
  setting({ key: 'f', description: 'Byzantine bound: how many workers may be arbitrary', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'ruleParams', description: 'rule parameters as key=value,key=value', default: {}, parse: (value) => parsePairs(value) }),
  setting({ key: 'pre', description: 'pre-aggregators before the rule, in order: nnm, bucketing:s=2, clip:tau=1, …', default: [], shownDefault: 'none', parse: (value) => parseSpecs(value, '--pre'), joinRepeatsWith: ',' }),
  setting({ key: 'quorum', description: 'fewest gradients a round closes with at its deadline (0: what the rule needs)', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'maxWorkers', description: 'most workers that may join', default: 64, parse: parseInteger, check: between(1, 10_000) }),
  setting({ key: 'roundDeadlineMs', description: 'time after the first gradient of a round until the round closes with what it has', default: 10_000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'pushTimeoutMs', description: 'longest a single push stream may stay open', default: 30_000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'pullWaitMs', description: 'longest a Pull or Observe waits for the round it asked for before the client is told to ask again (DEADLINE_EXCEEDED)', default: 10_000, parse: parseInteger, check: between(1, 600_000) }),
  setting({ key: 'pullTimeoutMs', description: 'longest a worker may take to read θ from a pull stream (a client that stops reading is cut off)', default: 30_000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'maxChunkBytes', description: 'largest gradient chunk accepted', default: MIB, parse: parseInteger, check: between(4, 4 * MIB) }),
  setting({ key: 'learningRate', description: 'SGD learning rate', default: 0.01, parse: parseNumber, check: atLeast(0) }),
  setting({ key: 'momentum', description: 'SGD momentum μ in [0, 1)', default: 0, parse: parseNumber, check: (value) => (value < 0 || value >= 1 ? `must be in [0, 1), got ${value}` : undefined) }),
  setting({ key: 'weightDecay', description: 'L2 weight decay added to the gradient', default: 0, parse: parseNumber, check: atLeast(0) }),
  setting({ key: 'lrDecayFactor', description: 'step schedule: multiply the learning rate by this …', default: 1, parse: parseNumber, check: between(0, 1) }),
  setting({ key: 'lrDecayEveryRounds', description: '… every this many rounds', default: 1000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'workerToken', description: 'bearer token workers present (empty: workers are not authenticated)', default: '', parse: text, secret: true }),
  setting({ key: 'workerTokensFile', description: 'file of "<worker name> <token>" lines: each worker joins, pulls and pushes only under its own name (instead of --worker-token)', default: '', parse: text }),
  setting({ key: 'adminToken', description: 'bearer token of the control service (empty: control service off)', default: '', parse: text, secret: true }),
  setting({ key: 'tlsCertFile', description: 'PEM certificate chain of the gRPC server (empty: plaintext)', default: '', parse: text }),
  setting({ key: 'tlsKeyFile', description: 'PEM private key of --tls-cert-file', default: '', parse: text }),
  setting({ key: 'tlsClientCaFile', description: 'PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)', default: '', parse: text }),
  setting({ key: 'checkpointDir', description: 'directory for checkpoints; the server resumes from the newest valid one (empty: no checkpoints)', default: '', parse: text }),
  setting({ key: 'checkpointEveryRounds', description: 'write a checkpoint every this many rounds', default: 10, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'logLevel', description: `log level: ${LOG_LEVELS.join(', ')}`, default: 'info', parse: text, env: 'LOG_LEVEL', check: logLevel }),
  setting({ key: 'shards', description: 'number of shard processes S of a sharded server; each owns a 4,096-aligned coordinate range (1: unsharded)', default: 1, parse: parseInteger, check: between(1, 64) }),
  setting({ key: 'shardIndex', description: 'this shard\'s index i in [0, S); shard 0 coordinates the rounds', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'shardPeers', description: 'host:port of every shard\'s gRPC server, in index order (this one included): what workers and shards dial', default: [], shownDefault: 'none', parse: (value) => value.split(',').map((peer) => peer.trim()).filter((peer) => peer !== ''), joinRepeatsWith: ',' }),
] as const;

/** Checks that involve more than one setting. */
function crossChecks(config: ServerConfig): string[] {
  const problems: string[] = [];
  if (config.task === EXTERNAL_TASK && config.evalEveryRounds !== 0) problems.push('--eval-every-rounds needs a built-in task: an external model is evaluated by an evaluator process (ReportEvaluation, docs/PROTOCOL.md)');
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) problems.push('--tls-cert-file and --tls-key-file go together: set both or neither');
  if (config.tlsClientCaFile !== '' && config.tlsCertFile === '') problems.push('--tls-client-ca-file needs --tls-cert-file and --tls-key-file');
  if (config.workerToken !== '' && config.workerTokensFile !== '') problems.push('--worker-token and --worker-tokens-file exclude each other: one shared token or one token per worker');
  if (config.adminToken !== '' && config.adminToken === config.workerToken) problems.push('--admin-token must differ from --worker-token');
  if (config.shardIndex >= config.shards) problems.push(`--shard-index must be below --shards (${config.shards}), got ${config.shardIndex}`);
  if (config.shards > 1) {
    if (config.adminToken === '') problems.push('--shards > 1 needs --admin-token: the shards authorise their calls to each other (steps, push reports, rewinds) with it');
    if (config.shardPeers.length !== config.shards) problems.push(`--shard-peers must list ${config.shards} host:port addresses, one per shard in index order, got ${config.shardPeers.length}`);
    if (config.tlsCertFile !== '') problems.push('--tls-cert-file is not supported with --shards > 1 yet: the shards dial each other in plaintext');
    if (config.evalEveryRounds !== 0 && config.shardIndex !== 0) problems.push('--eval-every-rounds belongs to shard 0, which gathers θ from the other shards to evaluate it');
  }
  return problems;
}

const schema = new SettingsSchema<ServerConfig>(serverSettings as readonly Setting<ServerConfig, Key>[], 'server', crossChecks);

/** One line per setting: flag, env var, default and description, for `byzps ps --help`. */
export function serverConfigHelp(): string {
  return schema.help();
}

/**
 * Builds a configuration from command-line flags (`--name value` or `--name=value`) and environment
 * variables. Every problem is collected and reported in one ConfigError.
 */
export function loadServerConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ServerConfig {
  return schema.load(argv, env);
}

/** Defaults with typed overrides, validated like flags (for programs and tests that start a server). */
export function makeServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return schema.make(overrides);
}
