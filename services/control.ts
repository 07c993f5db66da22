import type { Aggregator, RuleSpec } from '../aggregators/index.js';
import type { ControlHandlers, RuleSpecMessage, RuleSpecMessage__Output, ShardInfo } from '../proto/protocol.js';
import type { Logger } from '../runtime/logger.js';
import { InvalidRequestError, NotConfiguredError } from './errors.js';
import type { FaultQueue } from './faults.js';
import type { HandlerKit } from './handlers.js';
import type { RoundEngine } from './round.js';

/** What the operator-facing handlers need from the server. */
export interface ControlContext {
  readonly engine: RoundEngine;
  readonly taskName: string;
  readonly dimension: number;
  readonly faults: FaultQueue;
  readonly checkpointNow: () => Promise<{ round: number; path: string }>;
  /** Builds (and validates) a rule the way the server runs its rules. */
  readonly buildRule: (spec: RuleSpec) => Aggregator;
  readonly kit: HandlerKit;
  readonly log: Logger;
  /** A sharded server's shard map and this shard's index; unsharded without. */
  readonly shards?: { readonly index: number; readonly map: readonly ShardInfo[] };
}

/** The rule as the protocol describes it: resolved parameters as text, pre-aggregators as requested. */
function describeRule(rule: Aggregator, pre: RuleSpecMessage['pre']): RuleSpecMessage {
  return { name: rule.name, f: rule.f, params: Object.fromEntries(Object.entries(rule.params).map(([key, value]) => [key, String(value)])), pre };
}

function ruleSpec(spec: RuleSpecMessage__Output): RuleSpec {
  return { name: spec.name, f: spec.f, params: spec.params, pre: spec.pre.map((pre) => ({ name: pre.name, params: pre.params })) };
}

/**
 * The Control service's handlers (status, rule changes, fault injection, pause/resume, checkpoint);
 * the kit admits only the admin token (operatorAdmission in auth.ts).
 */
export function controlHandlers(context: ControlContext): ControlHandlers {
  const { engine, kit, log } = context;
  const unary = kit.unary.bind(kit);

  return {
    Status: unary('Status', () => ({
      round: engine.round,
      rule: engine.rule.name,
      byzantineBound: engine.rule.f,
      dimension: context.dimension,
      task: context.taskName,
      paused: engine.isPaused,
      gradientsReceived: engine.receivedCount,
      quorum: engine.quorum,
      awaited: engine.awaitedCount,
      workers: engine.workers().map((worker) => ({ workerId: worker.id, name: worker.name, pushedThisRound: worker.pushed, lastPushUnixMs: worker.lastPushUnixMs, awaited: worker.awaited, probation: worker.probation })),
      ...(context.shards === undefined ? {} : { shards: [...context.shards.map], shardIndex: context.shards.index }),
    })),

    SetRule: unary('SetRule', (request: { rule: RuleSpecMessage__Output | null }) => {
      const spec = request.rule;
      if (spec === null || spec.name === '') throw new InvalidRequestError('bad_request', 'SetRule needs a rule with a name');
      if (context.shards !== undefined) throw new NotConfiguredError('not_configured', 'a sharded server cannot change its rule while it runs yet: restart every shard with the new rule');
      const rule = context.buildRule(ruleSpec(spec));
      engine.setAggregator(rule);
      log.info({ rule: rule.name, f: rule.f, params: rule.params }, 'rule changed by an operator');
      return { rule: describeRule(rule, spec.pre) };
    }),

    InjectFault: unary('InjectFault', (request: { workerName: string; fault: { kind: string; params: Record<string, string> } | null }) => {
      if (!engine.workers().some((worker) => worker.name === request.workerName)) {
        throw new InvalidRequestError('unknown_worker', `no worker named ${JSON.stringify(request.workerName)} has joined`);
      }
      if (request.fault === null || request.fault.kind === '') throw new InvalidRequestError('bad_request', 'InjectFault needs a fault with a kind');
      context.faults.add(request.workerName, request.fault);
      log.info({ worker: request.workerName, fault: request.fault.kind }, 'fault queued by an operator');
      return {};
    }),

    Pause: unary('Pause', () => {
      engine.pause();
      log.info({ round: engine.round }, 'rounds paused by an operator');
      return { round: engine.round };
    }),

    Resume: unary('Resume', () => {
      engine.resume();
      log.info({ round: engine.round }, 'rounds resumed by an operator');
      return { round: engine.round };
    }),

    Checkpoint: unary('Checkpoint', () => context.checkpointNow()),
  };
}
