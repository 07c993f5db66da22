import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../runtime/errors.js';
import { idxBytes } from '../tasks/idx-testing.js';
import { loadTask, SYNTHETIC_DEFAULT_DIMENSION, type TaskSettings } from './task.js';

const synthetic: TaskSettings = { task: 'synthetic', dimension: 4, hidden: 0, dataDir: '', seed: 42 };

/** A Fashion-MNIST directory with two 28×28 images per split, enough to build the task. */
function tinyFashionMnist(): string {
  const directory = mkdtempSync(join(tmpdir(), 'byzps-fmnist-'));
  for (const prefix of ['train', 't10k']) {
    writeFileSync(join(directory, `${prefix}-images-idx3-ubyte`), idxBytes([2, 28, 28], new Uint8Array(2 * 784).fill(9)));
    writeFileSync(join(directory, `${prefix}-labels-idx1-ubyte`), idxBytes([2], [3, 7]));
  }
  return directory;
}

describe('loadTask', () => {
  it("gives the synthetic task the workers' θ₀: values reproduced by an independent xorshift32 in Python", () => {
    const theta = loadTask(synthetic).initialParameters();
    // s·(2u − 1), s = 1/√d, for the first four draws of SeededRandom.fromSeed(deriveSeed(42, 0x7e0)), computed outside this code base.
    expect(Array.from(theta)).toEqual([0.1677355021238327, -0.2781602442264557, 0.10582692921161652, 0.4458146095275879]);
  });

  it('uses the synthetic default dimension when --dimension is 0', () => {
    expect(loadTask({ ...synthetic, dimension: 0 }).dimension).toBe(SYNTHETIC_DEFAULT_DIMENSION);
  });

  it('builds fashion-mnist with d = 795·hidden + 10 and the MLP initialisation', () => {
    const task = loadTask({ task: 'fashion-mnist', dimension: 0, hidden: 2, dataDir: tinyFashionMnist(), seed: 7 });
    expect(task.dimension).toBe(795 * 2 + 10);
    // √(6/784)·(2u − 1) for the first draws of SeededRandom.fromSeed(7), computed in Python.
    expect(Array.from(task.initialParameters().subarray(0, 3))).toEqual([0.0037347280886024237, -0.023189928382635117, 0.03274970501661301]);
  });

  it.each([
    [{ ...synthetic, task: 'imagenet' }, /task "imagenet": unknown task "imagenet"; known: synthetic, fashion-mnist/],
    [{ ...synthetic, task: 'fashion-mnist', dimension: 5, hidden: 2 }, /d=1600, not 5/],
    [{ ...synthetic, hidden: 8 }, /synthetic task does not take "hidden"/],
    [{ ...synthetic, task: 'fashion-mnist', dimension: 0, dataDir: '/nonexistent-byzps-data' }, /nonexistent-byzps-data/],
  ])('turns a setting the task refuses into a ConfigError (%#)', (settings, message) => {
    expect(() => loadTask(settings)).toThrow(ConfigError);
    expect(() => loadTask(settings)).toThrow(message);
  });
});
