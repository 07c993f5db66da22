/**
 * The messages of a sharded aggregation. Each shard owns a contiguous slice [start, end) of every
 * gradient; the coordinator owns the decisions. Messages hold plain numbers, number arrays and
 * Float64Arrays only, so they map one to one onto protobuf messages (repeated double, uint32).
 */
import type { Mixing, SliceApply } from '../rule.js';
import type { Diagnostics } from '../types.js';

export type { Mixing, SliceApply };

/** What every message carries, so that a stale, repeated or misrouted one is refused. */
export interface ShardMessageHeader {
  /** The rule's registered name. */
  readonly rule: string;
  readonly round: number;
  /** 0, 1, … within the round: one per request the coordinator sends. */
  readonly step: number;
}

/** Coordinator → every shard: the same request to all of them. */
export interface ShardRequest extends ShardMessageHeader {
  /** Pre-aggregators' mixings to apply to the shard's current rows first, in order (m×n, row-major). */
  readonly mix: readonly Mixing[];
  readonly task: ShardTask;
}

export type ShardTask =
  /** Report partial sums of the (mixed) rows: K over the slice when `gram`, and the dots with the state vector when `anchor`. */
  | { readonly kind: 'summarize'; readonly gram: boolean; readonly anchor: boolean }
  /** Write the slice of the aggregate, and keep it as state if the rule keeps its output. */
  | { readonly kind: 'apply'; readonly apply: SliceApply };

/** Identifies the replying shard and the coordinates it owns. */
export interface ShardIdentity {
  /** 0 … S−1. */
  readonly shard: number;
  readonly start: number;
  readonly end: number;
}

/** Shard → coordinator, answering a `summarize` task. */
export interface ShardSummary extends ShardMessageHeader, ShardIdentity {
  readonly kind: 'summary';
  /** Rows the sums cover, after the request's mixings. */
  readonly n: number;
  /** Σ over the slice's coordinates of g_i[j]·g_k[j] (n×n row-major), when asked for. */
  readonly gram: Float64Array | undefined;
  /**
   * When asked for and the shard holds a state vector v0: its n partial dots g_i·v0 then ‖v0‖²
   * (n+1 values); undefined when it holds none (the rule's first round).
   */
  readonly anchorDots: Float64Array | undefined;
  /** The round whose output the shard's state vector is, or −1 when it holds none. */
  readonly stateRound: number;
}

/** Shard → coordinator, once its slice of the aggregate is written. */
export interface ShardApplied extends ShardMessageHeader, ShardIdentity {
  readonly kind: 'applied';
  /** Per row of the apply step, over the slice's coordinates: how often it lay in the kept range (coordinate-wise applies only). */
  readonly keptCounts: Float64Array | undefined;
}

export type ShardReply = ShardSummary | ShardApplied;

/** What the coordinator hands back after each batch of replies: the next request, or the round's end. */
export type CoordinatorStep =
  | { readonly kind: 'request'; readonly request: ShardRequest }
  | { readonly kind: 'done'; readonly diagnostics: Diagnostics };
