import { SeededRandom } from '../aggregators/index.js';
import { ParameterError } from '../runtime/errors.js';
import { deriveSeed } from './seeds.js';
import { checkShardSpec } from './shard-check.js';
import type { Batch, Evaluation, LossAndGradient, Shard, ShardSpec, Task } from './task.js';

/** A synthetic mini-batch: its size and the seed of its observation noise. */
export interface SyntheticBatch extends Batch {
  readonly noiseSeed: number;
}

export interface SyntheticOptions {
  /** d, from 1 to 10⁷ (and more, memory permitting). */
  readonly dimension: number;
  readonly seed: number;
  /** τ: one sample's observation noise has norm ≈ τ (standard deviation τ/√d per coordinate). Default 1. */
  readonly noise?: number;
}

/** Largest dimension accepted: θ* and the gradient are two float32 vectors of this length. */
const MAX_DIMENSION = 100_000_000;

/**
 * Streaming least squares with a known optimum ("noisy quadratic"). With s = 1/√d:
 * θ*_j = √3·s·(2u_j − 1) (so ‖θ*‖ ≈ 1), curvature h_j = 0.1 + 0.9·j/(d−1) (condition number 10);
 * a sample is y = θ* + ε with ε_j of mean 0 and variance τ²s², and its loss ½ Σ_j h_j (θ_j − y_j)².
 * A batch of B fresh samples has loss ½ Σ_j h_j (θ_j − ȳ_j)² with ȳ = θ* + ε̄, Var ε̄_j = τ²s²/B;
 * ε̄ is drawn directly, uniform with that variance, so a step costs O(d) whatever B is.
 * The population loss ½ Σ h_j (θ_j − θ*_j)² + ½ τ²s² Σ h_j is minimal at θ*, where it equals its floor.
 * θ₀_j = s·(2v_j − 1), uniform in [−s, s).
 */
export class SyntheticTask implements Task<SyntheticBatch> {
  readonly name = 'synthetic';
  readonly classes = undefined;
  readonly dimension: number;
  readonly noise: number;
  private readonly seed: number;
  private cachedOptimum: Float32Array | undefined;

  constructor(options: SyntheticOptions) {
    const { dimension, seed } = options;
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
      throw new ParameterError(`synthetic dimension must be an integer in 1..${MAX_DIMENSION}, got ${dimension}`);
    }
    const noise = options.noise ?? 1;
    if (!(noise >= 0) || !Number.isFinite(noise)) throw new ParameterError(`synthetic noise must be a finite number ≥ 0, got ${noise}`);
    this.dimension = dimension;
    this.seed = seed;
    this.noise = noise;
  }

  /** Curvature h_j of coordinate j. */
  curvature(j: number): number {
    return this.dimension === 1 ? 1 : 0.1 + (0.9 * j) / (this.dimension - 1);
  }

  /** θ*, the minimiser of the population loss (computed once, then shared: do not modify). */
  optimum(): Float32Array {
    if (this.cachedOptimum === undefined) {
      this.cachedOptimum = this.uniformVector(deriveSeed(this.seed, 0x0b7), Math.sqrt(3 / this.dimension));
    }
    return this.cachedOptimum;
  }

  /** The population loss at θ*: what no θ can go below. */
  lossFloor(): number {
    let sum = 0;
    for (let j = 0; j < this.dimension; j++) sum += this.curvature(j);
    return (0.5 * this.noise * this.noise * sum) / this.dimension;
  }

  initialParameters(): Float32Array {
    return this.uniformVector(deriveSeed(this.seed, 0x7e0), 1 / Math.sqrt(this.dimension));
  }

  /** Every worker samples its own stream of fresh samples; there is nothing to split by label. */
  shard(spec: ShardSpec): Shard<SyntheticBatch> {
    if (spec.partition.kind !== 'iid') throw new ParameterError(`the synthetic task has no labels to skew: use the iid partition, not ${spec.partition.kind}`);
    checkShardSpec(spec, this.classes);
    const { worker, seed } = spec;
    return { worker, batch: (step, size) => ({ size, noiseSeed: deriveSeed(seed, 0x5a3, worker, step, size) }) };
  }

  lossAndGradient(theta: Float32Array, batch: SyntheticBatch, gradient = new Float32Array(this.dimension)): LossAndGradient {
    const d = this.dimension;
    const optimum = this.optimum();
    const random = new SeededRandom(batch.noiseSeed);
    // Uniform on [−a, a) has variance a²/3; a = √3·τ·s/√B gives the batch mean's variance τ²s²/B.
    const halfWidth = (Math.sqrt(3) * this.noise) / Math.sqrt(d * batch.size);
    let loss = 0;
    for (let j = 0; j < d; j++) {
      const h = this.curvature(j);
      const residual = theta[j]! - optimum[j]! - halfWidth * (2 * random.next() - 1);
      gradient[j] = h * residual;
      loss += h * residual * residual;
    }
    return { loss: 0.5 * loss, gradient };
  }

  evaluate(theta: Float32Array): Evaluation {
    const optimum = this.optimum();
    let excess = 0;
    for (let j = 0; j < this.dimension; j++) {
      const difference = theta[j]! - optimum[j]!;
      excess += this.curvature(j) * difference * difference;
    }
    return { loss: 0.5 * excess + this.lossFloor() };
  }

  private uniformVector(seed: number, halfWidth: number): Float32Array {
    const random = SeededRandom.fromSeed(seed);
    const out = new Float32Array(this.dimension);
    for (let j = 0; j < this.dimension; j++) out[j] = halfWidth * (2 * random.next() - 1);
    return out;
  }
}
