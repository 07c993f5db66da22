/** Settings of SGD with momentum, weight decay and a step learning-rate schedule. */
export interface OptimizerConfig {
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** The learning rate is multiplied by lrDecayFactor every lrDecayEveryRounds rounds. */
  readonly lrDecayFactor: number;
  readonly lrDecayEveryRounds: number;
}

/** What one step did, for metrics and logs. */
export interface StepResult {
  /** θ_{r+1}, a new array: θ_r stays intact for pulls still streaming it. */
  readonly parameters: Float32Array;
  readonly learningRate: number;
  /** ‖θ_{r+1} − θ_r‖₂. */
  readonly updateNorm: number;
}

/** η_r = η · γ^⌊r / k⌋. */
export function learningRateAt(config: OptimizerConfig, round: number): number {
  return config.learningRate * config.lrDecayFactor ** Math.floor(round / config.lrDecayEveryRounds);
}

/**
 * SGD with heavy-ball momentum, in the convention of Sutskever et al. (2013) as most frameworks
 * implement it: v ← μ·v + (g + λ·θ), θ ← θ − η_r·v. The aggregation rule's output is g.
 */
export class SgdOptimizer {
  private velocity: Float32Array | undefined;

  constructor(readonly config: OptimizerConfig) {}

  step(parameters: Float32Array, gradient: Float32Array, round: number): StepResult {
    const { momentum, weightDecay } = this.config;
    const learningRate = learningRateAt(this.config, round);
    const d = parameters.length;
    const next = new Float32Array(d);
    // Without momentum there is no state to keep, and v would be a wasted d-length array.
    const velocity = momentum > 0 ? (this.velocity ??= new Float32Array(d)) : undefined;
    let squaredNorm = 0;
    for (let j = 0; j < d; j++) {
      const theta = parameters[j]!;
      let direction = gradient[j]! + weightDecay * theta;
      if (velocity !== undefined) {
        direction += momentum * velocity[j]!;
        velocity[j] = direction;
      }
      next[j] = theta - learningRate * direction;
      const moved = next[j]! - theta;
      squaredNorm += moved * moved;
    }
    return { parameters: next, learningRate, updateNorm: Math.sqrt(squaredNorm) };
  }

  /** The momentum buffer, for checkpoints (undefined until the first step with momentum). */
  getVelocity(): Float32Array | undefined {
    return this.velocity;
  }

  setVelocity(velocity: Float32Array | undefined): void {
    this.velocity = velocity;
  }
}
