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
  /** θ_{r+1}, in the buffer the caller gave (or a new array): θ_r stays intact for pulls still streaming it. */
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

/** The coefficients of one step. */
interface StepCoefficients {
  readonly learningRate: number;
  readonly momentum: number;
  readonly weightDecay: number;
}

/**
 * next = θ − η(g + λθ) over [start, end); returns Σ (next − θ)². Module-level functions with fixed
 * argument types stay optimised from one round to the next, where a closure per step would not.
 */
function plainRange(parameters: Float32Array, gradient: Float32Array, next: Float32Array, start: number, end: number, c: StepCoefficients): number {
  const { learningRate, weightDecay } = c;
  let squaredNorm = 0;
  for (let j = start; j < end; j++) {
    const theta = parameters[j]!;
    next[j] = theta - learningRate * (gradient[j]! + weightDecay * theta);
    const moved = next[j]! - theta;
    squaredNorm += moved * moved;
  }
  return squaredNorm;
}

/** v = μ·v_prev + g + λθ, next = θ − η·v over [start, end); returns Σ (next − θ)². */
function momentumRange(parameters: Float32Array, gradient: Float32Array, previous: Float32Array, velocity: Float32Array, next: Float32Array, start: number, end: number, c: StepCoefficients): number {
  const { learningRate, momentum, weightDecay } = c;
  let squaredNorm = 0;
  for (let j = start; j < end; j++) {
    const theta = parameters[j]!;
    const direction = gradient[j]! + weightDecay * theta + momentum * previous[j]!;
    velocity[j] = direction;
    next[j] = theta - learningRate * direction;
    const moved = next[j]! - theta;
    squaredNorm += moved * moved;
  }
  return squaredNorm;
}

/**
 * SGD with heavy-ball momentum, in the convention of Sutskever et al. (2013) as most frameworks
 * implement it: v ← μ·v + (g + λ·θ), θ ← θ − η_r·v. The aggregation rule's output is g.
 */
export class SgdOptimizer {
  private velocity: Float32Array | undefined;
  /** The velocity before the last step, overwritten by the next one: a fresh d-length array each step would cost its page faults every round. */
  private spareVelocity: Float32Array | undefined;

  constructor(readonly config: OptimizerConfig) {}

  /** One step; θ_{r+1} goes to `into` when given (it must not be `parameters`). */
  step(parameters: Float32Array, gradient: Float32Array, round: number, into?: Float32Array): StepResult {
    const step = this.begin(parameters, gradient, round, into);
    // The same slices as stepInSlices, so the norm is summed in the same order.
    for (let start = 0; start < parameters.length; start += SLICE_COORDINATES) step.update(start, Math.min(parameters.length, start + SLICE_COORDINATES));
    return step.finish();
  }

  /**
   * The same step, in slices with the event loop served between them: at d = 10⁷ one pass takes
   * tens of milliseconds, longer than gRPC calls should wait. Until it resolves, the optimizer's
   * state (what checkpoints read) is still the previous step's.
   */
  async stepInSlices(parameters: Float32Array, gradient: Float32Array, round: number, into?: Float32Array): Promise<StepResult> {
    const step = this.begin(parameters, gradient, round, into);
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
    this.spareVelocity = undefined;
  }

  /** A step whose coordinates are updated range by range; v is written to the spare buffer, adopted at finish. */
  private begin(parameters: Float32Array, gradient: Float32Array, round: number, into: Float32Array | undefined) {
    const d = parameters.length;
    if (into !== undefined && (into.length !== d || into === parameters)) throw new RangeError('the step needs a separate output buffer of length d');
    const coefficients: StepCoefficients = { ...this.config, learningRate: learningRateAt(this.config, round) };
    const next = into ?? new Float32Array(d);
    // Without momentum there is no state to keep, and v would be a wasted d-length array.
    const previous = coefficients.momentum > 0 ? (this.velocity ?? new Float32Array(d)) : undefined;
    const velocity = previous === undefined ? undefined : this.spareVelocity?.length === d ? this.spareVelocity : new Float32Array(d);
    let squaredNorm = 0;
    return {
      update: (start: number, end: number) => {
        squaredNorm += velocity === undefined ? plainRange(parameters, gradient, next, start, end, coefficients) : momentumRange(parameters, gradient, previous!, velocity, next, start, end, coefficients);
      },
      finish: (): StepResult => {
        if (velocity !== undefined) {
          this.spareVelocity = previous;
          this.velocity = velocity;
        }
        return { parameters: next, learningRate: coefficients.learningRate, updateNorm: Math.sqrt(squaredNorm) };
      },
    };
  }
}
