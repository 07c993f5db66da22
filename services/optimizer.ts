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

/** Coordinates updated between two yields to the event loop in stepInSlices (a few ms of work). */
const SLICE_COORDINATES = 1 << 18;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * SGD with heavy-ball momentum, in the convention of Sutskever et al. (2013) as most frameworks
 * implement it: v ← μ·v + (g + λ·θ), θ ← θ − η_r·v. The aggregation rule's output is g.
 */
export class SgdOptimizer {
  private velocity: Float32Array | undefined;

  constructor(readonly config: OptimizerConfig) {}

  step(parameters: Float32Array, gradient: Float32Array, round: number): StepResult {
    const step = this.begin(parameters, gradient, round);
    step.update(0, parameters.length);
    return step.finish();
  }

  /**
   * The same step, in slices with the event loop served between them: at d = 10⁷ one pass takes
   * tens of milliseconds, longer than gRPC calls should wait. Until it resolves, the optimizer's
   * state (what checkpoints read) is still the previous step's.
   */
  async stepInSlices(parameters: Float32Array, gradient: Float32Array, round: number): Promise<StepResult> {
    const step = this.begin(parameters, gradient, round);
    for (let start = 0; start < parameters.length; start += SLICE_COORDINATES) {
      if (start > 0) await yieldToEventLoop();
      step.update(start, Math.min(parameters.length, start + SLICE_COORDINATES));
    }
    return step.finish();
  }

  /** The momentum buffer, for checkpoints (undefined until the first step with momentum). */
  getVelocity(): Float32Array | undefined {
    return this.velocity;
  }

  setVelocity(velocity: Float32Array | undefined): void {
    this.velocity = velocity;
  }

  /** A step whose coordinates are updated range by range; v is written to a new array, adopted at finish. */
  private begin(parameters: Float32Array, gradient: Float32Array, round: number) {
    const { momentum, weightDecay } = this.config;
    const learningRate = learningRateAt(this.config, round);
    const d = parameters.length;
    const next = new Float32Array(d);
    // Without momentum there is no state to keep, and v would be a wasted d-length array.
    const previous = momentum > 0 ? (this.velocity ?? new Float32Array(d)) : undefined;
    const velocity = previous === undefined ? undefined : new Float32Array(d);
    let squaredNorm = 0;
    return {
      update: (start: number, end: number) => {
        for (let j = start; j < end; j++) {
          const theta = parameters[j]!;
          let direction = gradient[j]! + weightDecay * theta;
          if (velocity !== undefined) {
            direction += momentum * previous![j]!;
            velocity[j] = direction;
          }
          next[j] = theta - learningRate * direction;
          const moved = next[j]! - theta;
          squaredNorm += moved * moved;
        }
      },
      finish: (): StepResult => {
        if (velocity !== undefined) this.velocity = velocity;
        return { parameters: next, learningRate, updateNorm: Math.sqrt(squaredNorm) };
      },
    };
  }
}
