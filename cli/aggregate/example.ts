import { SeededRandom } from '../../aggregators/index.js';

/**
 * A small, fixed, attacked input for trying rules without data: 15 workers, d = 8. The 12 honest
 * gradients are one common direction plus Gaussian noise; the last 3 workers send a sign-flipped,
 * scaled copy of an honest-looking gradient (−8·g), the sign-flip attack (Li et al. 2019, "RSA").
 */
export interface AttackedExample {
  readonly rows: readonly Float64Array[];
  /** Indices of the Byzantine rows. */
  readonly byzantine: readonly number[];
  readonly attack: string;
  /** Σ over honest rows / their count: what a rule should get close to. */
  readonly honestMean: Float64Array;
}

const direction = [1, -0.5, 0.25, 2, -1, 0.75, 0.5, -1.5];
const honestCount = 12;
const byzantineCount = 3;
const noiseScale = 0.3;
const attackScale = -8;
const seed = 2024;

/** Builds the example; the same every time, as it draws from a fixed-seed generator. */
export function attackedExample(): AttackedExample {
  const random = SeededRandom.fromSeed(seed);
  const honestLike = (): Float64Array => Float64Array.from(direction, (x) => x + noiseScale * random.normal());
  const honest = Array.from({ length: honestCount }, honestLike);
  const byzantine = Array.from({ length: byzantineCount }, () => honestLike().map((x) => attackScale * x));
  const honestMean = new Float64Array(direction.length);
  for (const row of honest) row.forEach((x, j) => (honestMean[j]! += x / honestCount));
  return {
    rows: [...honest, ...byzantine],
    byzantine: Array.from({ length: byzantineCount }, (_, k) => honestCount + k),
    attack: `sign-flip ×${-attackScale}`,
    honestMean,
  };
}

/** cos∠(a, b), or 0 when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j]! * b[j]!;
    normA += a[j]! * a[j]!;
    normB += b[j]! * b[j]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
