import { describe, expect, it } from 'vitest';
import { ParameterError } from '../runtime/errors.js';
import { iid } from './partition.js';
import { SyntheticTask } from './synthetic.js';

const spec = (worker: number) => ({ worker, workers: 4, partition: iid, seed: 5 });

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j]! - b[j]!) ** 2;
  return Math.sqrt(sum);
}

describe('synthetic task', () => {
  it('has a gradient that matches central finite differences of its batch loss', () => {
    const task = new SyntheticTask({ dimension: 7, seed: 1, noise: 0.5 });
    // Dyadic θ and step keep θ ± h exact in float32, so the differences see the float64 loss only.
    const theta = Float32Array.from([3, -5, 1, 0, 7, -2, 4], (k) => k / 1024);
    const batch = task.shard(spec(0)).batch(3, 8);
    const { gradient } = task.lossAndGradient(theta, batch);
    const h = 1 / 16;
    for (let j = 0; j < theta.length; j++) {
      const plus = theta.slice();
      const minus = theta.slice();
      plus[j]! += h;
      minus[j]! -= h;
      const difference = (task.lossAndGradient(plus, batch).loss - task.lossAndGradient(minus, batch).loss) / (2 * h);
      expect(gradient[j]).toBeCloseTo(difference, 6);
    }
  });

  it('gives unbiased gradients h⊙(θ − θ*) whose noise has the documented variance τ²/(dB)', () => {
    const d = 1000;
    const batchSize = 4;
    const noise = 2;
    const task = new SyntheticTask({ dimension: d, seed: 2, noise });
    const theta = task.initialParameters();
    const optimum = task.optimum();
    const shard = task.shard(spec(1));
    const draws = 400;
    const sum = new Float64Array(d);
    let squaredNoise = 0;
    const gradient = new Float32Array(d);
    for (let step = 0; step < draws; step++) {
      task.lossAndGradient(theta, shard.batch(step, batchSize), gradient);
      for (let j = 0; j < d; j++) {
        const h = 0.1 + (0.9 * j) / (d - 1);
        const deviation = gradient[j]! / h - (theta[j]! - optimum[j]!);
        sum[j]! += deviation;
        squaredNoise += deviation * deviation;
      }
    }
    // Σ_j Var(ε̄_j) = d · τ²/(dB) = τ²/B; 400 × 1000 draws estimate it to well under 2 %.
    expect(squaredNoise / draws).toBeGreaterThan(0.98 * (noise * noise) / batchSize);
    expect(squaredNoise / draws).toBeLessThan(1.02 * (noise * noise) / batchSize);
    const perCoordinateStd = noise / Math.sqrt(d * batchSize * draws);
    expect(Math.max(...Array.from(sum, (s) => Math.abs(s / draws)))).toBeLessThan(5 * perCoordinateStd);
  });

  it('evaluates the population loss, which equals its floor ½τ²·mean(h) at θ*', () => {
    const task = new SyntheticTask({ dimension: 101, seed: 3, noise: 1.5 });
    const floor = 0.5 * 1.5 ** 2 * 0.55; // the mean of 0.1 … 1 evenly spaced is 0.55
    expect(task.lossFloor()).toBeCloseTo(floor, 12);
    expect(task.evaluate(task.optimum()).loss).toBeCloseTo(floor, 12);
    const theta = task.initialParameters();
    let excess = 0;
    theta.forEach((value, j) => (excess += 0.5 * (0.1 + (0.9 * j) / 100) * (value - task.optimum()[j]!) ** 2));
    expect(task.evaluate(theta).loss).toBeCloseTo(floor + excess, 10);
  });

  it('converges to θ* under plain SGD, with the loss near its floor', () => {
    const task = new SyntheticTask({ dimension: 10_000, seed: 4 });
    const theta = task.initialParameters();
    const optimum = task.optimum();
    const start = distance(theta, optimum);
    const startExcess = task.evaluate(theta).loss - task.lossFloor();
    const shard = task.shard(spec(2));
    const gradient = new Float32Array(task.dimension);
    for (let step = 0; step < 300; step++) {
      task.lossAndGradient(theta, shard.batch(step, 32), gradient);
      for (let j = 0; j < theta.length; j++) theta[j]! -= 0.5 * gradient[j]!;
    }
    expect(distance(theta, optimum)).toBeLessThan(0.1 * start);
    expect(task.evaluate(theta).loss - task.lossFloor()).toBeLessThan(0.01 * startExcess);
  });

  it('is deterministic by seed, worker and step, and differs across them', () => {
    const a = new SyntheticTask({ dimension: 50, seed: 9 });
    const b = new SyntheticTask({ dimension: 50, seed: 9 });
    expect(a.initialParameters()).toEqual(b.initialParameters());
    expect(new SyntheticTask({ dimension: 50, seed: 10 }).initialParameters()).not.toEqual(a.initialParameters());
    const theta = a.initialParameters();
    const gradient = (task: SyntheticTask, worker: number, step: number) => task.lossAndGradient(theta, task.shard(spec(worker)).batch(step, 8)).gradient;
    expect(gradient(a, 1, 2)).toEqual(gradient(b, 1, 2));
    expect(gradient(a, 1, 2)).not.toEqual(gradient(a, 2, 2));
    expect(gradient(a, 1, 2)).not.toEqual(gradient(a, 1, 3));
  });

  it('runs a step at d = 10⁷ into a reused buffer', () => {
    const task = new SyntheticTask({ dimension: 10_000_000, seed: 6 });
    const buffer = new Float32Array(task.dimension);
    const { gradient, loss } = task.lossAndGradient(task.initialParameters(), task.shard(spec(0)).batch(0, 32), buffer);
    expect(gradient).toBe(buffer);
    expect(Number.isFinite(loss)).toBe(true);
    expect(gradient.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad dimensions, negative noise, label skew, label maps and bad worker indices with clear errors', () => {
    expect(() => new SyntheticTask({ dimension: 0, seed: 1 })).toThrow(/dimension must be an integer in 1\.\./);
    expect(() => new SyntheticTask({ dimension: 2.5, seed: 1 })).toThrow(ParameterError);
    expect(() => new SyntheticTask({ dimension: 10, seed: 1, noise: -1 })).toThrow(/noise must be a finite number ≥ 0/);
    const task = new SyntheticTask({ dimension: 10, seed: 1 });
    expect(() => task.shard({ ...spec(0), partition: { kind: 'dirichlet', alpha: 0.5 } })).toThrow(/use the iid partition/);
    expect(() => task.shard({ ...spec(0), labelMap: new Uint8Array(10) })).toThrow(/label attacks need a classification task/);
    expect(() => task.shard({ ...spec(0), worker: 4 })).toThrow(/worker index must be an integer in 0\.\.3, got 4/);
  });
});
