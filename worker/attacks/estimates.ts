import type { Batch, Shard, ShardSpec, Task } from '../../tasks/task.js';

/** Which honest gradients a colluding worker recomputes each round. */
export interface EstimateSources {
  /** Worker indices whose shards the attacker rebuilds; colluders given the same list push the same vector. */
  readonly workers: readonly number[];
  /** The shard layout every worker uses (its `worker` field is replaced by each source). */
  readonly shard: Omit<ShardSpec, 'worker' | 'labelMap'>;
  readonly batchSize: number;
}

/**
 * Recomputes honest gradients at θ_r without any help: shards and batches are deterministic, so
 * the attacker draws source worker w's batch for `step` and computes its gradient, exactly what an
 * honest w using the same step numbering would push. Shards are built once and reused.
 */
export class HonestGradientEstimator<B extends Batch> {
  private readonly shards: Shard<B>[];

  constructor(
    private readonly task: Task<B>,
    private readonly sources: EstimateSources,
  ) {
    this.shards = sources.workers.map((worker) => task.shard({ ...sources.shard, worker }));
  }

  /** One gradient per source worker at θ, on that worker's batch for `step`. */
  estimate(theta: Float32Array, step: number): Float32Array[] {
    return this.shards.map((shard) => this.task.lossAndGradient(theta, shard.batch(step, this.sources.batchSize)).gradient);
  }
}
