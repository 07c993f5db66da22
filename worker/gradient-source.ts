import { ParameterError } from '../runtime/errors.js';
import type { Batch, Shard, ShardSpec, Task } from '../tasks/task.js';
import type { Attack, DataAttack } from './attacks/attack.js';
import { type EstimateSources, HonestGradientEstimator } from './attacks/estimates.js';

export interface GradientSourceOptions {
  /** This worker's shard: its index and the layout every worker shares. */
  readonly shard: ShardSpec;
  readonly batchSize: number;
  /** Workers whose gradients a colluding attack recomputes (see estimates.ts). */
  readonly estimateWorkers: readonly number[];
}

/** One step's result: the vector to push and the loss of the (possibly label-flipped) honest gradient. */
export interface Step {
  readonly gradient: Float32Array;
  readonly loss: number;
}

/**
 * Turns θ_r into the gradient a worker pushes for round r: its mini-batch gradient on its own
 * shard, then the active attack. The round number is the step number of every batch, so a
 * colluder's estimate of worker w's gradient is exactly what an honest w pushes in the same round.
 */
export class GradientSource<B extends Batch> {
  private readonly honestShard: Shard<B>;
  private estimator: HonestGradientEstimator<B> | undefined;
  /** The shard of the last data attack, kept because rebuilding a partition costs a pass over the data. */
  private flipped: { readonly attack: DataAttack; readonly shard: Shard<B> } | undefined;

  constructor(
    private readonly task: Task<B>,
    private readonly options: GradientSourceOptions,
  ) {
    this.honestShard = task.shard(options.shard);
  }

  /** Throws when this worker cannot run `attack`: too few estimate sources, or a data attack on a task without labels. */
  check(attack: Attack): void {
    if (attack.kind === 'data') {
      this.shardFor(attack);
    } else if (attack.estimatesNeeded > this.options.estimateWorkers.length) {
      throw new ParameterError(
        `${attack.name} needs ${attack.estimatesNeeded} honest gradient estimates; this worker recomputes ${this.options.estimateWorkers.length} (--estimate-workers)`,
      );
    }
  }

  step(theta: Float32Array, round: number, attack: Attack | undefined): Step {
    const shard = attack?.kind === 'data' ? this.shardFor(attack) : this.honestShard;
    const { loss, gradient } = this.task.lossAndGradient(theta, shard.batch(round, this.options.batchSize));
    if (attack?.kind !== 'gradient') return { loss, gradient };
    const honestEstimates = attack.estimatesNeeded === 0 ? [] : this.estimates().estimate(theta, round);
    return { loss, gradient: attack.apply({ own: gradient, honestEstimates, round }) };
  }

  private estimates(): HonestGradientEstimator<B> {
    const { shard, batchSize, estimateWorkers } = this.options;
    const sources: EstimateSources = { workers: estimateWorkers, shard: { workers: shard.workers, partition: shard.partition, seed: shard.seed }, batchSize };
    this.estimator ??= new HonestGradientEstimator(this.task, sources);
    return this.estimator;
  }

  private shardFor(attack: DataAttack): Shard<B> {
    if (this.flipped?.attack !== attack) {
      const classes = this.task.classes;
      if (classes === undefined) throw new ParameterError(`${attack.name} rewrites labels; the ${this.task.name} task has none`);
      this.flipped = { attack, shard: this.task.shard({ ...this.options.shard, labelMap: attack.labelMap(classes) }) };
    }
    return this.flipped.shard;
  }
}
