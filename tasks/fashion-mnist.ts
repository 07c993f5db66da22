import { ParameterError } from '../runtime/errors.js';
import { EpochSampler } from './batches.js';
import { CLASSES, type FashionMnist, loadFashionMnist, PIXELS } from './fashion-mnist-data.js';
import { initialMlpParameters, Mlp, mlpLayout, type MlpShape } from './mlp.js';
import { partitionLabelled } from './partition.js';
import { checkShardSpec } from './shard-check.js';
import type { Evaluation, LabelledBatch, LossAndGradient, Shard, ShardSpec, Task } from './task.js';

export interface FashionMnistOptions {
  readonly seed: number;
  /** Hidden units; default 64. */
  readonly hidden?: number;
  /** Directory of the IDX files; default /usr/share/datasets/fashion-mnist. Ignored when `data` is given. */
  readonly dataDir?: string;
  /** Already loaded data, to share one copy between tasks in a process. */
  readonly data?: FashionMnist;
}

/** Hidden units when none are configured. */
export const DEFAULT_HIDDEN = 64;

/** d for a given hidden width: 784·hidden + hidden + hidden·10 + 10. */
export function fashionMnistDimension(hidden: number): number {
  return mlpLayout({ inputs: PIXELS, hidden, classes: CLASSES }).dimension;
}

/** Pixels are bytes 0–255; the network sees them scaled to [0, 1]. */
const PIXEL_SCALE = 1 / 255;

/**
 * Fashion-MNIST classification (Xiao, Rasul and Vollgraf, 2017) with a 784 → hidden (ReLU) → 10
 * softmax MLP trained on cross-entropy. θ is laid out as W1, b1, W2, b2 (see mlpLayout), so
 * d = 795·hidden + 10 (50 890 for 64 hidden units). Evaluation uses the 10 000 test images.
 */
export class FashionMnistTask implements Task<LabelledBatch> {
  readonly name = 'fashion-mnist';
  readonly classes = CLASSES;
  readonly dimension: number;
  readonly shape: MlpShape;
  readonly data: FashionMnist;
  private readonly seed: number;
  private readonly mlp: Mlp;

  constructor(options: FashionMnistOptions) {
    const hidden = options.hidden ?? DEFAULT_HIDDEN;
    if (!Number.isInteger(hidden) || hidden < 1) throw new ParameterError(`fashion-mnist hidden must be a positive integer, got ${hidden}`);
    this.shape = { inputs: PIXELS, hidden, classes: CLASSES };
    this.mlp = new Mlp(this.shape);
    this.dimension = this.mlp.layout.dimension;
    this.seed = options.seed;
    this.data = options.data ?? loadFashionMnist(options.dataDir);
  }

  initialParameters(): Float32Array {
    return initialMlpParameters(this.shape, this.seed);
  }

  /** The worker's share of the 60 000 training images, split by `spec.partition`, with labels rewritten by `spec.labelMap` if given. */
  shard(spec: ShardSpec): Shard<LabelledBatch> & { readonly indices: Uint32Array } {
    checkShardSpec(spec, CLASSES);
    const trainLabels = this.data.train.labels;
    const indices = partitionLabelled(trainLabels, CLASSES, spec.workers, spec.partition, spec.seed)[spec.worker]!;
    const sampler = new EpochSampler(indices, spec.seed, spec.worker);
    const { labelMap } = spec;
    return {
      worker: spec.worker,
      indices,
      batch(step, size) {
        const batchIndices = sampler.indices(step, size);
        const labels = Uint8Array.from(batchIndices, (index) => (labelMap === undefined ? trainLabels[index]! : labelMap[trainLabels[index]!]!));
        return { size, indices: batchIndices, labels };
      },
    };
  }

  lossAndGradient(theta: Float32Array, batch: LabelledBatch, gradient = new Float32Array(this.dimension)): LossAndGradient {
    const loss = this.mlp.lossAndGradient(theta, this.data.train.images, PIXEL_SCALE, batch.indices, batch.labels, gradient);
    return { loss, gradient };
  }

  evaluate(theta: Float32Array): Evaluation {
    return this.mlp.evaluate(theta, this.data.test.images, PIXEL_SCALE, this.data.test.labels);
  }
}
