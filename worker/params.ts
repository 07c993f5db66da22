import { InvalidParameterError, type ParamSchema, type ResolvedParams, resolveParams, type RuleParams } from '../aggregators/index.js';
import { ParameterError } from '../runtime/errors.js';

/**
 * Resolves an attack's or fault's parameters with the schema mechanism the rules use; a bad value
 * is the worker's ParameterError, not the aggregation library's error.
 */
export function resolveWorkerParams<S extends ParamSchema>(owner: string, schema: S, given: RuleParams = {}): ResolvedParams<S> {
  try {
    return resolveParams(owner, schema, given);
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new ParameterError(error.message);
    throw error;
  }
}
