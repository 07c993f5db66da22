import { defineGradientAttack } from './attack.js';

/** Mimic (Karimireddy, He and Jaggi, 2022): every colluder pushes a copy of the same honest worker's gradient, over-weighting that worker's data. */
export const mimicAttack = defineGradientAttack({
  kind: 'gradient',
  name: 'mimic',
  summary: 'a copy of one honest worker\'s gradient (Karimireddy, He and Jaggi, 2022)',
  params: { target: { kind: 'integer', default: 0, min: 0, description: 'which honest estimate to copy' } },
  minEstimates: ({ target }) => target + 1,
  apply: ({ honestEstimates }, { target }) => honestEstimates[target]!.slice(),
});
