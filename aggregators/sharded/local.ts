import { InvalidParameterError } from '../errors.js';
import type { Diagnostics, Gradient } from '../types.js';
import type { CoordinatorRound } from './coordinator.js';
import type { ShardRound } from './shard.js';

/**
 * Drives one round to its end with every shard in this process: each request goes to every shard,
 * their replies back to the coordinator. What a networked coordinator does, minus the network; the
 * reference for tests and for a single-process cluster.
 */
export function runRoundLocally<G extends Gradient>(round: CoordinatorRound, shardRounds: readonly ShardRound<G>[]): { outputs: G[]; diagnostics: Diagnostics } {
  let step = round.start();
  while (step.kind === 'request') {
    const request = step.request;
    step = round.receive(shardRounds.map((shard) => shard.handle(request)));
  }
  return { outputs: shardRounds.map((shard) => shard.output), diagnostics: step.diagnostics };
}

/**
 * S contiguous slices of [0, d) whose cut points fall on multiples of `alignment` (4,096 floats, the
 * Gram kernels' block), as even as whole blocks allow; the last slice ends at d.
 */
export function alignedSlices(d: number, shards: number, alignment = 4096): { shard: number; start: number; end: number }[] {
  const blocks = Math.ceil(d / alignment);
  if (!Number.isInteger(shards) || shards < 1 || shards > blocks) {
    throw new InvalidParameterError(`${d} coordinates make ${blocks} blocks of ${alignment}: too few for ${shards} shards`);
  }
  return Array.from({ length: shards }, (_, shard) => ({
    shard,
    start: Math.floor((shard * blocks) / shards) * alignment,
    end: Math.min(d, Math.floor(((shard + 1) * blocks) / shards) * alignment),
  }));
}
