import { ConfigError, ParameterError } from '../runtime/errors.js';
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
