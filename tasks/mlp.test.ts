import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../aggregators/index.js';
import { initialMlpParameters, Mlp, mlpLayout, type MlpShape } from './mlp.js';

const shape: MlpShape = { inputs: 6, hidden: 5, classes: 4 };

/** The documented network written out directly in float64: W1[i·hidden + h], then b1, W2[h·classes + c], then b2. */
function referenceLogits(theta: ArrayLike<number>, x: ArrayLike<number>): number[] {
  const { inputs, hidden, classes } = shape;
  const hiddenOut = Array.from({ length: hidden }, (_, h) => {
    let z = theta[inputs * hidden + h]!;
    for (let i = 0; i < inputs; i++) z += theta[i * hidden + h]! * x[i]!;
    return Math.max(0, z);
  });
  const w2 = inputs * hidden + hidden;
  return Array.from({ length: classes }, (_, c) => {
    let logit = theta[w2 + hidden * classes + c]!;
    for (let h = 0; h < hidden; h++) logit += theta[w2 + h * classes + c]! * hiddenOut[h]!;
    return logit;
  });
}

function referenceLoss(theta: ArrayLike<number>, features: Float64Array, indices: readonly number[], labels: readonly number[]): number {
  let total = 0;
  indices.forEach((example, b) => {
    const logits = referenceLogits(theta, features.subarray(example * shape.inputs, (example + 1) * shape.inputs));
    const logSumExp = Math.log(logits.reduce((sum, l) => sum + Math.exp(l), 0));
    total += logSumExp - logits[labels[b]!]!;
  });
  return total / indices.length;
}

function fixture(seed: number) {
  const random = SeededRandom.fromSeed(seed);
  const features = Float64Array.from({ length: 8 * shape.inputs }, () => random.next());
  const theta = initialMlpParameters(shape, seed);
  // Non-zero biases, so the bias gradients are exercised away from the initial state.
  const layout = mlpLayout(shape);
  for (let k = layout.b1; k < layout.w2; k++) theta[k] = 0.3 * (random.next() - 0.5);
  for (let k = layout.b2; k < layout.dimension; k++) theta[k] = random.next() - 0.5;
  return { features, theta };
}

describe('mlp', () => {
  it('lays θ out as W1, b1, W2, b2 with d = hidden·(inputs + 1) + classes·(hidden + 1)', () => {
    expect(mlpLayout(shape)).toEqual({ w1: 0, b1: 30, w2: 35, b2: 55, dimension: 59 });
    expect(mlpLayout({ inputs: 784, hidden: 64, classes: 10 }).dimension).toBe(50_890);
  });

  it('computes the loss of the written-out float64 network and a gradient matching its central differences', () => {
    const { features, theta } = fixture(1);
    const indices = [0, 3, 5, 3, 7];
    const labels = [2, 0, 3, 1, 2];
    const mlp = new Mlp(shape);
    const gradient = new Float32Array(mlpLayout(shape).dimension);
    const loss = mlp.lossAndGradient(theta, features, 1, Uint32Array.from(indices), Uint8Array.from(labels), gradient);
    const point = Float64Array.from(theta);
    expect(loss).toBeCloseTo(referenceLoss(point, features, indices, labels), 12);
    const h = 1e-6;
    for (let k = 0; k < point.length; k++) {
      const plus = point.slice();
      const minus = point.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const difference = (referenceLoss(plus, features, indices, labels) - referenceLoss(minus, features, indices, labels)) / (2 * h);
      expect(Math.abs(gradient[k]! - difference)).toBeLessThan(1e-6 * (1 + Math.abs(difference)));
    }
  });

  it('applies the input scale as if the features had been multiplied by it', () => {
    const { features, theta } = fixture(2);
    const bytes = Uint8Array.from(features, (value) => Math.round(value * 255));
    const scaled = Float64Array.from(bytes, (value) => value / 255);
    const mlp = new Mlp(shape);
    const indices = Uint32Array.from([1, 2, 6]);
    const labels = Uint8Array.from([3, 3, 0]);
    const fromBytes = new Float32Array(theta.length);
    const fromScaled = new Float32Array(theta.length);
    const lossBytes = mlp.lossAndGradient(theta, bytes, 1 / 255, indices, labels, fromBytes);
    const lossScaled = mlp.lossAndGradient(theta, scaled, 1, indices, labels, fromScaled);
    expect(lossBytes).toBeCloseTo(lossScaled, 12);
    fromBytes.forEach((value, k) => { expect(value).toBeCloseTo(fromScaled[k]!, 6); });
  });

  it('evaluates mean loss and the accuracy of the arg-max class', () => {
    const { features, theta } = fixture(3);
    const labels = Uint8Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
    const point = Float64Array.from(theta);
    let correct = 0;
    labels.forEach((label, e) => {
      const logits = referenceLogits(point, features.subarray(e * shape.inputs, (e + 1) * shape.inputs));
      if (logits.indexOf(Math.max(...logits)) === label) correct++;
    });
    const result = new Mlp(shape).evaluate(theta, features, 1, labels);
    expect(result.accuracy).toBe(correct / labels.length);
    expect(result.loss).toBeCloseTo(referenceLoss(point, features, [0, 1, 2, 3, 4, 5, 6, 7], Array.from(labels)), 12);
  });

  it('stays finite for logits far beyond exp overflow', () => {
    const theta = new Float32Array(mlpLayout(shape).dimension);
    const { b2 } = mlpLayout(shape);
    theta[b2] = 1000;
    theta[b2 + 1] = -1000;
    const gradient = new Float32Array(theta.length);
    const loss = new Mlp(shape).lossAndGradient(theta, new Float64Array(shape.inputs), 1, Uint32Array.of(0), Uint8Array.of(1), gradient);
    expect(loss).toBeCloseTo(2000, 9);
    expect(gradient[b2]).toBeCloseTo(1, 9);
    expect(gradient[b2 + 1]).toBeCloseTo(-1, 9);
  });
});
