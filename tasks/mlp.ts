import { SeededRandom } from '../aggregators/index.js';

/** Sizes of a one-hidden-layer perceptron: inputs → hidden (ReLU) → classes (softmax). */
export interface MlpShape {
  readonly inputs: number;
  readonly hidden: number;
  readonly classes: number;
}

/** Input features of `count` examples, `inputs` values each, row-major; multiplied by a scale on use (1/255 for pixel bytes). */
export type Features = Uint8Array | Float32Array | Float64Array;

/**
 * Where each parameter block starts in the flat θ, in the y = xW + b convention: W1 (inputs × hidden,
 * row-major: W1[i·hidden + h] connects input i to hidden unit h), b1 (hidden), W2 (hidden × classes,
 * row-major: W2[h·classes + c]), b2 (classes). Input-major rows let a zero pixel skip a whole
 * contiguous row in both passes.
 */
export interface MlpLayout {
  readonly w1: number;
  readonly b1: number;
  readonly w2: number;
  readonly b2: number;
  readonly dimension: number;
}

export function mlpLayout({ inputs, hidden, classes }: MlpShape): MlpLayout {
  const b1 = inputs * hidden;
  const w2 = b1 + hidden;
  const b2 = w2 + hidden * classes;
  return { w1: 0, b1, w2, b2, dimension: b2 + classes };
}

/**
 * θ₀: W1 uniform in ±√(6/inputs) (He et al., 2015, for the ReLU layer), W2 uniform in
 * ±√(6/(hidden + classes)) (Glorot and Bengio, 2010), biases 0.
 */
export function initialMlpParameters(shape: MlpShape, seed: number): Float32Array {
  const layout = mlpLayout(shape);
  const theta = new Float32Array(layout.dimension);
  const random = SeededRandom.fromSeed(seed);
  const fill = (start: number, end: number, limit: number) => {
    for (let k = start; k < end; k++) theta[k] = limit * (2 * random.next() - 1);
  };
  fill(layout.w1, layout.b1, Math.sqrt(6 / shape.inputs));
  fill(layout.w2, layout.b2, Math.sqrt(6 / (shape.hidden + shape.classes)));
  return theta;
}

/**
 * The MLP's forward and backward passes over one example at a time, in plain typed-array loops.
 * It owns its scratch vectors, so a training step allocates nothing.
 */
export class Mlp {
  readonly layout: MlpLayout;
  private readonly preActivation: Float64Array;
  private readonly probabilities: Float64Array;
  private readonly hiddenError: Float64Array;

  constructor(readonly shape: MlpShape) {
    this.layout = mlpLayout(shape);
    this.preActivation = new Float64Array(shape.hidden);
    this.probabilities = new Float64Array(shape.classes);
    this.hiddenError = new Float64Array(shape.hidden);
  }

  /**
   * Mean softmax cross-entropy over the examples `indices` with the given labels, and its gradient
   * written into `gradient` (overwritten, length d).
   */
  lossAndGradient(theta: Float32Array, features: Features, scale: number, indices: Uint32Array, labels: Uint8Array, gradient: Float32Array): number {
    const { inputs, hidden, classes } = this.shape;
    const { b1, w2, b2 } = this.layout;
    gradient.fill(0);
    const perExample = 1 / indices.length;
    const z = this.preActivation;
    const p = this.probabilities;
    const hiddenError = this.hiddenError;
    let loss = 0;
    for (let b = 0; b < indices.length; b++) {
      const offset = indices[b]! * inputs;
      const label = labels[b]!;
      loss += this.forward(theta, features, offset, scale, label);
      // ∂(cross-entropy)/∂logit_c = p_c − [c = label], averaged over the batch; kept in p.
      for (let c = 0; c < classes; c++) {
        p[c] = (p[c]! - (c === label ? 1 : 0)) * perExample;
        gradient[b2 + c]! += p[c]!;
      }
      for (let h = 0; h < hidden; h++) {
        // ReLU passes the error only where the unit was active.
        if (z[h]! <= 0) {
          hiddenError[h] = 0;
          continue;
        }
        const row = w2 + h * classes;
        let error = 0;
        for (let c = 0; c < classes; c++) {
          gradient[row + c]! += z[h]! * p[c]!;
          error += theta[row + c]! * p[c]!;
        }
        hiddenError[h] = error;
        gradient[b1 + h]! += error;
      }
      for (let i = 0; i < inputs; i++) {
        const x = features[offset + i]!;
        if (x === 0) continue;
        const value = x * scale;
        const row = i * hidden;
        for (let h = 0; h < hidden; h++) gradient[row + h]! += value * hiddenError[h]!;
      }
    }
    return loss * perExample;
  }

  /** Mean cross-entropy and accuracy over the first labels.length examples of `features`. */
  evaluate(theta: Float32Array, features: Features, scale: number, labels: Uint8Array): { loss: number; accuracy: number } {
    let loss = 0;
    let correct = 0;
    for (let e = 0; e < labels.length; e++) {
      loss += this.forward(theta, features, e * this.shape.inputs, scale, labels[e]!);
      const p = this.probabilities;
      let predicted = 0;
      for (let c = 1; c < p.length; c++) if (p[c]! > p[predicted]!) predicted = c;
      if (predicted === labels[e]) correct++;
    }
    return { loss: loss / labels.length, accuracy: correct / labels.length };
  }

  /** Runs one example through the network, leaving pre-activations and class probabilities in scratch; returns its cross-entropy. */
  private forward(theta: Float32Array, features: Features, offset: number, scale: number, label: number): number {
    const { inputs, hidden, classes } = this.shape;
    const { b1, w2, b2 } = this.layout;
    const z = this.preActivation;
    for (let h = 0; h < hidden; h++) z[h] = theta[b1 + h]!;
    for (let i = 0; i < inputs; i++) {
      const x = features[offset + i]!;
      if (x === 0) continue;
      const value = x * scale;
      const row = i * hidden;
      for (let h = 0; h < hidden; h++) z[h]! += value * theta[row + h]!;
    }
    const logits = this.probabilities;
    for (let c = 0; c < classes; c++) logits[c] = theta[b2 + c]!;
    for (let h = 0; h < hidden; h++) {
      const activation = z[h]!;
      if (activation <= 0) continue;
      const row = w2 + h * classes;
      for (let c = 0; c < classes; c++) logits[c]! += activation * theta[row + c]!;
    }
    // Log-sum-exp shifted by the largest logit, so no exp overflows.
    let largest = -Infinity;
    for (let c = 0; c < classes; c++) largest = Math.max(largest, logits[c]!);
    let total = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(logits[c]! - largest);
    const logPartition = largest + Math.log(total);
    const labelLogit = logits[label]!;
    for (let c = 0; c < classes; c++) logits[c] = Math.exp(logits[c]! - logPartition);
    return logPartition - labelLogit;
  }
}
