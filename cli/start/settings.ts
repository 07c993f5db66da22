import { atLeast, between, parseInteger, parseNumber, port, type Setting, SettingsSchema, text } from '../../runtime/settings.js';
import { parsePairs } from '../../runtime/spec.js';

/**
 * What `byzps start` runs, in the one-schema form of the server and the workers: `--workers` is
 * also `BYZPS_WORKERS`; flags win over the environment, which wins over defaults.
 */
export interface StartConfig {
  readonly task: string;
  readonly dataDir: string;
  readonly workers: number;
  readonly byzantine: number;
  readonly attack: string;
  readonly attackParam: Readonly<Record<string, string>>;
  readonly rule: string;
  readonly ruleParams: Readonly<Record<string, string>>;
  readonly pre: string;
  /** The Byzantine bound the rule assumes; −1 means the number of Byzantine workers. */
  readonly f: number;
  readonly rounds: number;
  /** 0 means the task's own learning rate (taskLearningRates). */
  readonly learningRate: number;
  readonly evalEveryRounds: number;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Empty means a new run directory under the system's temporary directory. */
  readonly checkpointDir: string;
  readonly checkpointEveryRounds: number;
  readonly roundDeadlineMs: number;
  readonly quorum: number;
  readonly seed: number;
  /** How the workers' pushed gradients travel, as `byzps worker --gradient-encoding` takes it. */
  readonly gradientEncoding: string;
  /** θ's length; 0: the task's own. */
  readonly dimension: number;
  /** Shard processes of the server; 1: one unsharded server. */
  readonly shards: number;
}

type Key = keyof StartConfig;

function setting<K extends Key>(definition: Setting<StartConfig, K>): Setting<StartConfig, K> {
  return definition;
}

/** Learning rates at which each task visibly trains within a few hundred rounds. */
export const taskLearningRates: Readonly<Record<string, number>> = { synthetic: 0.02, 'fashion-mnist': 0.2 };

/** The default attack is strong enough that a plain mean diverges under it: −10·g from 2 of 10 workers outweighs the other 8. */
const DEFAULT_ATTACK = 'sign-flip';
const DEFAULT_ATTACK_PARAMS: Readonly<Record<string, string>> = { k: '10' };

const TASKS = Object.keys(taskLearningRates);

/** Every setting, in the order `--help` lists them. */
const startSettings = [
  setting({ key: 'task', description: `what to train: ${TASKS.join(' or ')}`, default: 'synthetic', parse: text, check: (value) => (TASKS.includes(value) ? undefined : `must be ${TASKS.join(' or ')}, got ${JSON.stringify(value)}`) }),
  setting({ key: 'dataDir', description: 'fashion-mnist: directory of the IDX files (empty: /usr/share/datasets/fashion-mnist)', default: '', parse: text }),
  setting({ key: 'workers', description: 'worker processes in all, honest and Byzantine', default: 10, parse: parseInteger, check: between(1, 64) }),
  setting({ key: 'byzantine', description: 'how many of them run --attack', default: 2, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'attack', description: 'the Byzantine workers’ attack (see byzps worker --help)', default: DEFAULT_ATTACK, parse: text }),
  setting({ key: 'attackParam', description: 'attack parameter KEY=VALUE', default: {}, shownDefault: `k=${DEFAULT_ATTACK_PARAMS.k!} for the default attack, else none`, parse: (value) => parsePairs(value), joinRepeatsWith: ',' }),
  setting({ key: 'rule', description: 'aggregation rule (mean, median, trimmed-mean, krum, flag, …)', default: 'flag', parse: text }),
  setting({ key: 'ruleParams', description: 'rule parameters as key=value,key=value', default: {}, parse: (value) => parsePairs(value) }),
  setting({ key: 'pre', description: 'pre-aggregators before the rule, in order (see byzps ps --help)', default: '', shownDefault: 'none', parse: text, joinRepeatsWith: ',' }),
  setting({ key: 'f', description: 'Byzantine bound the rule assumes (-1: the --byzantine count)', default: -1, parse: parseInteger, check: atLeast(-1) }),
  setting({ key: 'rounds', description: 'rounds to train before stopping (0: until Ctrl-C)', default: 300, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'learningRate', description: `SGD learning rate (0: the task's, ${TASKS.map((task) => `${taskLearningRates[task]!} for ${task}`).join(', ')})`, default: 0, parse: parseNumber, check: atLeast(0) }),
  setting({ key: 'evalEveryRounds', description: 'evaluate θ on held-out data every this many rounds', default: 10, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'grpcPort', description: 'the server’s gRPC port on 127.0.0.1 (0 picks a free one)', default: 0, parse: parseInteger, check: port }),
  setting({ key: 'httpPort', description: 'the server’s /metrics port on 127.0.0.1 (0 picks a free one); workers always pick free ones', default: 0, parse: parseInteger, check: port }),
  setting({ key: 'checkpointDir', description: 'the server’s checkpoints; reusing a directory resumes from it (empty: a new byzps-run-* directory in the temp dir)', default: '', parse: text }),
  setting({ key: 'checkpointEveryRounds', description: 'the server writes a checkpoint every this many rounds (and as it stops)', default: 10, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'quorum', description: 'fewest gradients a round closes with (0: what the rule needs); --workers makes every round wait for every worker', default: 0, parse: parseInteger, check: atLeast(0) }),
  setting({ key: 'roundDeadlineMs', description: 'a round waits this long after its first gradient for a dead or stalled worker', default: 3000, parse: parseInteger, check: atLeast(1) }),
  setting({ key: 'seed', description: 'seed of the task, the data split and the mini-batches', default: 1, parse: parseInteger, check: between(0, 2 ** 32 - 1) }),
  setting({ key: 'gradientEncoding', description: 'how the workers push gradients: float32, or bfloat16 at half the bytes', default: 'float32', parse: text }),
  setting({ key: 'dimension', description: 'number of parameters d (0: the task decides, 1000 for synthetic); a sharded run needs more than 4,096·(S − 1)', default: 0, parse: parseInteger, check: between(0, 2 ** 28) }),
  setting({ key: 'shards', description: 'server processes: S > 1 runs a sharded server, each shard owning a range of the coordinates (no checkpoints yet); --grpc-port, when set, is shard 0\'s and the others take the ports after it', default: 1, parse: parseInteger, check: between(1, 64) }),
] as const;

/** The synthetic task's d when --dimension does not say. */
const SYNTHETIC_DIMENSION = 1000;
/** Shards own whole blocks of this many coordinates. */
const SHARD_ALIGNMENT = 4096;

function crossChecks(config: StartConfig): string[] {
  const problems = config.byzantine > config.workers ? [`--byzantine ${config.byzantine} exceeds --workers ${config.workers}`] : [];
  if (config.quorum > config.workers) problems.push(`--quorum ${config.quorum} exceeds --workers ${config.workers}: no round could close`);
  const dimension = config.dimension !== 0 ? config.dimension : config.task === 'synthetic' ? SYNTHETIC_DIMENSION : undefined;
  if (config.shards > 1 && dimension !== undefined && Math.ceil(dimension / SHARD_ALIGNMENT) < config.shards) {
    problems.push(`--shards ${config.shards} needs at least ${SHARD_ALIGNMENT * (config.shards - 1) + 1} parameters (shards own whole blocks of ${SHARD_ALIGNMENT}); d is ${dimension}: raise --dimension`);
  }
  return problems;
}

const schema = new SettingsSchema<StartConfig>(startSettings as readonly Setting<StartConfig, Key>[], 'start', crossChecks);

/** One line per setting: flag, env var, default and description, for `byzps start --help`. */
export function startConfigHelp(): string {
  return schema.help();
}

/** Builds the run's configuration from flags and BYZPS_* variables; every problem is reported in one ConfigError. */
export function loadStartConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): StartConfig {
  return schema.load(argv, env);
}

/** The Byzantine bound the rule is told. */
export function ruleBound(config: StartConfig): number {
  return config.f === -1 ? config.byzantine : config.f;
}

/** The learning rate the server runs with. */
export function learningRate(config: StartConfig): number {
  return config.learningRate === 0 ? taskLearningRates[config.task]! : config.learningRate;
}

/** The Byzantine workers' attack parameters: the ones given, or the default attack's own. */
export function attackParams(config: StartConfig): Readonly<Record<string, string>> {
  return config.attack === DEFAULT_ATTACK && Object.keys(config.attackParam).length === 0 ? DEFAULT_ATTACK_PARAMS : config.attackParam;
}
