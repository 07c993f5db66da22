/** Public surface of the byzps aggregation library. */
export type { AggregateOptions, AggregationResult, Aggregator, Diagnostics, Gradient, PreAggregatorSpec, RuleParams, RuleSpec, RuleState } from './types.js';
export * from './errors.js';
export { createAggregator, listPreAggregators, listRules, ruleInfluence, type BuildOptions } from './registry.js';
export type { Kernels } from './kernels/kernels.js';
export { plainKernels } from './kernels/plain.js';
export { defaultKernels, simdKernels } from './kernels/default.js';
export { allocateGradient, freeGradient, gradientMemory, GradientMemory } from './kernels/gradient-memory.js';
export { createThreadedKernels, type ThreadedKernels, type ThreadOptions } from './kernels/threads.js';
export { resolveParams, type ParamSchema, type ParamSpec, type ResolvedParams } from './params.js';
export { SeededRandom } from './random.js';
export { inProcessRunner, startAggregationThread, type RuleRunner, type RunnerResult } from './runner.js';
export { startReadyThread } from './kernels/start-thread.js';
export { CoordinatorRound, ShardCoordinator, type ElementType } from './sharded/coordinator.js';
export { CoordinateShard, ShardRound, type ShardSlice } from './sharded/shard.js';
export { alignedSlices, runRoundLocally } from './sharded/local.js';
export { joinState, splitState, type ShardedState } from './sharded/state.js';
export type { CoordinatorStep, Mixing, ShardApplied, ShardIdentity, ShardMessageHeader, ShardReply, ShardRequest, ShardSummary, ShardTask, SliceApply } from './sharded/messages.js';
