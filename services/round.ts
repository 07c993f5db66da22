import { type Aggregator, type Diagnostics, inProcessRunner, type RuleRunner, type RuleState } from '../aggregators/index.js';
import { DuplicatePushError, InvalidRequestError, LimitExceededError, ShuttingDownError, UnknownWorkerError, WrongRoundError } from './errors.js';
import type { SgdOptimizer } from './optimizer.js';
import { WORKER_NAME } from './worker-name.js';

/** Settings of the round engine. */
export interface RoundSettings {
  /** Fewest gradients a round may close with; raised to what the rule needs. 0 means just that. */
  readonly quorum: number;
  /** Time from a round's first gradient until it closes with whatever reached quorum. */
  readonly roundDeadlineMs: number;
  readonly maxWorkers: number;
}

/** What a closed round did, for metrics and logs. */
export interface ClosedRound {
  readonly round: number;
  /** Names of the workers whose gradients were aggregated, in the order the rule saw them. */
  readonly workerNames: readonly string[];
  readonly diagnostics: Diagnostics;
  readonly rule: string;
  readonly closedByDeadline: boolean;
  readonly roundSeconds: number;
  readonly aggregationSeconds: number;
  readonly learningRate: number;
  readonly updateNorm: number;
}

/** Hooks the server uses to record what the engine does; the engine itself knows no metrics or logs. */
export interface RoundObserver {
  gradientAccepted(workerName: string, round: number): void;
  roundClosed(closed: ClosedRound): void;
  /** The deadline passed with fewer gradients than the quorum: the round stays open. */
  quorumWait(round: number, received: number, quorum: number): void;
  aggregationFailed(round: number, error: unknown): void;
}

/** What a round engine is built from. */
export interface RoundEngineOptions {
  readonly settings: RoundSettings;
  readonly aggregator: Aggregator;
  readonly optimizer: SgdOptimizer;
  /** θ of the first open round. */
  readonly parameters: Float32Array;
  readonly observer: RoundObserver;
  /** The first open round: 0, or the round of the checkpoint resumed from. */
  readonly startRound?: number;
  /** Gives an accepted gradient's buffer back once the round no longer needs it. */
  readonly releaseGradient?: (gradient: Float32Array) => void;
  /** Where the rule runs; on the calling thread by default. */
  readonly runner?: RuleRunner;
}

export interface JoinResult {
  readonly workerId: number;
  readonly round: number;
}

/** One push in progress: complete it with the assembled gradient, or release it when the stream fails. */
export interface PushLease {
  readonly workerName: string;
  complete(gradient: Float32Array): number;
  release(): void;
}

interface WorkerRecord {
  readonly id: number;
  readonly name: string;
  /** Active workers are waited for; one that missed a round's deadline is not, until it calls again. */
  active: boolean;
  lastPushUnixMs: number;
}

/**
 * The synchronous round protocol (DESIGN §2), free of gRPC: collects one gradient per worker for
 * the open round r, closes r when every active worker has pushed, or at the deadline once the
 * quorum is in, then aggregates, applies the optimizer and opens r+1.
 */
export class RoundEngine {
  private currentRound: number;
  private theta: Float32Array;
  /** The θ before the last step: the next step writes into it once no pull streams it any more. */
  private spareTheta: Float32Array | undefined;
  /** Pulls streaming each θ buffer, by buffer. */
  private readonly readers = new Map<Float32Array, number>();
  private readonly workersById = new Map<number, WorkerRecord>();
  private readonly workersByName = new Map<string, WorkerRecord>();
  private received = new Map<number, Float32Array>();
  private readonly inFlight = new Set<number>();
  private openedAtMs = performance.now();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlinePassed = false;
  private quorumWaitReported = false;
  private closing: Promise<void> | undefined;
  private paused = false;
  private stopped = false;
  private readonly settings: RoundSettings;
  private aggregator: Aggregator;
  private readonly optimizer: SgdOptimizer;
  private readonly observer: RoundObserver;
  private readonly releaseGradient: (gradient: Float32Array) => void;
  private readonly runner: RuleRunner;

  constructor(options: RoundEngineOptions) {
    this.settings = options.settings;
    this.aggregator = options.aggregator;
    this.optimizer = options.optimizer;
    this.observer = options.observer;
    this.theta = options.parameters;
    this.currentRound = options.startRound ?? 0;
    this.releaseGradient = options.releaseGradient ?? (() => undefined);
    this.runner = options.runner ?? inProcessRunner;
  }

  /** The round open for pushes. */
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

  /** θ and its round, kept intact until `release` is called. */
  borrowParameters(): { readonly round: number; readonly parameters: Float32Array; release(): void } {
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

  get rule(): Aggregator {
    return this.aggregator;
  }

  /** Gradients the open round needs before its deadline may close it. */
  get quorum(): number {
    return Math.max(this.settings.quorum, this.aggregator.minInputs(), 1);
  }

  get receivedCount(): number {
    return this.received.size;
  }

  get joinedCount(): number {
    return this.workersById.size;
  }

  /** Workers the open round waits for. */
  get activeCount(): number {
    let count = 0;
    for (const worker of this.workersById.values()) if (worker.active) count++;
    return count;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Registers a worker by name, or returns the id it already has. */
  join(name: string): JoinResult {
    if (!WORKER_NAME.test(name)) {
      throw new InvalidRequestError('bad_worker_name', `worker name ${JSON.stringify(name.slice(0, 80))} must be 1–64 characters of A–Z a–z 0–9 . _ : -`);
    }
    let worker = this.workersByName.get(name);
    if (worker === undefined) {
      if (this.workersById.size >= this.settings.maxWorkers) {
        throw new LimitExceededError('too_many_workers', `${this.settings.maxWorkers} workers have joined, the configured maximum (--max-workers)`);
      }
      worker = { id: this.nextWorkerId(), name, active: false, lastPushUnixMs: 0 };
      this.workersById.set(worker.id, worker);
      this.workersByName.set(name, worker);
    }
    worker.active = true;
    return { workerId: worker.id, round: this.currentRound };
  }

  /** The worker's name; throws for an id Join never handed out. */
  workerName(workerId: number): string {
    return this.worker(workerId).name;
  }

  /** Records that a worker is alive (it pulled), so the next round waits for it again. */
  touch(workerId: number): void {
    this.worker(workerId).active = true;
  }

  /**
   * Starts a push of `workerId` for `round`: the worker must have joined, the round must be open and
   * the worker must not have pushed (or be pushing) for it already.
   */
  beginPush(workerId: number, round: number): PushLease {
    const worker = this.worker(workerId);
    this.checkOpen(round);
    if (this.received.has(workerId) || this.inFlight.has(workerId)) throw new DuplicatePushError(workerId, round);
    this.inFlight.add(workerId);
    let settled = false;
    const release = () => {
      if (!settled) this.inFlight.delete(workerId);
      settled = true;
    };
    return {
      workerName: worker.name,
      complete: (gradient) => {
        release();
        // The round may have closed while the gradient streamed in.
        this.checkOpen(round);
        this.received.set(workerId, gradient);
        worker.lastPushUnixMs = Date.now();
        worker.active = true;
        this.observer.gradientAccepted(worker.name, round);
        if (this.received.size === 1) this.armDeadline();
        this.considerClosing();
        return round;
      },
      release,
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

  /** Workers in join order, with whether each pushed for the open round. */
  workers(): { id: number; name: string; active: boolean; pushed: boolean; lastPushUnixMs: number }[] {
    return [...this.workersById.values()].map((worker) => ({
      id: worker.id,
      name: worker.name,
      active: worker.active,
      pushed: this.received.has(worker.id),
      lastPushUnixMs: worker.lastPushUnixMs,
    }));
  }

  /** Gives workers the ids they had before a restart, so their pushes keep working without a new Join. */
  adoptWorkers(workers: readonly { readonly id: number; readonly name: string }[]): void {
    for (const { id, name } of workers) {
      const worker: WorkerRecord = { id, name, active: false, lastPushUnixMs: 0 };
      this.workersById.set(id, worker);
      this.workersByName.set(name, worker);
    }
  }

  /** What a checkpoint holds of the engine: the open round, θ, optimizer and rule state (copied), workers. */
  snapshot(): {
    round: number;
    parameters: Float32Array;
    velocity: Float32Array | undefined;
    ruleState: RuleState | undefined;
    workers: { id: number; name: string }[];
  } {
    const ruleState = this.aggregator.getState();
    return {
      round: this.currentRound,
      parameters: this.theta.slice(),
      velocity: this.optimizer.getVelocity()?.slice(),
      ruleState: ruleState === undefined ? undefined : Object.fromEntries(Object.entries(ruleState).map(([key, value]) => [key, typeof value === 'number' ? value : value.slice()])),
      workers: [...this.workersById.values()].map(({ id, name }) => ({ id, name })),
    };
  }

  /** Stops the deadline timer and waits for a close in progress; the open round is abandoned. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.deadlineTimer);
    await this.closing;
    this.dropReceived();
  }

  private dropReceived(): void {
    for (const gradient of this.received.values()) this.releaseGradient(gradient);
    this.received = new Map();
  }

  private nextWorkerId(): number {
    let highest = 0;
    for (const id of this.workersById.keys()) highest = Math.max(highest, id);
    return highest + 1;
  }

  private worker(workerId: number): WorkerRecord {
    const worker = this.workersById.get(workerId);
    if (worker === undefined) throw new UnknownWorkerError(workerId);
    return worker;
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
    if (this.closing !== undefined || this.paused || this.stopped) return;
    const received = this.received.size;
    const quorum = this.quorum;
    if (received < quorum) {
      if (this.deadlinePassed && !this.quorumWaitReported) {
        this.quorumWaitReported = true;
        this.observer.quorumWait(this.currentRound, received, quorum);
      }
      return;
    }
    const everyActivePushed = [...this.workersById.values()].every((worker) => !worker.active || this.received.has(worker.id));
    if (everyActivePushed || this.deadlinePassed) {
      this.closing = this.close(!everyActivePushed).finally(() => {
        this.closing = undefined;
        // Gradients for the next round may have arrived while this one was aggregated.
        this.considerClosing();
      });
    }
  }

  private async close(closedByDeadline: boolean): Promise<void> {
    clearTimeout(this.deadlineTimer);
    const round = this.currentRound;
    const ids = [...this.received.keys()].sort((a, b) => a - b);
    const gradients = ids.map((id) => this.received.get(id)!);
    this.received = new Map();
    this.deadlinePassed = false;
    this.quorumWaitReported = false;
    // The rule may be replaced while it runs off-thread; this round is reported under the rule that ran it.
    const aggregator = this.aggregator;
    const aggregationStart = performance.now();
    let result;
    try {
      result = await this.runner.aggregate(aggregator, gradients);
    } catch (error) {
      // The round's gradients are dropped and θ is untouched; workers push round r again.
      gradients.forEach(this.releaseGradient);
      this.dropReceived();
      this.observer.aggregationFailed(round, error);
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
    const now = performance.now();
    const roundSeconds = (now - this.openedAtMs) / 1000;
    this.openedAtMs = now;
    if (closedByDeadline) this.deactivateMissing(ids);
    this.observer.roundClosed({
      round,
      workerNames: ids.map((id) => this.workersById.get(id)!.name),
      diagnostics: result.diagnostics,
      rule: aggregator.name,
      closedByDeadline,
      roundSeconds,
      aggregationSeconds,
      learningRate: step.learningRate,
      updateNorm: step.updateNorm,
    });
  }

  /** Workers that missed the deadline are not waited for until they call again. */
  private deactivateMissing(pushedIds: readonly number[]): void {
    for (const worker of this.workersById.values()) {
      if (!pushedIds.includes(worker.id)) worker.active = false;
    }
  }
}
