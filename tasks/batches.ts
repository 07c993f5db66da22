import { SeededRandom } from '../aggregators/index.js';
import { deriveSeed } from './seeds.js';

/**
 * Mini-batches from a finite shard, by epochs: every epoch visits the shard in a fresh seeded order,
 * and batch s holds positions s·size … (s+1)·size−1 of the concatenated epochs. A batch depends only
 * on (seed, worker, step, size), so a restarted worker or a colluding one can redraw it.
 */
export class EpochSampler {
  private cachedEpoch = -1;
  private cachedOrder: readonly number[] = [];

  constructor(
    private readonly shard: Uint32Array,
    private readonly seed: number,
    private readonly worker: number,
  ) {}

  /** The training-set indices of batch `step`. */
  indices(step: number, size: number): Uint32Array {
    const out = new Uint32Array(size);
    const m = this.shard.length;
    for (let k = 0; k < size; k++) {
      const position = step * size + k;
      const order = this.epochOrder(Math.floor(position / m));
      out[k] = this.shard[order[position % m]!]!;
    }
    return out;
  }

  private epochOrder(epoch: number): readonly number[] {
    if (epoch !== this.cachedEpoch) {
      this.cachedOrder = SeededRandom.fromSeed(deriveSeed(this.seed, this.worker, epoch)).permutation(this.shard.length);
      this.cachedEpoch = epoch;
    }
    return this.cachedOrder;
  }
}
