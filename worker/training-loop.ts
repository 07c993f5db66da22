import { status } from '@grpc/grpc-js';
import { SeededRandom } from '../aggregators/index.js';
import { MAX_CHUNK_BYTES } from '../proto/tensor-chunks.js';
import type { GradientEncoding } from '../proto/tensor-encoding.js';
import type { Logger } from '../runtime/logger.js';
import type { WorkerMetrics } from '../runtime/metrics.js';
import { deriveSeed } from '../tasks/seeds.js';
import type { Batch } from '../tasks/task.js';
import { Backoff, sleep } from './backoff.js';
import type { Behaviour } from './behaviour.js';
import { type JoinInfo, type PulledModel, RpcError } from './client.js';
import type { ServerConnection as ParameterServerConnection } from './cluster-connection.js';
import type { Instruction } from './faults.js';
import type { GradientSource } from './gradient-source.js';
import { gradientChunks, type PayloadFault } from './payload.js';

/** Join refusals that retrying cannot fix: the worker stops with the server's message. */
const FATAL_JOIN_CODES: ReadonlySet<status> = new Set([status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.INVALID_ARGUMENT]);
/** Push failures after which the session is gone (server down, restarted, or it forgot this worker). */
const SESSION_LOST_CODES: ReadonlySet<status> = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.NOT_FOUND, status.CANCELLED, status.UNKNOWN, status.INTERNAL]);

export interface TrainingLoopOptions {
  readonly name: string;
  /** Opens a new channel to the server (one per session, so a reconnect is a real one). */
  readonly connect: () => ParameterServerConnection;
  /** The gradient source for the task the server announced at Join; throws when this worker cannot train it. */
  readonly prepare: (join: JoinInfo) => GradientSource<Batch>;
  readonly behaviour: Behaviour;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly backoff: Backoff;
  /** How pushed gradients travel. */
  readonly gradientEncoding: GradientEncoding;
  /** Stop after this many pushes; 0 runs until stop(). */
  readonly maxSteps: number;
  /** Ends the process for the crash fault. */
  readonly exit: (code: number) => void;
}

interface Session {
  readonly connection: ParameterServerConnection;
  readonly join: JoinInfo;
  readonly source: GradientSource<Batch>;
}

/** How a session ended when nothing failed. */
type SessionEnd = { readonly kind: 'stopped' } | { readonly kind: 'disconnect'; readonly downMs: number };

/**
 * The worker's life: join, then Pull θ_r → gradient on its shard → attack → Push, round after
 * round, each Pull a long poll for the round after the one it pushed for (docs/PROTOCOL.md); the
 * server answers with an earlier round when it lacks this worker's gradient for it (after its own
 * restart, say), and the worker computes for that round: it resyncs without a failed call. On a
 * lost server it reconnects with backoff and joins again under the same name. Instructions
 * arriving with a Pull change what it does from that round on.
 */
export class TrainingLoop {
  private readonly abort = new AbortController();
  private steps = 0;
  private joinedBefore = false;
  private connection: ParameterServerConnection | undefined;

  constructor(private readonly options: TrainingLoopOptions) {
    this.showActive();
  }

  get stepsDone(): number {
    return this.steps;
  }

  /** Ends the loop now: waits end, calls in flight are cancelled; resolves run()'s promise. */
  stop(): void {
    this.abort.abort();
    this.connection?.cancel();
  }

  private isStopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Runs until stop(), maxSteps pushes, a crash fault, or a refusal no retry can fix (thrown). */
  async run(): Promise<void> {
    const { log, metrics } = this.options;
    while (!this.isStopped()) {
      const session = await this.joinWithBackoff();
      if (session === undefined) return;
      let end: SessionEnd;
      try {
        end = await this.train(session);
      } catch (error) {
        // stop() cancels the calls in flight; their CANCELLED is no lost session.
        if (this.isStopped()) return;
        if (!(error instanceof RpcError)) throw error;
        log.warn({ code: status[error.code], details: error.details }, 'lost the session with the server; joining again');
        const delay = this.options.backoff.next();
        end = { kind: 'disconnect', downMs: delay };
      } finally {
        session.connection.close();
      }
      if (end.kind === 'stopped') return;
      metrics.reconnects.inc();
      await sleep(end.downMs, this.abort.signal);
    }
  }

  private async joinWithBackoff(): Promise<Session | undefined> {
    const { name, log, backoff } = this.options;
    while (!this.isStopped()) {
      const connection = this.options.connect();
      this.connection = connection;
      try {
        const join = await connection.join(name);
        const source = this.options.prepare(join);
        backoff.reset();
        log.info({ workerId: join.workerId, task: join.task, dimension: join.dimension, round: join.round, rejoin: this.joinedBefore }, 'joined the parameter server');
        this.joinedBefore = true;
        return { connection, join, source };
      } catch (error) {
        connection.close();
        if (!(error instanceof RpcError) || FATAL_JOIN_CODES.has(error.code)) throw error;
        const delay = backoff.next();
        log.warn({ code: status[error.code], details: error.details, retryInMs: Math.round(delay) }, 'could not join the parameter server; retrying');
        await sleep(delay, this.abort.signal);
      }
    }
    return undefined;
  }

  /** Trains on one session until it is stopped or told to disconnect; a lost server surfaces as an RpcError. */
  private async train(session: Session): Promise<SessionEnd> {
    const { behaviour, metrics, log } = this.options;
    const { connection, join, source } = session;
    // A fresh session may be a restarted server that lost this worker's last push: start from its open round.
    let wantedRound = join.round;
    while (!this.isStopped()) {
      const pulled = await this.pullRound(connection, join, wantedRound);
      if (pulled === undefined) continue;
      this.follow(pulled.instructions);
      if (pulled.round < wantedRound) log.info({ round: pulled.round, wanted: wantedRound }, 'resynced: the server has no gradient of this worker for its open round');
      wantedRound = pulled.round + 1;
      if (await this.crashOrHangDue()) return { kind: 'stopped' };
      const step = source.step(pulled.theta, pulled.round, behaviour.attack);
      metrics.round.set(pulled.round);
      metrics.loss.set(step.loss);
      await this.pushStep(connection, join, pulled.round, step.gradient);
      this.steps++;
      metrics.steps.inc();
      log.debug({ round: pulled.round, loss: step.loss, attack: behaviour.attack?.name }, 'step done');
      behaviour.stepDone();
      this.showActive();
      if (this.options.maxSteps > 0 && this.steps >= this.options.maxSteps) {
        log.info({ steps: this.steps }, 'reached --max-steps; stopping');
        this.stop();
        break;
      }
      const disconnect = behaviour.fault('disconnect');
      if (disconnect !== undefined) {
        behaviour.remove('disconnect');
        this.showActive();
        log.warn({ downMs: disconnect.downMs }, 'disconnect fault: dropping the connection');
        return { kind: 'disconnect', downMs: disconnect.downMs };
      }
    }
    return { kind: 'stopped' };
  }

  /** One long poll; undefined when the server's wait ended before the round opened, so the caller asks again. */
  private async pullRound(connection: ParameterServerConnection, join: JoinInfo, wantedRound: number): Promise<PulledModel | undefined> {
    try {
      return await connection.pull(join.workerId, wantedRound, join.pullWaitMs);
    } catch (error) {
      if (error instanceof RpcError && error.code === status.DEADLINE_EXCEEDED && !this.isStopped()) {
        this.options.log.debug({ round: wantedRound }, 'round not open yet; pulling again');
        return undefined;
      }
      throw error;
    }
  }

  /** Applies instructions from the control service; a bad one is logged and ignored so the operator can retry. */
  private follow(instructions: readonly Instruction[]): void {
    if (instructions.length === 0) return;
    for (const instruction of instructions) {
      try {
        this.options.behaviour.apply(instruction);
        this.options.log.info({ instruction: instruction.kind, params: instruction.params }, 'instruction applied');
      } catch (error) {
        this.options.log.error({ instruction: instruction.kind, params: instruction.params, err: (error as Error).message }, 'instruction refused');
      }
    }
    this.showActive();
  }

  /** The crash and hang faults, when their step has come; a hang lasts until stop(). Returns true when the loop must end. */
  private async crashOrHangDue(): Promise<boolean> {
    const { behaviour, log } = this.options;
    const crash = behaviour.fault('crash');
    if (crash !== undefined && crash.afterSteps === 0) {
      log.fatal({ exitCode: crash.exitCode, steps: this.steps }, 'crash fault: exiting');
      this.options.exit(crash.exitCode);
      this.stop();
      return true;
    }
    const hang = behaviour.fault('hang');
    if (hang !== undefined && hang.afterSteps === 0) {
      log.warn({ steps: this.steps }, 'hang fault: no more pulls or pushes, connection kept open');
      await new Promise((resolve) => { this.abort.signal.addEventListener('abort', resolve, { once: true }); });
      return true;
    }
    return false;
  }

  private async pushStep(connection: ParameterServerConnection, join: JoinInfo, round: number, gradient: Float32Array): Promise<void> {
    const { behaviour, metrics, log } = this.options;
    const delay = behaviour.fault('delay');
    if (delay !== undefined) await sleep(delay.ms, this.abort.signal);
    if (this.isStopped()) return;
    const drop = behaviour.fault('drop-push');
    if (drop !== undefined && SeededRandom.fromSeed(deriveSeed(drop.seed, round)).next() < drop.probability) {
      metrics.pushesSkipped.inc();
      log.debug({ round }, 'drop-push fault: not pushing this round');
      return;
    }
    const payloadFault: PayloadFault | undefined = behaviour.fault('nan-payload') ?? behaviour.fault('truncated-payload') ?? behaviour.fault('wrong-length') ?? behaviour.fault('stale-round');
    // Never above the protocol's 1 MiB, whatever the server would take; a server that does not say gets 1 MiB.
    const chunkBytes = join.maxChunkBytes > 0 ? Math.min(join.maxChunkBytes, MAX_CHUNK_BYTES) : MAX_CHUNK_BYTES;
    const chunks = gradientChunks({ workerId: join.workerId, round, gradient, chunkBytes, encoding: this.options.gradientEncoding, fault: payloadFault });
    const copies = behaviour.fault('duplicate-push') === undefined ? 1 : 2;
    for (let copy = 0; copy < copies; copy++) await this.push(connection, round, chunks);
  }

  /** One push, timed and counted; refusals are logged and the loop goes on, a lost session is rethrown. */
  private async push(connection: ParameterServerConnection, round: number, chunks: Parameters<ParameterServerConnection['push']>[0]): Promise<void> {
    const { metrics, log } = this.options;
    const stopTimer = metrics.pushDuration.startTimer();
    try {
      await connection.push(chunks);
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      metrics.pushFailures.inc({ code: status[error.code] });
      if (SESSION_LOST_CODES.has(error.code)) throw error;
      log.warn({ round, code: status[error.code], details: error.details }, 'push refused');
    } finally {
      stopTimer();
    }
  }

  /** One gauge series per active attack or fault; an honest worker shows attack="none". */
  private showActive(): void {
    const { metrics, behaviour } = this.options;
    metrics.active.reset();
    const items = behaviour.active();
    if (behaviour.attack === undefined) metrics.active.set({ kind: 'attack', name: 'none' }, 1);
    for (const item of items) metrics.active.set({ kind: item.kind, name: item.name }, 1);
  }
}
