import { defineGradientAttack } from './attack.js';

/** factor · g, as a new array. */
export function scaleGradient(own: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(own.length);
  for (let j = 0; j < own.length; j++) out[j] = factor * own[j]!;
  return out;
}

/** Pushes k·g: a boosted honest gradient, the update scaling of Bagdasaryan et al. (2020), which any non-robust mean follows. */
export const scaledAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'scaled',
  summary: 'k·g, the honest gradient boosted (Bagdasaryan et al., 2020)',
  params: { k: { kind: 'number', default: 100, description: 'scale factor applied to the honest gradient' } },
  minEstimates: () => 0,
  apply: ({ own }, { k }) => scaleGradient(own, k),
});

/** Pushes −k·g: the honest gradient reversed, a common baseline since Damaskinos et al. (2018). */
export const signFlipAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'sign-flip',
  summary: '−k·g, the honest gradient reversed (Damaskinos et al., 2018)',
  params: { k: { kind: 'number', default: 1, min: 0, exclusiveMin: true, description: 'magnitude of the reversed gradient, in units of the honest one' } },
  minEstimates: () => 0,
  apply: ({ own }, { k }) => scaleGradient(own, -k),
});
