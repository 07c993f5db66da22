import { InvalidParameterError, ShapeError } from '../errors.js';
import type { RuleState } from '../types.js';
import type { ShardSlice } from './shard.js';

/** A sharded aggregator's state in its pieces: the coordinator's (pre-aggregators', "preN.…") and each shard's slice of the rule's ("rule.…"). */
export interface ShardedState {
  readonly coordinator: RuleState | undefined;
  readonly shards: readonly (RuleState | undefined)[];
}

/**
 * Cuts the state of a whole aggregator (createAggregator's getState) into the coordinator's entries
 * and each shard's slice of the rule's vectors, so that a cluster can start from a single process's
 * checkpoint, or from one with another number of shards once joined.
 */
export function splitState(state: RuleState | undefined, slices: readonly ShardSlice[]): ShardedState {
  const coordinator: Record<string, RuleState[string]> = {};
  const shards: Record<string, RuleState[string]>[] = slices.map(() => ({}));
  for (const [key, value] of Object.entries(state ?? {})) {
    if (key.startsWith('pre')) {
      coordinator[key] = value;
    } else if (key.startsWith('rule.') && typeof value !== 'number') {
      const d = slices[slices.length - 1]?.end;
      if (value.length !== d) throw new ShapeError(`state entry "${key}" has length ${value.length}, but the shards cover ${d} coordinates`);
      slices.forEach((slice, s) => (shards[s]![key] = value.slice(slice.start, slice.end)));
    } else {
      throw new InvalidParameterError(`state entry "${key}" is neither a pre-aggregator's nor a vector of the rule's`);
    }
  }
  return { coordinator: orUndefined(coordinator), shards: shards.map(orUndefined) };
}

/** The inverse of splitState: the shards' slices put end to end (in shard order) with the coordinator's entries. */
export function joinState(pieces: ShardedState): RuleState | undefined {
  const joined: Record<string, RuleState[string]> = { ...pieces.coordinator };
  const keys = new Set(pieces.shards.flatMap((shard) => Object.keys(shard ?? {})));
  for (const key of keys) {
    const parts = pieces.shards.map((shard, s) => {
      const part = shard?.[key];
      if (part === undefined || typeof part === 'number') throw new InvalidParameterError(`shard ${s} holds no slice of state entry "${key}"`);
      return part;
    });
    const whole = new (parts[0]!.constructor as new (length: number) => Float32Array | Float64Array)(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    joined[key] = whole;
  }
  return orUndefined(joined);
}

function orUndefined(state: Record<string, RuleState[string]>): RuleState | undefined {
  return Object.keys(state).length > 0 ? state : undefined;
}
