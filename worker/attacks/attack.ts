import type { ParamSchema, ResolvedParams, RuleParams, SeededRandom } from '../../aggregators/index.js';

/** An attack was given inputs it cannot use: too few honest estimates, or estimates of another length. */
export class AttackInputError extends Error {
  override readonly name = 'AttackInputError';
}

/**
 * What a Byzantine worker turns into the gradient it pushes in one round.
 *
 * Colluding attacks (alie, ipm, mimic) need honest gradients, which a Byzantine worker cannot see.
 * It computes them itself, with no channel to other workers and no help from the server: shards
 * are a deterministic function of (data set, partition seed, number of workers, scheme), and so
 * are mini-batches of (seed, worker, step), so the attacker rebuilds the shards of chosen workers
 * and computes their gradients at θ_r (see estimateHonestGradients). Colluders configured with the
 * same sources compute the same estimates and so push the same vector, as the papers assume.
 */
export interface AttackInput {
  /** This worker's honest gradient at θ_r. */
  readonly own: Float32Array;
  /** Honest gradients at θ_r estimated as above; only colluding attacks read them. */
  readonly honestEstimates: readonly Float32Array[];
  /** Round number r: random attacks draw from (seed, r), so a round's draw is the same in any process. */
  readonly round: number;
}

/** An attack on the pushed gradient. */
export interface GradientAttackDefinition<S extends ParamSchema = ParamSchema> {
  readonly kind: 'gradient';
  readonly name: string;
  /** The formula and its source paper (authors, year), one line for `--help`. */
  readonly summary: string;
  readonly params: S;
  /** Fewest honest estimates the attack needs (0 when it ignores them). */
  minEstimates(params: ResolvedParams<S>): number;
  checkParams?(params: ResolvedParams<S>): void;
  apply(input: AttackInput, params: ResolvedParams<S>, random: SeededRandom): Float32Array;
}

/** An attack on the training data: the worker trains honestly on rewritten labels (see ShardSpec.labelMap). */
export interface DataAttackDefinition<S extends ParamSchema = ParamSchema> {
  readonly kind: 'data';
  readonly name: string;
  readonly summary: string;
  readonly params: S;
  checkParams?(params: ResolvedParams<S>): void;
  /** Entry y is the label trained on in place of y. */
  labelMap(classes: number, params: ResolvedParams<S>): Uint8Array;
}

export type AttackDefinition = GradientAttackDefinition | DataAttackDefinition;

/** How to build an attack: `{ name: "alie", params: { n: 50, f: 24 } }`. */
export interface AttackSpec {
  readonly name: string;
  readonly params?: RuleParams;
}

export interface GradientAttack {
  readonly kind: 'gradient';
  readonly name: string;
  readonly params: Readonly<Record<string, number | boolean>>;
  /** Honest estimates this attack needs each round; 0 for attacks that ignore them. */
  readonly estimatesNeeded: number;
  /** The gradient to push instead of `input.own` (a new array; the input is not modified). */
  apply(input: AttackInput): Float32Array;
}

export interface DataAttack {
  readonly kind: 'data';
  readonly name: string;
  readonly params: Readonly<Record<string, number | boolean>>;
  labelMap(classes: number): Uint8Array;
}

export type Attack = GradientAttack | DataAttack;

/** Identity for definitions, keeping the parameter schema's literal type. */
export function defineGradientAttack<S extends ParamSchema>(definition: GradientAttackDefinition<S>): GradientAttackDefinition<S> {
  return definition;
}

export function defineDataAttack<S extends ParamSchema>(definition: DataAttackDefinition<S>): DataAttackDefinition<S> {
  return definition;
}

/** The `seed` parameter every random attack takes. */
export const seedParam = { kind: 'integer', default: 0, min: 0, description: 'seed of the random draws, combined with the round number' } as const;
