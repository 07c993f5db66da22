import { readFileSync } from 'node:fs';
import { ConfigError, ParameterError } from '../runtime/errors.js';
import { decodeNpy, NpyFormatError, type NpyArray } from '../runtime/npy.js';
import { DatasetError } from '../tasks/errors.js';
import { createTask, type TaskConfig } from '../tasks/registry.js';
import type { Task } from '../tasks/task.js';

/** The server's task settings; 0 and '' stand for "the task's own default". */
export interface TaskSettings {
  readonly task: string;
  /** d; 0 lets the task decide (synthetic: SYNTHETIC_DEFAULT_DIMENSION, fashion-mnist: from its hidden units). */
  readonly dimension: number;
  /** fashion-mnist hidden units; 0 for the task's default. */
  readonly hidden: number;
  /** fashion-mnist data directory; '' for the task's default. */
  readonly dataDir: string;
  readonly seed: number;
}

/** d of the synthetic task when --dimension is left at 0. */
export const SYNTHETIC_DEFAULT_DIMENSION = 1000;

/** Only the settings given are passed on, so the registry can refuse those a task does not take. */
function taskConfig(settings: TaskSettings): TaskConfig {
  const { task, seed } = settings;
  const dimension = settings.dimension === 0 && task === 'synthetic' ? SYNTHETIC_DEFAULT_DIMENSION : settings.dimension;
  return {
    task,
    seed,
    ...(dimension === 0 ? {} : { dimension }),
    ...(settings.hidden === 0 ? {} : { hidden: settings.hidden }),
    ...(settings.dataDir === '' ? {} : { dataDir: settings.dataDir }),
  };
}

/**
 * The task the server trains and evaluates, built by the registry the workers use, so θ₀ and d are
 * the workers' own. Settings the task refuses, and missing data files, become a ConfigError.
 */
export function loadTask(settings: TaskSettings): Task {
  try {
    return createTask(taskConfig(settings));
  } catch (error) {
    if (error instanceof ParameterError || error instanceof DatasetError) {
      throw new ConfigError(`task ${JSON.stringify(settings.task)}: ${error.message}`);
    }
    throw error;
  }
}

/** The task name of a model the server does not know: d and θ₀ come from --initial-parameters. */
export const EXTERNAL_TASK = 'external';

/** What the server itself needs of a model: its name, d and θ₀. */
export interface ServerModel {
  readonly name: string;
  readonly dimension: number;
  initialParameters(): Float32Array;
}

/** The server's model settings: the task settings and, for the external task, the file of θ₀. */
export interface ModelSettings extends TaskSettings {
  /** A 1-D float32 .npy file of θ₀ (--initial-parameters); '' for a built-in task. */
  readonly initialParameters: string;
}

/**
 * A model defined by its workers (PyTorch, or anything else): the server knows only θ₀, read from
 * a 1-D float32 .npy file, and its length d. Unreadable files, other dtypes and shapes, empty or
 * non-finite vectors are a ConfigError.
 */
export function loadExternalModel(path: string): ServerModel {
  if (path === '') throw new ConfigError(`task "${EXTERNAL_TASK}" needs --initial-parameters FILE.npy: the server learns d and θ₀ from it`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ConfigError(`--initial-parameters ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let array: NpyArray;
  try {
    array = decodeNpy(bytes);
  } catch (error) {
    if (error instanceof NpyFormatError) throw new ConfigError(`--initial-parameters ${path}: ${error.message}`);
    throw error;
  }
  if (array.dtype !== 'float32') throw new ConfigError(`--initial-parameters ${path}: holds ${array.dtype}, the server needs float32 (np.save(path, theta.astype(np.float32)))`);
  if (array.shape.length !== 1) throw new ConfigError(`--initial-parameters ${path}: has shape (${array.shape.join(', ')}), the server needs a 1-D vector (theta.reshape(-1))`);
  const d = array.shape[0]!;
  if (d < 1 || d > MAX_DIMENSION) throw new ConfigError(`--initial-parameters ${path}: has ${d} values, the server takes 1 to ${MAX_DIMENSION}`);
  const theta = Float32Array.from(array.data);
  const bad = theta.findIndex((value) => !Number.isFinite(value));
  if (bad !== -1) throw new ConfigError(`--initial-parameters ${path}: value ${bad} is ${theta[bad]}, every value must be finite`);
  return { name: EXTERNAL_TASK, dimension: d, initialParameters: () => theta.slice() };
}

/** d at most, as --dimension allows. */
const MAX_DIMENSION = 2 ** 28;

/** The model the server trains: a built-in task, or an external model from its θ₀ file. */
export function loadModel(settings: ModelSettings): ServerModel {
  if (settings.task === EXTERNAL_TASK) {
    if (settings.dimension !== 0 || settings.hidden !== 0 || settings.dataDir !== '') {
      throw new ConfigError(`task "${EXTERNAL_TASK}" takes d from --initial-parameters: leave --dimension, --hidden and --data-dir unset`);
    }
    return loadExternalModel(settings.initialParameters);
  }
  if (settings.initialParameters !== '') throw new ConfigError(`--initial-parameters is for --task ${EXTERNAL_TASK}; task ${JSON.stringify(settings.task)} makes its own θ₀ from --seed`);
  return loadTask(settings);
}
