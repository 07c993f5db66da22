import { InvalidParameterError, NonFiniteInputError, ShapeError, ShardProtocolError } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { defaultKernels } from '../kernels/default.js';
import { findRule } from '../registry.js';
import type { RuleDefinition, SliceApply } from '../rule.js';
import type { Gradient, RuleSpec, RuleState } from '../types.js';
import type { ShardIdentity, ShardReply, ShardRequest, ShardSummary } from './messages.js';

/** Which coordinates a shard owns: [start, end) of every gradient, and its index among the S shards. */
export interface ShardSlice {
  readonly shard: number;
  readonly start: number;
  readonly end: number;
}

/**
 * One coordinate shard of a sharded aggregation. It sees only its slice of every gradient, keeps only
 * its slice of the rule's state (centered clipping's previous aggregate) and does only what the
 * coordinator's requests say: mix rows, report partial sums, write its slice of the aggregate.
 */
export class CoordinateShard {
  readonly name: string;
  private readonly rule: RuleDefinition;
  private readonly kernels: Kernels;
  private previousAggregate: Gradient | undefined;
  private heldRound = -1;

  constructor(spec: RuleSpec, readonly slice: ShardSlice, options: { readonly kernels?: Kernels } = {}) {
    this.rule = findRule(spec.name);
    this.name = this.rule.name;
    this.kernels = options.kernels ?? defaultKernels;
    if (!Number.isInteger(slice.start) || !Number.isInteger(slice.end) || slice.start < 0 || slice.end <= slice.start) {
      throw new InvalidParameterError(`shard ${slice.shard} must own a non-empty slice of coordinates, got [${slice.start}, ${slice.end})`);
    }
  }

  /** The slice's length. */
  get length(): number {
    return this.slice.end - this.slice.start;
  }

  /** The round whose output this shard holds as state, or −1 when it holds none. */
  get stateRound(): number {
    return this.heldRound;
  }

  /** This shard's slice of the rule's state, keyed as createAggregator's getState keys it ("rule.previousAggregate"). */
  getState(): RuleState | undefined {
    return this.previousAggregate === undefined ? undefined : { 'rule.previousAggregate': this.previousAggregate.slice() };
  }

  /** Forgets the state, as a shard that has not closed a round yet. */
  clearState(): void {
    this.previousAggregate = undefined;
    this.heldRound = -1;
  }

  /** Restores this shard's slice of the state of round `round` (what getState returned then). */
  setState(state: RuleState, round: number): void {
    const entries = Object.entries(state);
    const stored = state['rule.previousAggregate'];
    if (entries.length !== 1 || stored === undefined || typeof stored === 'number' || !this.rule.sharded.keepsOutput) {
      throw new InvalidParameterError(`a ${this.name} shard holds no state like ${entries.map(([key]) => key).join(', ')}`);
    }
    if (stored.length !== this.length) throw new ShapeError(`the state holds a slice of length ${stored.length}, but shard ${this.slice.shard} owns ${this.length} coordinates`);
    this.previousAggregate = stored.slice();
    this.heldRound = round;
  }

  /**
   * Starts round `round` on this shard's slices of the n gradients (each of the slice's length).
   * Unless told they are finite, the slices are scanned first; a non-finite value is reported at its
   * coordinate in the whole gradient. `output` is where the slice of the aggregate goes.
   */
  openRound<G extends Gradient>(round: number, rows: readonly G[], options: { readonly assumeFinite?: boolean; readonly output?: G } = {}): ShardRound<G> {
    rows.forEach((row, i) => {
      if (row.length !== this.length) throw new ShapeError(`gradient of worker ${i} has ${row.length} coordinates on shard ${this.slice.shard}, expected ${this.length}`);
      if (row.constructor !== rows[0]!.constructor) throw new ShapeError(`gradient of worker ${i} is a ${row.constructor.name}, expected ${rows[0]!.constructor.name} like worker 0`);
    });
    if (rows.length === 0) throw new ShapeError('no gradients to aggregate');
    if (options.assumeFinite !== true) {
      const bad = this.kernels.findNonFinite(rows);
      if (bad !== undefined) throw new NonFiniteInputError(bad.row, this.slice.start + bad.index, bad.value);
    }
    return new ShardRound(this, this.kernels, round, rows, options.output);
  }

  /** @internal The state vector as a row of the rows' element type, or undefined. */
  anchorLike<G extends Gradient>(row: G): G | undefined {
    const stored = this.previousAggregate;
    if (stored === undefined) return undefined;
    if (stored.constructor === row.constructor) return stored as G;
    const converted = new (row.constructor as new (length: number) => G)(stored.length);
    converted.set(stored);
    return converted;
  }

  /** @internal Keeps the slice of round `round`'s aggregate as state, if the rule keeps its output. */
  keep(output: Gradient, round: number): void {
    if (!this.rule.sharded.keepsOutput) return;
    this.previousAggregate = output.slice();
    this.heldRound = round;
  }
}

/** One round on one shard: it answers the coordinator's requests in step order. */
export class ShardRound<G extends Gradient> {
  private nextStep = 0;
  private result: G | undefined;

  constructor(
    private readonly shard: CoordinateShard,
    private readonly kernels: Kernels,
    readonly round: number,
    private rows: readonly G[],
    private readonly outputBuffer: G | undefined,
  ) {}

  /** This shard's slice of the aggregate, once the apply step has run. */
  get output(): G {
    if (this.result === undefined) throw new ShardProtocolError(`shard ${this.shard.slice.shard} has not applied round ${this.round} yet`);
    return this.result;
  }

  /** Carries out one request and returns the reply for the coordinator. */
  handle(request: ShardRequest): ShardReply {
    const { shard, start, end } = this.shard.slice;
    if (request.rule !== this.shard.name || request.round !== this.round || request.step !== this.nextStep) {
      throw new ShardProtocolError(`shard ${shard} expected ${this.shard.name} round ${this.round} step ${this.nextStep}, got ${request.rule} round ${request.round} step ${request.step}`);
    }
    if (this.result !== undefined) throw new ShardProtocolError(`shard ${shard} has already applied round ${this.round}`);
    this.nextStep++;
    for (const mixing of request.mix) this.rows = this.mixed(mixing.weights, mixing.m);
    const identity: ShardIdentity = { shard, start, end };
    const header = { rule: request.rule, round: request.round, step: request.step, ...identity };
    const task = request.task;
    if (task.kind === 'summarize') return this.summarize(header, task.gram, task.anchor);
    const { output, keptCounts } = this.apply(task.apply, header.step);
    this.result = output;
    this.shard.keep(output, this.round);
    return { kind: 'applied', ...header, keptCounts };
  }

  private summarize(header: Omit<ShardSummary, 'kind' | 'n' | 'gram' | 'anchorDots' | 'stateRound'>, gram: boolean, anchor: boolean): ShardSummary {
    const rows = this.rows;
    const v0 = anchor ? this.shard.anchorLike(rows[0]!) : undefined;
    return this.kernels.withStagedRows(v0 === undefined ? rows : [...rows, v0], (staged) => ({
      kind: 'summary',
      ...header,
      n: rows.length,
      gram: gram ? this.kernels.gram(staged.slice(0, rows.length)) : undefined,
      anchorDots: v0 === undefined ? undefined : this.kernels.dots(staged, v0),
      stateRound: anchor ? this.shard.stateRound : -1,
    }));
  }

  private apply(apply: SliceApply, step: number): { output: G; keptCounts: Float64Array | undefined } {
    const rows = this.rows;
    const out = this.outputBuffer ?? newRowLike(rows[0]!);
    if (apply.kind === 'combine') {
      const v0 = apply.anchor ? this.shard.anchorLike(rows[0]!) : undefined;
      if (apply.anchor && v0 === undefined) throw new ShardProtocolError(`shard ${this.shard.slice.shard} was asked at step ${step} to combine with a state it does not hold`);
      const inputs = v0 === undefined ? rows : [...rows, v0];
      if (apply.weights.length !== inputs.length) throw new ShardProtocolError(`shard ${this.shard.slice.shard} got ${apply.weights.length} weights for ${inputs.length} rows`);
      this.kernels.withStagedRows(inputs, (staged) => {
        this.kernels.combine(staged, apply.weights, [out]);
      });
      return { output: out, keptCounts: undefined };
    }
    if (apply.kind === 'mean-around-median' && apply.rows.some((i) => !Number.isInteger(i) || i < 0 || i >= rows.length)) {
      throw new ShardProtocolError(`shard ${this.shard.slice.shard} was asked at step ${step} for rows ${apply.rows.join(', ')} of ${rows.length}`);
    }
    const picked = apply.kind === 'trimmed-mean' ? rows : apply.rows.map((i) => rows[i]!);
    const counts = new Float64Array(picked.length);
    this.kernels.withStagedRows(picked, (staged) => {
      if (apply.kind === 'trimmed-mean') this.kernels.trimmedMean(staged, apply.trim, out, counts);
      else this.kernels.meanAroundMedian(staged, apply.drop, out, counts);
    });
    return { output: out, keptCounts: counts };
  }

  /** W·rows for an m×n row-major W, as the unsharded pre-aggregators mix (one combine). */
  private mixed(weights: Float64Array, m: number): G[] {
    const n = this.rows.length;
    if (weights.length !== m * n) throw new ShardProtocolError(`shard ${this.shard.slice.shard} got a ${weights.length}-value mixing for ${m}×${n}`);
    const mixedRows = Array.from({ length: m }, () => newRowLike(this.rows[0]!));
    this.kernels.withStagedRows(this.rows, (staged) => {
      this.kernels.combine(staged, weights, mixedRows);
    });
    return mixedRows;
  }
}

function newRowLike<G extends Gradient>(row: G): G {
  return new (row.constructor as new (length: number) => G)(row.length);
}
