import { ParameterError, UnknownNameError } from '../runtime/errors.js';
import { DEFAULT_HIDDEN, fashionMnistDimension, FashionMnistTask } from './fashion-mnist.js';
import { SyntheticTask } from './synthetic.js';
import type { Task } from './task.js';

/** How to build a task; the fields a task does not use must be left out. */
export interface TaskConfig {
  /** `synthetic` or `fashion-mnist`. */
  readonly task: string;
  /** Seed of θ₀ (and of θ* for synthetic). */
  readonly seed: number;
  /** synthetic: the dimension d (required); fashion-mnist: optional, checked against 795·hidden + 10. */
  readonly dimension?: number;
  /** synthetic: the per-sample noise norm τ (default 1). */
  readonly noise?: number;
  /** fashion-mnist: hidden units (default 64). */
  readonly hidden?: number;
  /** fashion-mnist: directory of the IDX files (default /usr/share/datasets/fashion-mnist). */
  readonly dataDir?: string;
}

const builders: Readonly<Record<string, (config: TaskConfig) => Task>> = {
  synthetic: (config) => {
    rejectUnused(config, ['hidden', 'dataDir']);
    if (config.dimension === undefined) throw new ParameterError('the synthetic task needs a dimension');
    return new SyntheticTask({ dimension: config.dimension, seed: config.seed, noise: config.noise });
  },
  'fashion-mnist': (config) => {
    rejectUnused(config, ['noise']);
    const hidden = config.hidden ?? DEFAULT_HIDDEN;
    // Checked before the data are read: d follows from the architecture alone.
    if (config.dimension !== undefined && Number.isInteger(hidden) && config.dimension !== fashionMnistDimension(hidden)) {
      throw new ParameterError(`fashion-mnist with ${hidden} hidden units has d=${fashionMnistDimension(hidden)}, not ${config.dimension}: d follows from hidden (795·hidden + 10)`);
    }
    return new FashionMnistTask({ seed: config.seed, hidden, dataDir: config.dataDir });
  },
};

export const taskNames: readonly string[] = Object.keys(builders);

/** Builds the named task; an unknown name lists the known ones. */
export function createTask(config: TaskConfig): Task {
  const build = builders[config.task];
  if (build === undefined) throw new UnknownNameError('task', config.task, taskNames);
  return build(config);
}

/** A setting the task ignores is a misunderstanding worth reporting. */
function rejectUnused(config: TaskConfig, unused: readonly (keyof TaskConfig)[]): void {
  for (const key of unused) {
    if (config[key] !== undefined) throw new ParameterError(`the ${config.task} task does not take "${key}"`);
  }
}
