import { ParameterError } from '../runtime/errors.js';
import type { ShardSpec } from './task.js';

/**
 * Checks a shard request against the task: a worker index in 0..workers−1 and, if a label map is
 * given, a classification task (`classes` defined) and one valid label per class.
 */
export function checkShardSpec(spec: ShardSpec, classes: number | undefined): void {
  if (!Number.isInteger(spec.workers) || spec.workers < 1) throw new ParameterError(`the number of workers must be a positive integer, got ${spec.workers}`);
  if (!Number.isInteger(spec.worker) || spec.worker < 0 || spec.worker >= spec.workers) {
    throw new ParameterError(`worker index must be an integer in 0..${spec.workers - 1}, got ${spec.worker}`);
  }
  const map = spec.labelMap;
  if (map === undefined) return;
  if (classes === undefined) throw new ParameterError('this task has no labels to rewrite: label attacks need a classification task');
  if (map.length !== classes || map.some((label) => label >= classes)) {
    throw new ParameterError(`a label map needs one label in 0..${classes - 1} for each of the ${classes} classes, got [${Array.from(map).join(', ')}]`);
  }
}
