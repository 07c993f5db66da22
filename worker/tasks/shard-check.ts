import { InvalidParameterError } from '../../aggregators/errors.js';
import type { ShardSpec } from './task.js';

/** Checks a shard request against the task's class count: a valid worker index and, if given, a label map covering every class. */
export function checkShardSpec(spec: ShardSpec, classes: number): void {
  if (!Number.isInteger(spec.worker) || spec.worker < 0 || spec.worker >= spec.workers) {
    throw new InvalidParameterError(`worker index must be an integer in 0..${spec.workers - 1}, got ${spec.worker}`);
  }
  const map = spec.labelMap;
  if (map !== undefined && (map.length !== classes || map.some((label) => label >= classes))) {
    throw new InvalidParameterError(`a label map needs one label in 0..${classes - 1} for each of the ${classes} classes, got [${Array.from(map).join(', ')}]`);
  }
}
