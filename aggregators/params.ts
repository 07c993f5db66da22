import { InvalidParameterError } from './errors.js';
import type { RuleParams } from './types.js';

/** One parameter of a rule: its kind, default, bounds and a one-line description for `--help`. */
export interface ParamSpec {
  readonly kind: 'number' | 'integer' | 'boolean';
  readonly description: string;
  readonly default?: number | boolean;
  /** Inclusive lower bound unless `exclusiveMin` is set. */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
}

export type ParamSchema = Readonly<Record<string, ParamSpec>>;

type ValueOf<P extends ParamSpec> = P['kind'] extends 'boolean' ? boolean : number;

/** Parameters after validation: those with a default are always present. */
export type ResolvedParams<S extends ParamSchema> = {
  readonly [K in keyof S]: S[K] extends { readonly default: number | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

/**
 * Validates user-given parameters against a schema and fills in defaults. Strings (from the CLI or
 * env) are parsed; unknown names, wrong kinds and out-of-range values throw InvalidParameterError.
 */
export function resolveParams<S extends ParamSchema>(owner: string, schema: S, given: RuleParams = {}): ResolvedParams<S> {
  const known = Object.keys(schema);
  const resolved: Record<string, number | boolean | undefined> = {};
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) {
      const hint = known.length > 0 ? `known: ${known.join(', ')}` : 'it takes no parameters';
      throw new InvalidParameterError(`${owner} has no parameter "${name}"; ${hint}`);
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const raw = given[name];
    resolved[name] = raw === undefined ? spec.default : parseValue(owner, name, spec, raw);
  }
  return resolved as ResolvedParams<S>;
}

function parseValue(owner: string, name: string, spec: ParamSpec, raw: number | boolean | string): number | boolean {
  const where = `${owner} parameter ${name}`;
  if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new InvalidParameterError(`${where} must be true or false, got ${JSON.stringify(raw)}`);
  }
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidParameterError(`${where} must be a finite number, got ${JSON.stringify(raw)}`);
  }
  if (spec.kind === 'integer' && !Number.isInteger(value)) {
    throw new InvalidParameterError(`${where} must be an integer, got ${value}`);
  }
  if (spec.min !== undefined && (spec.exclusiveMin === true ? value <= spec.min : value < spec.min)) {
    throw new InvalidParameterError(`${where} must be ${spec.exclusiveMin === true ? '>' : '≥'} ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && value > spec.max) {
    throw new InvalidParameterError(`${where} must be ≤ ${spec.max}, got ${value}`);
  }
  return value;
}
