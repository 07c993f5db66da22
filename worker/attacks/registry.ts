import { type ParamSchema, type ResolvedParams, SeededRandom } from '../../aggregators/index.js';
import { UnknownNameError } from '../../runtime/errors.js';
import { deriveSeed } from '../../tasks/seeds.js';
import { resolveWorkerParams } from '../params.js';
import { alieAttack } from './alie.js';
import { type Attack, type AttackDefinition, type AttackInput, AttackInputError, type AttackSpec, type GradientAttackDefinition } from './attack.js';
import { infAttack, nanAttack, zeroAttack } from './constant.js';
import { dropAttack } from './drop.js';
import { ipmAttack } from './ipm.js';
import { labelFlipAttack } from './label-flip.js';
import { mimicAttack } from './mimic.js';
import { gaussianAttack, uniformAttack } from './noise.js';
import { scaledAttack, signFlipAttack } from './scaling.js';

/** Every attack byzps knows, registered explicitly. */
const attacks: readonly AttackDefinition[] = [
  signFlipAttack,
  gaussianAttack,
  uniformAttack,
  alieAttack,
  ipmAttack,
  labelFlipAttack,
  mimicAttack,
  zeroAttack,
  dropAttack,
  nanAttack,
  infAttack,
  scaledAttack,
];

export function listAttacks(): readonly AttackDefinition[] {
  return attacks;
}

/**
 * Builds an attack from `{ name, params }`: unknown names and parameters and out-of-range values
 * throw here, before any round; inputs (estimate count and lengths) are checked on every call.
 */
export function createAttack(spec: AttackSpec): Attack {
  const definition = attacks.find((candidate) => candidate.name === spec.name);
  if (definition === undefined) throw new UnknownNameError('attack', spec.name, attacks.map((attack) => attack.name));
  const params = resolveWorkerParams(definition.name, definition.params, spec.params);
  definition.checkParams?.(params);
  const shown = Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as Record<string, number | boolean>;
  if (definition.kind === 'data') {
    return { kind: 'data', name: definition.name, params: shown, labelMap: (classes) => definition.labelMap(classes, params) };
  }
  return buildGradientAttack(definition, params, shown);
}

function buildGradientAttack(definition: GradientAttackDefinition, params: ResolvedParams<ParamSchema>, shown: Record<string, number | boolean>): Attack {
  const estimatesNeeded = definition.minEstimates(params);
  const seed = typeof shown.seed === 'number' ? shown.seed : 0;
  return {
    kind: 'gradient',
    name: definition.name,
    params: shown,
    estimatesNeeded,
    apply(input: AttackInput) {
      checkInput(definition.name, input, estimatesNeeded);
      return definition.apply(input, params, SeededRandom.fromSeed(deriveSeed(seed, input.round)));
    },
  };
}

function checkInput(name: string, input: AttackInput, estimatesNeeded: number): void {
  if (input.honestEstimates.length < estimatesNeeded) {
    throw new AttackInputError(`${name} needs at least ${estimatesNeeded} honest gradient estimates, got ${input.honestEstimates.length}`);
  }
  input.honestEstimates.forEach((estimate, i) => {
    if (estimate.length !== input.own.length) throw new AttackInputError(`honest estimate ${i} has length ${estimate.length}, expected ${input.own.length} like the worker's own gradient`);
  });
}
