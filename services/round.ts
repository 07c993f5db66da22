import { inProcessRunner, type Aggregator, type RuleRunner, type RuleState, type RunnerResult } from '../aggregators/index.js';
import { DuplicatePushError, ShardOutOfStepError, ShuttingDownError, WrongRoundError } from './errors.js';
import type { ServerEvents } from './events.js';
import { Membership, type Member } from './membership.js';
import type { SgdOptimizer } from './optimizer.js';

/** Settings of the round engine. */
export interface RoundSettings {
  /** Fewest gradients a round may close with; raised to what the rule needs. 0 means just that. */
  readonly quorum: number;
  /** Time from a round's first gradient until it closes with whatever reached quorum. */
  readonly roundDeadlineMs: number;
  readonly maxWorkers: number;
}

/** What a round engine is built from. */
export interface RoundEngineOptions {
  readonly settings: RoundSettings;
  readonly aggregator: Aggregator;
  readonly optimizer: SgdOptimizer;
  /** θ of the first open round. */
  readonly parameters: Float32Array;
  /** Where the engine reports joins, gradients and rounds. */
  readonly events: ServerEvents;
  /** The first open round: 0, or the round of the checkpoint resumed from. */
  readonly startRound?: number;
  /** Gives an accepted gradient's buffer back once the round no longer needs it. */
  readonly releaseGradient?: (gradient: Float32Array) => void;
  /** Where the rule runs; on the calling thread by default. */
  readonly runner?: RuleRunner;
  /** The engine's part in a sharded server (services/sharding.ts); unsharded without. */
  readonly sharding?: EngineSharding;
}

/**
 * How an engine of a sharded server differs. Its gradients and θ are its shard's coordinate range.
 * The coordinator (shard 0) counts a push once every shard has it (its own, and a report from each
 * other shard), decides the round's members by the same rules as an unsharded server, and aggregates
 * across the shards. A member (shard i > 0) never closes a round by itself: it reports each push it
 * settles and closes a round when the coordinator says, with the workers it names.
 */
export type EngineSharding =
  | {
      readonly role: 'coordinator';
      /** Shards other than the coordinator. */
      readonly others: number;
      /** Runs the rule across the shards; the output is the coordinator's range of the aggregate. */
      aggregate(round: number, workerNames: readonly string[], gradients: readonly Float32Array[]): Promise<RunnerResult>;
    }
  | {
      readonly role: 'member';
      /** A push of this shard's range settled: complete and accepted, or refused. */
      pushSettled(round: number, workerName: string, accepted: boolean): void;
    };

/** A member shard's round as the coordinator closes it: the chosen gradients, then the outcome. */
export interface CoordinatedClose {
  /** The gradients of the named workers, in the order named. */
  readonly gradients: readonly Float32Array[];
  /** Hands the shard's range of the aggregate over: θ steps and the next round opens; resolves once it has. */
  finish(result: RunnerResult): Promise<void>;
  /** The aggregation failed: the round's gradients are dropped and the round stays open. */
  fail(error: unknown): Promise<void>;
}

export interface JoinResult {
  readonly workerId: number;
  readonly round: number;
}

/** One push in progress: it ends either complete, with the assembled gradient, or refused. */
export interface PushLease {
  readonly workerName: string;
  /** Hands the gradient to the round; returns the round it counts for. */
  complete(gradient: Float32Array): number;
  /** The push failed after it began: the open round stops waiting for this worker. */
  refuse(): void;
}

/** Who is asking for θ: a worker (by id), or an observer (by its connection's peer address). */
export type Reader = { readonly workerId: number } | { readonly peer: string };

/**
 * How often one worker gets θ of the same round: once, and once more after it joins again (a
 * worker restarted in the middle of a round); an observer's connection gets it once. Further
 * requests wait for the next round, so no client can make the server stream θ in a loop
 * (docs/PROTOCOL.md, "Pull").
 */
export const SERVES_PER_ROUND = 2;

/** θ of a round, kept intact until `release` is called. */
export interface BorrowedParameters {
  readonly round: number;
  readonly parameters: Float32Array;
  release(): void;
}

/** What a checkpoint holds of the engine: the open round, θ, optimizer and rule state (copied), workers. */
export interface EngineSnapshot {
  readonly round: number;
  readonly parameters: Float32Array;
  readonly velocity: Float32Array | undefined;
  readonly ruleState: RuleState | undefined;
  readonly workers: { id: number; name: string }[];
}

/** A worker as status reports show it. */
export interface WorkerView {
  readonly id: number;
  readonly name: string;
  readonly awaited: boolean;
  readonly probation: number;
  readonly pushed: boolean;
  readonly lastPushUnixMs: number;
}

/**
 * The synchronous round protocol (docs/PROTOCOL.md), free of gRPC: collects one gradient per worker
 * for the open round r and closes r once the quorum is in and every awaited worker (Membership) has
 * pushed or been refused — or at the deadline, once the quorum is in; then it aggregates, applies
 * the optimizer and opens r+1. Waiters for a round (long-poll pulls) are woken as it opens.
 */
export class RoundEngine {
  private currentRound: number;
  private theta: Float32Array;
  /** The θ before the last step: the next step writes into it once no pull streams it any more. */
  private spareTheta: Float32Array | undefined;
  /** Pulls streaming each θ buffer, by buffer. */
  private readonly readers = new Map<Float32Array, number>();
  private readonly members: Membership;
  private received = new Map<number, Float32Array>();
  /** Workers whose push for the open round was refused: the round does not wait for them. */
  private refused = new Set<number>();
  private readonly inFlight = new Set<number>();
  /** Called once the next round opens or the engine stops. */
  private openWaiters: (() => void)[] = [];
  /** How often each reader got θ of the open round. */
  private served = new Map<string, number>();
  /** Workers that joined again since they last got θ of the open round: they may get it once more. */
  private rejoined = new Set<number>();
  private openedAtMs = performance.now();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlinePassed = false;
  private quorumWaitReported = false;
  private closing: Promise<void> | undefined;
  private paused = false;
  /** A sharded server's coordinator holds rounds while it brings the shards to one round (services/shard-recovery.ts). */
  private held = false;
  private stopped = false;
  /** Until the first round this engine opened has closed, joining makes a worker awaited (Membership). */
  private bootstrapping = true;
  private readonly settings: RoundSettings;
  private aggregator: Aggregator;
  private readonly optimizer: SgdOptimizer;
  private readonly events: ServerEvents;
  private readonly releaseGradient: (gradient: Float32Array) => void;
  private readonly runner: RuleRunner;
  private readonly sharding: EngineSharding | undefined;
  /** Coordinator: gradients complete here whose push some other shard has not reported yet. */
  private pending = new Map<number, { readonly round: number; readonly gradient: Float32Array }>();
  /** Coordinator: per round, per worker name, the shards that reported the push complete, and whether one refused it. */
  private reports = new Map<number, Map<string, { readonly accepted: Set<number>; refused: boolean }>>();

  constructor(options: RoundEngineOptions) {
    this.settings = options.settings;
    this.aggregator = options.aggregator;
    this.optimizer = options.optimizer;
    this.events = options.events;
    this.theta = options.parameters;
    this.currentRound = options.startRound ?? 0;
    this.releaseGradient = options.releaseGradient ?? (() => undefined);
    this.runner = options.runner ?? inProcessRunner;
    this.members = new Membership(options.settings.maxWorkers);
    this.sharding = options.sharding;
  }

  /** The round open for pushes (while it is being aggregated, the next round is not yet open). */
  get round(): number {
    return this.currentRound;
  }

  /**
   * θ of the open round, valid until the round after it closes: steps write into the buffer of the
   * θ before, so whoever reads θ for longer (a pull stream) borrows it instead.
   */
  get parameters(): Float32Array {
    return this.theta;
  }

  borrowParameters(): BorrowedParameters {
    const parameters = this.theta;
    this.readers.set(parameters, (this.readers.get(parameters) ?? 0) + 1);
    let released = false;
    return {
      round: this.currentRound,
      parameters,
      release: () => {
        if (released) return;
        released = true;
        const left = this.readers.get(parameters)! - 1;
        if (left === 0) this.readers.delete(parameters);
        else this.readers.set(parameters, left);
      },
    };
  }

  /**
   * θ borrowed as soon as a round ≥ `minRound` is open — or at once when the reader is a worker
   * that owes the open round a gradient (it neither pushed nor was refused for it: a worker that is
   * ahead after a server restart, or behind after a freeze, resyncs). A reader that already got θ
   * of the open round waits for the next one, unless it is a worker that joined again since
   * (SERVES_PER_ROUND). Rejects when `signal` aborts.
   */
  async awaitParameters(minRound: number, signal: AbortSignal, reader?: Reader): Promise<BorrowedParameters> {
    const workerId = reader !== undefined && 'workerId' in reader ? reader.workerId : undefined;
    if (workerId !== undefined) this.members.get(workerId);
    const key = reader === undefined ? undefined : workerId !== undefined ? `worker ${workerId}` : `peer ${(reader as { peer: string }).peer}`;
    for (;;) {
      if (this.stopped) throw new ShuttingDownError();
      signal.throwIfAborted();
      const open = this.closing === undefined;
      const wanted = this.currentRound >= minRound || (workerId !== undefined && this.owes(workerId));
      const servedBefore = key === undefined ? 0 : (this.served.get(key) ?? 0);
      const allowed = servedBefore === 0 || (servedBefore < SERVES_PER_ROUND && workerId !== undefined && this.rejoined.has(workerId));
      if (open && wanted && allowed) {
        if (key !== undefined) this.served.set(key, servedBefore + 1);
        if (workerId !== undefined) this.rejoined.delete(workerId);
        return this.borrowParameters();
      }
      await this.nextOpening(signal);
    }
  }

  /** Resolves once round `round` (or a later one) is open; rejects when `signal` aborts or the engine stops. */
  async waitForRound(round: number, signal: AbortSignal): Promise<void> {
    (await this.awaitParameters(round, signal)).release();
  }

  get rule(): Aggregator {
    return this.aggregator;
  }

  /** Gradients the open round needs before it may close. */
  get quorum(): number {
    return Math.max(this.settings.quorum, this.aggregator.minInputs(), 1);
  }

  get receivedCount(): number {
    return this.received.size;
  }

  get joinedCount(): number {
    return this.members.size;
  }

  /** Workers the open round waits for. */
  get awaitedCount(): number {
    return this.members.awaitedCount;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Registers a worker by name, or returns the id it already has. After the first round, joining never makes a round wait for it. */
  join(name: string): JoinResult {
    const { member, rejoined } = this.members.join(name, this.bootstrapping);
    if (this.served.has(`worker ${member.id}`)) this.rejoined.add(member.id);
    this.events.emit('workerJoined', { worker: member.name, workerId: member.id, rejoined });
    return { workerId: member.id, round: this.currentRound };
  }

  /** The worker's name; throws for an id Join never handed out. */
  workerName(workerId: number): string {
    return this.members.get(workerId).name;
  }

  /**
   * Starts a push of `workerId` for `round`: the worker must have joined, the round must be open and
   * the worker must not have pushed (or be pushing) for it already.
   */
  beginPush(workerId: number, round: number): PushLease {
    const member = this.members.get(workerId);
    this.checkOpen(round);
    if (this.received.has(workerId) || this.inFlight.has(workerId) || this.pending.get(workerId)?.round === round) throw new DuplicatePushError(workerId, round);
    this.inFlight.add(workerId);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.inFlight.delete(workerId);
      return true;
    };
    return {
      workerName: member.name,
      complete: (gradient) => {
        settle();
        // The round may have closed while the gradient streamed in.
        this.checkOpen(round);
        if (this.sharding?.role === 'coordinator') this.completeOnCoordinator(member, round, gradient);
        else this.accept(member, round, gradient);
        if (this.sharding?.role === 'member') this.sharding.pushSettled(round, member.name, true);
        return round;
      },
      refuse: () => {
        if (!settle() || round !== this.currentRound || this.closing !== undefined || this.stopped) return;
        if (this.sharding?.role === 'member') this.sharding.pushSettled(round, member.name, false);
        this.refused.add(workerId);
        this.considerClosing();
      },
    };
  }

  /** Replaces the rule from the next close on (the open round's quorum follows the new rule). */
  setAggregator(aggregator: Aggregator): void {
    this.aggregator = aggregator;
    this.considerClosing();
  }

  /** Stops closing rounds; pushes for the open round are still taken. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.considerClosing();
  }

  /** Holds (or lets go of) round closes, apart from the operator's pause. */
  hold(held: boolean): void {
    this.held = held;
    this.considerClosing();
  }

  /** Resolves once no round is being closed. */
  async idle(): Promise<void> {
    while (this.closing !== undefined) await this.closing;
  }

  /**
   * A shard of a sharded server: opens `round` with θ = `parameters`, dropping every gradient, push
   * report and deadline of the open round; every worker may pull θ of it again. Only between closes
   * (idle); the optimizer's and rule's state are the caller's to restore.
   */
  rewind(round: number, parameters: Float32Array): void {
    if (this.closing !== undefined) throw new ShardOutOfStepError(`cannot rewind while round ${this.currentRound} is being closed`);
    if (this.stopped) throw new ShuttingDownError();
    const from = this.currentRound;
    clearTimeout(this.deadlineTimer);
    this.dropReceived();
    this.forgetRound(Number.POSITIVE_INFINITY);
    this.forgetOpenRound();
    if (parameters !== this.theta) {
      this.spareTheta = undefined;
      this.theta = parameters;
    }
    this.currentRound = round;
    this.openedAtMs = performance.now();
    this.events.emit('roundRewound', { from, to: round });
    this.wakeWaiters();
  }

  /** Workers in id order, with their membership and whether each pushed for the open round. */
  workers(): WorkerView[] {
    return this.members.list().map((member) => ({
      id: member.id,
      name: member.name,
      awaited: member.awaited,
      probation: member.awaited ? 0 : member.probation,
      pushed: this.received.has(member.id),
      lastPushUnixMs: member.lastPushUnixMs,
    }));
  }

  /** Gives workers the ids they had before a restart, so their pushes keep working without a new Join. */
  adoptWorkers(workers: readonly { readonly id: number; readonly name: string }[]): void {
    this.members.adopt(workers);
  }

  snapshot(): EngineSnapshot {
    const ruleState = this.aggregator.getState();
    return {
      round: this.currentRound,
      parameters: this.theta.slice(),
      velocity: this.optimizer.getVelocity()?.slice(),
      ruleState: ruleState === undefined ? undefined : Object.fromEntries(Object.entries(ruleState).map(([key, value]) => [key, typeof value === 'number' ? value : value.slice()])),
      workers: this.members.list().map(({ id, name }) => ({ id, name })),
    };
  }

  /** Stops the deadline timer, wakes every waiter with ShuttingDownError and waits for a close in progress; the open round is abandoned. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deadlineTimer);
    this.wakeWaiters();
    await this.closing;
    this.dropReceived();
    for (const { gradient } of this.pending.values()) this.releaseGradient(gradient);
    this.pending = new Map();
  }

  /**
   * Coordinator: shard `shard` settled worker `workerName`'s push for `round` (accepted: complete
   * and valid there). The push counts once every shard has it; a refusal anywhere refuses it.
   */
  remotePushSettled(shard: number, round: number, workerName: string, accepted: boolean): void {
    if (this.sharding?.role !== 'coordinator') throw new ShardOutOfStepError('only the coordinator (shard 0) takes push reports');
    const openForPushes = this.closing === undefined ? this.currentRound : this.currentRound + 1;
    if (this.stopped || round < this.currentRound || round > openForPushes) return;
    const member = this.members.find(workerName);
    if (member === undefined) return;
    let byName = this.reports.get(round);
    if (byName === undefined) {
      byName = new Map<string, { readonly accepted: Set<number>; refused: boolean }>();
      this.reports.set(round, byName);
    }
    let report = byName.get(workerName);
    if (report === undefined) byName.set(workerName, (report = { accepted: new Set(), refused: false }));
    if (accepted) report.accepted.add(shard);
    else report.refused = true;
    const pending = this.pending.get(member.id);
    if (pending === undefined || pending.round !== round) {
      if (!accepted && round === this.currentRound && this.closing === undefined) {
        this.refused.add(member.id);
        this.considerClosing();
      }
      return;
    }
    this.completeOnCoordinator(member, round, pending.gradient);
  }

  /**
   * Member: closes round `round` with the named workers' gradients, as the coordinator decided; the
   * round ends when `finish` hands over this shard's range of the aggregate.
   */
  beginCoordinatedClose(round: number, workerNames: readonly string[]): CoordinatedClose {
    if (this.sharding?.role !== 'member') throw new ShardOutOfStepError('only a member shard (index > 0) closes rounds on request');
    if (this.stopped) throw new ShuttingDownError();
    if (this.closing !== undefined || round !== this.currentRound) {
      throw new ShardOutOfStepError(`asked to close round ${round}, but this shard's open round is ${this.currentRound}${this.closing === undefined ? '' : ' (closing)'}`);
    }
    const ids = workerNames.map((name) => {
      const member = this.members.find(name);
      if (member === undefined || !this.received.has(member.id)) throw new ShardOutOfStepError(`asked to close round ${round} with worker ${name}, whose push for it this shard does not hold`);
      return member.id;
    });
    let settle!: { resolve: (result: RunnerResult) => void; reject: (error: unknown) => void };
    const outcome = new Promise<RunnerResult>((resolve, reject) => (settle = { resolve, reject }));
    const gradients = ids.map((id) => this.received.get(id)!);
    const closed = this.startClosing(false, { ids, aggregate: () => outcome });
    return {
      gradients,
      finish: async (result) => {
        settle.resolve(result);
        await closed;
      },
      fail: async (error) => {
        settle.reject(error);
        await closed;
      },
    };
  }

  /** Coordinator: a gradient complete on this shard counts once every other shard reported it too. */
  private completeOnCoordinator(member: Member, round: number, gradient: Float32Array): void {
    const report = this.reports.get(round)?.get(member.name);
    if (report?.refused === true) {
      this.pending.delete(member.id);
      this.releaseGradient(gradient);
      if (round === this.currentRound && this.closing === undefined) {
        this.refused.add(member.id);
        this.considerClosing();
      }
      return;
    }
    const others = this.sharding?.role === 'coordinator' ? this.sharding.others : 0;
    if ((report?.accepted.size ?? 0) < others) {
      this.pending.set(member.id, { round, gradient });
      return;
    }
    this.pending.delete(member.id);
    this.accept(member, round, gradient);
  }

  /** Whether the worker has neither pushed, nor is pushing, nor was refused for the open round. */
  private owes(workerId: number): boolean {
    return !this.received.has(workerId) && !this.inFlight.has(workerId) && !this.refused.has(workerId) && !this.pending.has(workerId);
  }

  private nextOpening(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const aborted = () => {
        this.openWaiters = this.openWaiters.filter((waiter) => waiter !== opened);
        reject(signal.reason as Error);
      };
      const opened = () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      };
      this.openWaiters.push(opened);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  private wakeWaiters(): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const wake of waiters) wake();
  }

  private accept(member: Member, round: number, gradient: Float32Array): void {
    this.received.set(member.id, gradient);
    this.members.accepted(member, Date.now());
    this.events.emit('gradientAccepted', { worker: member.name, round });
    if (this.received.size === 1) this.armDeadline();
    this.considerClosing();
  }

  private dropReceived(): void {
    for (const gradient of this.received.values()) this.releaseGradient(gradient);
    this.received = new Map();
  }

  private checkOpen(round: number): void {
    if (this.stopped) throw new ShuttingDownError();
    // While a round is being aggregated it is already closed to pushes.
    const open = this.closing === undefined ? this.currentRound : this.currentRound + 1;
    if (round !== open) throw new WrongRoundError(round, open);
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      this.deadlinePassed = true;
      this.considerClosing();
    }, this.settings.roundDeadlineMs);
    this.deadlineTimer.unref();
  }

  private considerClosing(): void {
    if (this.closing !== undefined || this.paused || this.held || this.stopped || this.sharding?.role === 'member') return;
    const received = this.received.size;
    const quorum = this.quorum;
    if (received < quorum) {
      if (this.deadlinePassed && !this.quorumWaitReported) {
        this.quorumWaitReported = true;
        this.events.emit('quorumWait', { round: this.currentRound, received, quorum });
      }
      return;
    }
    const complete = this.members.missing((id) => this.received.has(id) || this.refused.has(id)).length === 0;
    if (complete || this.deadlinePassed) void this.startClosing(!complete);
  }

  private startClosing(closedByDeadline: boolean, chosen?: ChosenClose): Promise<void> {
    const closing = this.close(closedByDeadline, chosen).finally(() => {
      this.closing = undefined;
      this.wakeWaiters();
      // Gradients for the next round may have arrived while this one was aggregated.
      this.considerClosing();
    });
    this.closing = closing;
    return closing;
  }

  private async close(closedByDeadline: boolean, chosen?: ChosenClose): Promise<void> {
    clearTimeout(this.deadlineTimer);
    const round = this.currentRound;
    const ids = chosen?.ids ?? [...this.received.keys()].sort((a, b) => a - b);
    const gradients = ids.map((id) => this.received.get(id)!);
    // A member shard may hold gradients the coordinator left out of the round.
    if (chosen !== undefined) for (const [id, gradient] of this.received) if (!ids.includes(id)) this.releaseGradient(gradient);
    if (this.sharding?.role === 'coordinator') this.forgetRound(round);
    const pushed = new Set(ids);
    const responded = new Set([...ids, ...this.refused]);
    const awaited = this.members.awaitedCount;
    this.received = new Map();
    this.forgetOpenRound();
    // The rule may be replaced while it runs off-thread; this round is reported under the rule that ran it.
    const aggregator = this.aggregator;
    const aggregationStart = performance.now();
    let result;
    try {
      if (chosen !== undefined) result = await chosen.aggregate(gradients);
      else if (this.sharding?.role === 'coordinator') result = await this.sharding.aggregate(round, ids.map((id) => this.members.get(id).name), gradients);
      else result = await this.runner.aggregate(aggregator, gradients);
    } catch (error) {
      // The round's gradients are dropped and θ is untouched; workers push round r again.
      gradients.forEach(this.releaseGradient);
      this.dropReceived();
      this.events.emit('aggregationFailed', { round, error });
      return;
    }
    const aggregationSeconds = (performance.now() - aggregationStart) / 1000;
    const spare = this.spareTheta !== undefined && !this.readers.has(this.spareTheta) ? this.spareTheta : undefined;
    const step = await this.optimizer.stepInSlices(this.theta, result.output, round, spare);
    // Only now: a rule may return one of its inputs as the output.
    result.release();
    gradients.forEach(this.releaseGradient);
    this.spareTheta = this.theta;
    this.theta = step.parameters;
    this.currentRound = round + 1;
    this.bootstrapping = false;
    const now = performance.now();
    const roundSeconds = (now - this.openedAtMs) / 1000;
    this.openedAtMs = now;
    for (const eviction of this.members.roundClosed((id) => pushed.has(id), (id) => responded.has(id))) {
      this.events.emit('workerEvicted', { worker: eviction.name, round, probation: eviction.probation });
    }
    this.events.emit('roundClosed', {
      round,
      workerNames: ids.map((id) => this.members.get(id).name),
      diagnostics: result.diagnostics,
      rule: aggregator.name,
      closedByDeadline,
      awaited,
      roundSeconds,
      aggregationSeconds,
      learningRate: step.learningRate,
      updateNorm: step.updateNorm,
    });
    this.events.emit('roundOpened', { round: this.currentRound, parameters: this.theta });
  }

  /** What the open round has seen of its workers and its deadline, forgotten as the round ends or starts over. */
  private forgetOpenRound(): void {
    this.refused = new Set();
    this.served = new Map();
    this.rejoined = new Set();
    this.deadlinePassed = false;
    this.quorumWaitReported = false;
  }

  /** Coordinator: pushes and reports of `round` and before are no longer needed once it closes. */
  private forgetRound(round: number): void {
    for (const [id, entry] of this.pending) {
      if (entry.round > round) continue;
      this.pending.delete(id);
      this.releaseGradient(entry.gradient);
    }
    for (const reported of this.reports.keys()) if (reported <= round) this.reports.delete(reported);
  }
}

/** A round closed with workers and an aggregation someone else chose (a member shard's, by the coordinator). */
interface ChosenClose {
  readonly ids: readonly number[];
  aggregate(gradients: readonly Float32Array[]): Promise<RunnerResult>;
}
