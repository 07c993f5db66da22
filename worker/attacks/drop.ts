import type { SeededRandom } from '../../aggregators/index.js';
import { defineGradientAttack, seedParam } from './attack.js';

/**
 * A copy of g with exactly round(fraction·d) coordinates set to 0, chosen uniformly at random
 * without replacement; every other coordinate is left as it was.
 */
export function dropCoordinates(own: Float32Array, fraction: number, random: SeededRandom): Float32Array {
  const d = own.length;
  const dropped = Math.round(fraction * d);
  // Draw whichever set is smaller (dropped or kept) by rejection: at most d/2 distinct picks.
  const pickDropped = dropped <= d / 2;
  const picks = pickDropped ? dropped : d - dropped;
  const picked = new Uint8Array(d);
  for (let count = 0; count < picks; ) {
    const j = Math.floor(random.next() * d);
    if (picked[j] === 0) {
      picked[j] = 1;
      count++;
    }
  }
  const out = new Float32Array(d);
  for (let j = 0; j < d; j++) out[j] = (picked[j] === 1) === pickDropped ? 0 : own[j]!;
  return out;
}

/** Pushes the honest gradient with a random fraction of its coordinates zeroed (lost or withheld parts of an update). */
export const dropAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'drop',
  summary: 'g with round(fraction·d) random coordinates really set to 0 (a fault model: parts of an update lost; no single source paper)',
  params: { fraction: { kind: 'number', default: 0.5, min: 0, max: 1, description: 'share of coordinates zeroed' }, seed: seedParam },
  minEstimates: () => 0,
  apply: ({ own }, { fraction }, random) => dropCoordinates(own, fraction, random),
});
