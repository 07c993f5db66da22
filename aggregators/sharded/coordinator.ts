import { InvalidParameterError, ShardProtocolError, TooFewInputsError } from '../errors.js';
import { resolveParams, type ResolvedParams } from '../params.js';
import { findPreAggregator, findRule, mapToWorkers } from '../registry.js';
import type { Mixing, PreAggregatorDefinition, RuleDefinition, ShardedDecision, StageInputs, StateSlot } from '../rule.js';
import type { RuleSpec, RuleState } from '../types.js';
import type { CoordinatorStep, ShardApplied, ShardIdentity, ShardReply, ShardRequest, ShardSummary } from './messages.js';

/** One pre-aggregator of the chain as the coordinator runs it; its state (bucketing's generator) lives here. */
interface CoordinatorStage {
  readonly definition: PreAggregatorDefinition;
  readonly params: ResolvedParams<PreAggregatorDefinition['params']>;
  readonly state: StateSlot;
}

/** Element type of the rows, which some decisions depend on (FA's rank tolerance). */
export type ElementType = 'float32' | 'float64';

/**
 * The coordinator of a sharded aggregation: it builds the same rule as createAggregator from the same
 * spec, holds the state that decisions need (the pre-aggregators' generators), and runs each round
 * as a small state machine over the shards' replies (openRound).
 */
export class ShardCoordinator {
  readonly name: string;
  readonly f: number;
  private readonly rule: RuleDefinition;
  private readonly params: ResolvedParams<RuleDefinition['params']>;
  private readonly chain: readonly CoordinatorStage[];

  /** `shards`: how many shards answer every request (S ≥ 1). */
  constructor(spec: RuleSpec, readonly shards: number) {
    if (!Number.isInteger(shards) || shards < 1) throw new InvalidParameterError(`the number of shards must be a positive integer, got ${shards}`);
    this.rule = findRule(spec.name);
    this.name = this.rule.name;
    this.f = spec.f;
    if (!Number.isInteger(spec.f) || spec.f < 0) throw new InvalidParameterError(`f must be a non-negative integer, got ${spec.f}`);
    this.params = resolveParams(this.rule.name, this.rule.params, spec.params);
    this.rule.checkParams?.(this.params, spec.f);
    this.chain = (spec.pre ?? []).map((pre) => {
      const definition = findPreAggregator(pre.name);
      const params = resolveParams(definition.name, definition.params, pre.params);
      definition.checkParams?.(params);
      return { definition, params, state: { value: undefined } };
    });
  }

  /** Fewest inputs a round accepts: the rule's requirement after the pre-aggregators reshape n (as createAggregator's minInputs). */
  minInputs(): number {
    for (let n = 1; ; n++) if (!tooFew(this.rule, this.chain, n, this.f)) return n;
  }

  /** The coordinator's share of the state, keyed as createAggregator's getState keys it ("pre0.rngState"). */
  getState(): RuleState | undefined {
    const entries = this.chain.flatMap((stage, i) => Object.entries(stage.state.value ?? {}).map(([key, value]) => [`pre${i}.${key}`, value] as const));
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }

  /** Restores what getState returned; the rule's own state ("rule.…") belongs to the shards. */
  setState(state: RuleState): void {
    const parts: Record<string, RuleState[string]>[] = this.chain.map(() => ({}));
    for (const [key, value] of Object.entries(state)) {
      const match = /^pre(\d+)\.(.+)$/.exec(key);
      const part = match === null ? undefined : parts[Number(match[1])];
      if (match === null || part === undefined) throw new InvalidParameterError(`state entry "${key}" belongs to no pre-aggregator this coordinator holds state for`);
      part[match[2]!] = value;
    }
    this.chain.forEach((stage, i) => (stage.state.value = Object.keys(parts[i]!).length > 0 ? parts[i] : undefined));
  }

  /**
   * Starts round `round` over n gradients of length d. The first step is a request to every shard;
   * each batch of S replies to it (in any order) gives the next step, until `done`.
   */
  openRound(round: number, n: number, d: number, elementType: ElementType): CoordinatorRound {
    const setup: RoundSetup = { name: this.name, f: this.f, shards: this.shards, rule: this.rule, params: this.params, chain: this.chain };
    return new CoordinatorRound(setup, round, n, d, elementType);
  }
}

/** What a round runs on: the coordinator's rule, chain and shard count. */
interface RoundSetup {
  readonly name: string;
  readonly f: number;
  readonly shards: number;
  readonly rule: RuleDefinition;
  readonly params: ResolvedParams<RuleDefinition['params']>;
  readonly chain: readonly CoordinatorStage[];
}

/**
 * One round at the coordinator. It walks the chain (pre-aggregators, then the rule): a stage that
 * needs K, or the dots with the state vector, and does not have them yet sends a `summarize`
 * request, carrying the mixings decided since the last request; the rule's decision sends the
 * `apply` request; the `applied` replies end the round with the diagnostics. State that the
 * pre-aggregators advance (bucketing's generator) is kept only once every shard has applied.
 */
export class CoordinatorRound {
  private step = 0;
  private stage = 0;
  private n: number;
  private f: number;
  private gram: Float64Array | undefined;
  private anchor: StageInputs['anchor'];
  private anchorAsked = false;
  private pendingMix: Mixing[] = [];
  private readonly toWorkerMaps: ((perRow: readonly number[]) => number[])[] = [];
  /** Copies of the pre-aggregators' state slots, advanced by this round and committed at its end. */
  private readonly roundState: StateSlot[];
  private awaiting: 'nothing' | 'summary' | 'applied' | 'done' = 'nothing';
  private decision: ShardedDecision | undefined;
  private applyRows = 0;

  constructor(
    private readonly setup: RoundSetup,
    readonly round: number,
    n: number,
    readonly d: number,
    readonly elementType: ElementType,
  ) {
    this.n = n;
    this.f = setup.f;
    this.roundState = setup.chain.map((stage) => ({ value: stage.state.value }));
  }

  /** The first request of the round. */
  start(): CoordinatorStep {
    if (this.awaiting !== 'nothing') throw new ShardProtocolError(`round ${this.round} has already started`);
    // Refuse too few inputs before asking the shards for anything, as the whole rule would after its pre-aggregators reshape them.
    const { rule, chain } = this.setup;
    const refused = tooFew(rule, chain, this.n, this.f);
    if (refused !== undefined) throw new TooFewInputsError(rule.name, rule.requirement.text, refused.n, refused.f);
    return this.advance();
  }

  /** Takes one reply from every shard to the last request, and returns the next step. */
  receive(replies: readonly ShardReply[]): CoordinatorStep {
    const ordered = this.checkReplies(replies);
    if (this.awaiting === 'summary') {
      this.sumSummaries(ordered as ShardSummary[]);
      this.step++;
      return this.advance();
    }
    const counts = this.sumKeptCounts(ordered as ShardApplied[]);
    this.awaiting = 'done';
    const { chain } = this.setup;
    chain.forEach((stage, i) => (stage.state.value = this.roundState[i]!.value));
    const diagnostics = this.decision!.diagnostics(counts);
    return { kind: 'done', diagnostics: mapToWorkers(diagnostics, this.toWorkerMaps) };
  }

  private inputs(): StageInputs {
    return { n: this.n, f: this.f, d: this.d, float32: this.elementType === 'float32', gram: this.gram, anchor: this.anchor };
  }

  /** Runs stages until one needs the shards: a summary it lacks, or the rule's apply step. */
  private advance(): CoordinatorStep {
    const { chain, rule, params } = this.setup;
    for (;;) {
      const pre = chain[this.stage];
      const needsGram = pre === undefined ? rule.sharded.gram : pre.definition.sharded.gram;
      const needsAnchor = pre === undefined && rule.sharded.keepsOutput && !this.anchorAsked;
      if ((needsGram && this.gram === undefined) || needsAnchor) {
        this.anchorAsked ||= needsAnchor;
        return this.request({ kind: 'summarize', gram: needsGram && this.gram === undefined, anchor: needsAnchor }, 'summary');
      }
      if (pre !== undefined) {
        const decided = pre.definition.sharded.decide(this.inputs(), pre.params, this.roundState[this.stage]!);
        if (decided.mixing !== undefined) {
          this.pendingMix.push(decided.mixing);
          this.n = decided.mixing.m;
        }
        this.gram = decided.gram;
        this.f = decided.f;
        this.toWorkerMaps.push(decided.toWorkers);
        this.stage++;
        continue;
      }
      if (this.n < rule.requirement.minInputs(this.f)) throw new TooFewInputsError(rule.name, rule.requirement.text, this.n, this.f);
      this.decision = rule.sharded.decide(this.inputs(), params);
      const apply = this.decision.apply;
      this.applyRows = apply.kind === 'mean-around-median' ? apply.rows.length : this.n;
      return this.request({ kind: 'apply', apply }, 'applied');
    }
  }

  private request(task: ShardRequest['task'], awaiting: 'summary' | 'applied'): CoordinatorStep {
    const request: ShardRequest = { rule: this.setup.name, round: this.round, step: this.step, mix: this.pendingMix, task };
    this.pendingMix = [];
    this.awaiting = awaiting;
    return { kind: 'request', request };
  }

  /** One reply of the awaited kind per shard, for this rule, round and step, whose slices tile [0, d); returned in shard order. */
  private checkReplies(replies: readonly ShardReply[]): ShardReply[] {
    const where = `${this.setup.name} round ${this.round} step ${this.step}`;
    if (this.awaiting !== 'summary' && this.awaiting !== 'applied') throw new ShardProtocolError(`${where}: no replies are awaited`);
    const shards = this.setup.shards;
    if (replies.length !== shards) throw new ShardProtocolError(`${where}: expected one reply from each of ${shards} shards, got ${replies.length}`);
    const ordered = new Array<ShardReply | undefined>(shards);
    for (const reply of replies) {
      if (reply.rule !== this.setup.name || reply.round !== this.round || reply.step !== this.step) {
        throw new ShardProtocolError(`${where}: shard ${reply.shard} answered ${reply.rule} round ${reply.round} step ${reply.step}`);
      }
      if (reply.kind !== this.awaiting) throw new ShardProtocolError(`${where}: shard ${reply.shard} sent a ${reply.kind}, expected a ${this.awaiting}`);
      if (!Number.isInteger(reply.shard) || reply.shard < 0 || reply.shard >= shards) throw new ShardProtocolError(`${where}: no shard ${reply.shard} among ${shards}`);
      if (ordered[reply.shard] !== undefined) throw new ShardProtocolError(`${where}: shard ${reply.shard} replied twice`);
      ordered[reply.shard] = reply;
    }
    checkTiling(ordered as ShardIdentity[], this.d, where);
    return ordered as ShardReply[];
  }

  /** Adds the partial sums in shard order (so the result does not depend on arrival order). */
  private sumSummaries(summaries: readonly ShardSummary[]): void {
    const where = `${this.setup.name} round ${this.round} step ${this.step}`;
    const n = this.n;
    for (const summary of summaries) {
      if (summary.n !== n) throw new ShardProtocolError(`${where}: shard ${summary.shard} summarised ${summary.n} rows, expected ${n}`);
    }
    if (this.gram === undefined) this.gram = sumArrays(summaries.map((summary) => summary.gram), n * n, 'gram', where);
    if (this.anchorAsked && this.anchor === undefined) {
      const held = summaries.map((summary) => summary.stateRound);
      if (held.some((round) => round !== held[0])) {
        throw new ShardProtocolError(`${where}: the shards' state comes from different rounds (${held.join(', ')}); restore them from one checkpoint`);
      }
      if (held[0]! >= 0) {
        const dots = sumArrays(summaries.map((summary) => summary.anchorDots), n + 1, 'anchorDots', where);
        this.anchor = { dots: dots.subarray(0, n), normSq: dots[n]! };
      }
    }
  }

  private sumKeptCounts(applied: readonly ShardApplied[]): Float64Array | undefined {
    if (this.decision!.apply.kind === 'combine') return undefined;
    return sumArrays(applied.map((reply) => reply.keptCounts), this.applyRows, 'keptCounts', `${this.setup.name} round ${this.round} step ${this.step}`);
  }
}

/** The rows and bound the rule would get from n inputs, when they fall short of its requirement; undefined when they meet it. */
function tooFew(rule: RuleDefinition, chain: readonly CoordinatorStage[], n: number, f: number): { n: number; f: number } | undefined {
  const shaped = chain.reduce((shape, stage) => stage.definition.outputShape?.(shape.n, shape.f, stage.params) ?? shape, { n, f });
  return shaped.n < rule.requirement.minInputs(shaped.f) ? shaped : undefined;
}

/** Slices in shard order must be non-empty and cover [0, d) end to end. */
function checkTiling(slices: readonly ShardIdentity[], d: number, where: string): void {
  let next = 0;
  for (const slice of slices) {
    if (slice.start !== next || slice.end <= slice.start) {
      throw new ShardProtocolError(`${where}: shard ${slice.shard} owns [${slice.start}, ${slice.end}), expected a non-empty slice starting at ${next}`);
    }
    next = slice.end;
  }
  if (next !== d) throw new ShardProtocolError(`${where}: the shards' slices end at ${next}, but the gradients have length ${d}`);
}

/** Element-wise sum, in the given order, of one array of `length` from each shard. */
function sumArrays(parts: readonly (Float64Array | undefined)[], length: number, what: string, where: string): Float64Array {
  const total = new Float64Array(length);
  parts.forEach((part, shard) => {
    if (part?.length !== length) throw new ShardProtocolError(`${where}: shard ${shard} sent ${part === undefined ? 'no' : part.length} ${what} values, expected ${length}`);
    for (let k = 0; k < length; k++) total[k]! += part[k]!;
  });
  return total;
}

