import type { PartitionScheme } from './partition.js';

/**
 * The tasks a worker trains and the server evaluates. `name`, `dimension` and `initialParameters`
 * are what the server needs; the rest is the worker's side: its data shard, mini-batch gradients,
 * and evaluation on held-out data.
 */

/** A mini-batch drawn from a shard; each task extends it with what it needs to compute a loss. */
export interface Batch {
  readonly size: number;
}

/** A classification mini-batch: example indices into the training set and the labels trained on. */
export interface LabelledBatch extends Batch {
  readonly indices: Uint32Array;
  /** The labels used for the loss; a data-side attack may have rewritten them. */
  readonly labels: Uint8Array;
}

export interface LossAndGradient {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** ∂loss/∂θ, written into the caller's buffer when one was given. */
  readonly gradient: Float32Array;
}

export interface Evaluation {
  readonly loss: number;
  /** Fraction of held-out examples classified correctly, for classification tasks. */
  readonly accuracy?: number;
}

/** Which shard a worker trains on: the split is a function of these alone, so any process can rebuild any worker's shard. */
export interface ShardSpec {
  /** This worker's index, 0 ≤ worker < workers. */
  readonly worker: number;
  readonly workers: number;
  readonly partition: PartitionScheme;
  readonly seed: number;
  /**
   * Label rewrite applied to every batch (entry y is the label trained on instead of y), for
   * data-side attacks; only classification tasks accept it.
   */
  readonly labelMap?: Uint8Array;
}

/** One worker's data: batch(step, size) is the same for the same step, in any process. */
export interface Shard<B extends Batch = Batch> {
  readonly worker: number;
  batch(step: number, size: number): B;
}

export interface Task<B extends Batch = Batch> {
  readonly name: string;
  /** Number of parameters d: the length of θ and of every gradient. */
  readonly dimension: number;
  /** Number of classes for classification tasks (what a label map must cover); undefined otherwise. */
  readonly classes: number | undefined;
  /** θ₀, the same for the same configuration on every run. */
  initialParameters(): Float32Array;
  shard(spec: ShardSpec): Shard<B>;
  /** Mean loss over the batch and its gradient at θ; pass `gradient` (length d) to reuse a buffer. */
  lossAndGradient(theta: Float32Array, batch: B, gradient?: Float32Array): LossAndGradient;
  /** Loss (and accuracy, for classifiers) of θ on the held-out data. */
  evaluate(theta: Float32Array): Evaluation;
}
