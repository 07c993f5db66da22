import { createAggregator } from '../../aggregators/index.js';
import { ParameterError } from '../../runtime/errors.js';
import { parseSpecs, type Spec } from '../../runtime/spec.js';
import { createAttack, listAttacks } from '../../worker/attacks/registry.js';
import { UsageError } from '../failure.js';
import type { CellSettings, TrainingSettings } from './cell.js';

/** A rule or an attack as named on the command line, with its parameters. */
export type Choice = Spec;

/** The axes of the grid and the settings every cell shares. */
export interface GridSpec extends TrainingSettings {
  readonly rules: readonly Choice[];
  readonly attacks: readonly Choice[];
  readonly fs: readonly number[];
  readonly seeds: readonly number[];
}

/** The attack name that leaves every worker honest. */
export const NO_ATTACK = 'none';

/** Parses `name,name:key=value,key=value,…` (runtime/spec.ts); the list must name at least one. */
export function parseChoices(text: string): Choice[] {
  const choices = parseSpecs(text, 'the list');
  if (choices.length === 0) throw new ParameterError('the list names nothing');
  return choices;
}

/** Parses a comma-separated list of integers at least `min`. */
export function parseIntegers(text: string, min: number): number[] {
  return text.split(',').map((entry) => {
    const value = Number(entry.trim());
    if (entry.trim() === '' || !Number.isInteger(value) || value < min) throw new ParameterError(`expected integers ≥ ${min} separated by commas, got ${JSON.stringify(text)}`);
    return value;
  });
}

/** Every cell of the grid: rules × attacks × f × seeds, in that nesting order. */
export function expandGrid(spec: GridSpec): CellSettings[] {
  const { task, n, rounds, evalEveryRounds, learningRate, momentum, batchSize, width } = spec;
  const pre = spec.pre === undefined || spec.pre.length === 0 ? {} : { pre: spec.pre };
  return spec.rules.flatMap((rule) =>
    spec.attacks.flatMap((attack) =>
      spec.fs.flatMap((f) =>
        spec.seeds.map((seed) => ({ task, rule: rule.name, ruleParams: rule.params, attack: attack.name, attackParams: attack.params, f, seed, n, rounds, evalEveryRounds, learningRate, momentum, batchSize, width, ...pre })),
      ),
    ),
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Checks every cell before any runs: each rule builds with its parameters and f and accepts n
 * inputs (e.g. Bulyan needs n ≥ 4f + 3), each attack builds, and f leaves at least one honest
 * worker. The first problem is one UsageError line naming the cell's rule, attack or f.
 */
export function checkGrid(spec: GridSpec): void {
  if (spec.rounds < spec.evalEveryRounds) throw new UsageError(`--rounds (${spec.rounds}) must be at least --eval-every-rounds (${spec.evalEveryRounds})`);
  const tooMany = spec.fs.find((f) => f >= spec.n);
  if (tooMany !== undefined) throw new UsageError(`--f ${tooMany} leaves no honest worker among --n ${spec.n}`);
  for (const attack of spec.attacks) {
    if (attack.name === NO_ATTACK) {
      if (Object.keys(attack.params).length > 0) throw new UsageError(`--attacks: ${NO_ATTACK} takes no parameters`);
      continue;
    }
    for (const f of spec.fs) {
      try {
        createAttack({ name: attack.name, params: attackerParams(attack, { n: spec.n, f, attacker: 0 }) });
      } catch (error) {
        throw new UsageError(`--attacks: ${message(error)}`);
      }
    }
  }
  for (const f of spec.fs) {
    for (const rule of spec.rules) {
      let minInputs: number;
      try {
        minInputs = createAggregator({ name: rule.name, f, params: rule.params, pre: spec.pre }).minInputs();
      } catch (error) {
        throw new UsageError(`--rules: ${rule.name} with f=${f}: ${message(error)}`);
      }
      if (spec.n < minInputs) throw new UsageError(`--rules: ${rule.name} with f=${f} needs n ≥ ${minInputs}, but --n is ${spec.n}`);
    }
  }
}

/**
 * An attacker's full parameters: those given, plus the ones the grid knows for it — n and f for
 * attacks that take them (ALIE's z), and for random attacks a seed of its own per attacker, so
 * their noise is independent.
 */
export function attackerParams(attack: Choice, context: { readonly n: number; readonly f: number; readonly attacker: number }): Record<string, string> {
  const schema = listAttacks().find((definition) => definition.name === attack.name)?.params ?? {};
  const known: Record<string, string> = { n: String(context.n), f: String(context.f), seed: String(context.attacker + 1) };
  const implied = Object.fromEntries(Object.entries(known).filter(([key]) => key in schema));
  return { ...implied, ...attack.params };
}
