import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { metricValue, scrapeMetrics } from '../prometheus-text.js';
import { ByzpsChild, describeExit, type ChildExit } from './child.js';
import type { WorkerPlan } from './plan.js';

/** How long a `byzps` process may take to print where it listens, on a loaded machine. */
const READY_LIMIT_MS = 60_000;
/** Workers stop within a call; the server also writes its last checkpoint. */
const WORKER_STOP_GRACE_MS = 5_000;
const SERVER_STOP_GRACE_MS = 15_000;
/** How often the start of a worker checks whether it has joined. */
const JOIN_POLL_MS = 25;

const SERVER_LINE = /^byzps ps: gRPC on (\S+), metrics on (\S+)$/;
const WORKER_LINE = /^byzps worker: .* metrics on (\S+)$/;

/** A started process and where it serves /metrics. */
export interface Started {
  readonly child: ByzpsChild;
  readonly metricsUrl: string;
}

/** A started worker. */
export interface StartedWorker extends Started {
  readonly byzantine: boolean;
}

/**
 * Starts the run's processes and stops them in order: workers first, so none is cut off in the
 * middle of a push to a server that is going away, then the server, which writes its checkpoint.
 * It reports a child that ends without having been asked to.
 */
export class Supervisor {
  private readonly serverChildren: ByzpsChild[] = [];
  private readonly workerChildren: ByzpsChild[] = [];

  /**
   * @param env the children's environment (tokens included, never their command lines).
   * @param onUnexpectedExit called once for each child that ends before it was asked to stop.
   * @param entry the byzps entry point the children run (by default this process's own).
   */
  constructor(
    private readonly logDir: string,
    private readonly env: Readonly<Record<string, string>>,
    private readonly onUnexpectedExit: (child: ByzpsChild, exit: ChildExit) => void,
    private readonly entry?: string,
  ) {}

  /** Starts `byzps ps` and waits until it says where it listens. */
  async startServer(args: readonly string[], name = 'server'): Promise<Started & { grpcAddress: string }> {
    const child = this.spawn(name, args);
    this.serverChildren.push(child);
    const [, grpcAddress, metricsUrl] = await child.waitForStderrLine(SERVER_LINE, READY_LIMIT_MS);
    return { child, grpcAddress: grpcAddress!, metricsUrl: metricsUrl! };
  }

  /** Starts the shards of a sharded server at once (`shard-0`, …) and waits until each says where it listens. */
  async startShards(argsPerShard: readonly (readonly string[])[]): Promise<(Started & { grpcAddress: string })[]> {
    return Promise.all(argsPerShard.map((args, index) => this.startServer(args, `shard-${index}`)));
  }

  /**
   * Starts the workers in plan order, each once the one before has joined the server whose /metrics
   * is `serverMetricsUrl` (shard 0's, which hands out the ids rows are ordered by). Worker ids follow
   * the plan, so a run with the same settings aggregates the same rows in the same order every time.
   */
  async startWorkers(plans: readonly WorkerPlan[], serverMetricsUrl: string): Promise<StartedWorker[]> {
    const started: StartedWorker[] = [];
    for (const [i, plan] of plans.entries()) {
      const child = this.spawn(plan.name, plan.args);
      this.workerChildren.push(child);
      const [, metricsUrl] = await child.waitForStderrLine(WORKER_LINE, READY_LIMIT_MS);
      started.push({ child, metricsUrl: metricsUrl!, byzantine: plan.byzantine });
      await this.joined(serverMetricsUrl, i + 1, child);
    }
    return started;
  }

  /** Waits until the server counts `count` joined workers, `last` being the newest. */
  private async joined(serverMetricsUrl: string, count: number, last: ByzpsChild): Promise<void> {
    const deadline = Date.now() + READY_LIMIT_MS;
    for (;;) {
      const samples = await scrapeMetrics(serverMetricsUrl).catch(() => undefined);
      if (samples !== undefined && metricValue(samples, 'byzps_workers_joined') >= count) return;
      if (last.hasEnded()) throw new Error(`${last.name} exited before it joined`);
      if (!this.serverRunning()) throw new Error('the server exited while the workers were joining');
      if (Date.now() > deadline) throw new Error(`the server counted fewer than ${count} joined workers after ${READY_LIMIT_MS / 1000} s`);
      await sleep(JOIN_POLL_MS);
    }
  }

  /** Whether the server process (every shard of a sharded one) is still running. */
  serverRunning(): boolean {
    return this.serverChildren.length > 0 && this.serverChildren.every((child) => !child.hasEnded());
  }

  /** Workers still running. */
  runningWorkers(): number {
    return this.workerChildren.filter((child) => !child.hasEnded()).length;
  }

  /** Stops the workers, then the server; resolves once every child has ended. */
  async stop(): Promise<void> {
    await Promise.all(this.workerChildren.map((child) => child.stop(WORKER_STOP_GRACE_MS)));
    await Promise.all(this.serverChildren.map((child) => child.stop(SERVER_STOP_GRACE_MS)));
  }

  /** Ends every child at once. */
  kill(): void {
    for (const child of [...this.workerChildren, ...this.serverChildren]) child.kill();
  }

  private spawn(name: string, args: readonly string[]): ByzpsChild {
    const child = new ByzpsChild(name, args, this.env, join(this.logDir, `${name}.log`), this.entry);
    void child.exited.then((exit) => {
      if (!child.stopping) this.onUnexpectedExit(child, exit);
    });
    return child;
  }
}

/** `worker-3 exited unexpectedly (code 1): <its last stderr lines>`. */
export function describeUnexpectedExit(child: ByzpsChild, exit: ChildExit): string {
  const tail = child.lastStderrLines().slice(-3);
  return `${child.name} (pid ${child.pid}) exited unexpectedly with ${describeExit(exit)}${tail.length === 0 ? '' : `; last stderr: ${tail.join(' | ')}`}`;
}
