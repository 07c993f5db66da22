import type { ServerConfig } from '../services/config.js';
import { spawnWorker, type CliChild } from './cli-spawn.js';
import { ADMIN_TOKEN, callControl, controlClient, eventually, metricValue, scrape, startTestServer, WORKER_TOKEN, type TestServer } from './server-harness.js';

/** An attack given to every Byzantine worker of a run, as `byzps inject` would send it. */
export interface AttackSetting {
  readonly name: string;
  readonly params?: Readonly<Record<string, string>>;
}

export interface RunSetting {
  readonly rule: string;
  readonly ruleParams?: Readonly<Record<string, string>>;
  readonly attack?: AttackSetting;
  readonly rounds: number;
}

interface WorkerProcess {
  readonly name: string;
  readonly run: CliChild;
  readonly httpPort: number;
}

/**
 * n worker processes (`byzps worker`) that outlive a series of parameter servers started in the
 * test process on one port: each run starts a fresh server (θ₀, round 0) with its own rule, the
 * workers reconnect and join again, the Byzantine ones get the run's attack through the control
 * service while rounds are paused (it applies from round 1 on), and the run ends with θ after the
 * given number of rounds.
 */
export class WorkerCluster {
  private server: TestServer | undefined;

  private constructor(
    private readonly port: number,
    private readonly serverSettings: Partial<ServerConfig>,
    private readonly workers: readonly WorkerProcess[],
    readonly byzantine: readonly string[],
  ) {}

  static async start(serverSettings: Partial<ServerConfig>, workerArgs: readonly string[], honest: number, byzantine: number): Promise<WorkerCluster> {
    // A first server fixes the port every later one reuses, so the workers always find their server.
    const first = await startTestServer({ ...serverSettings, adminToken: ADMIN_TOKEN });
    const port = first.handle.grpcPort;
    const names = [...Array.from({ length: honest }, (_, i) => `honest-${i}`), ...Array.from({ length: byzantine }, (_, i) => `byz-${i}`)];
    const env = { BYZPS_WORKER_TOKEN: WORKER_TOKEN, LOG_LEVEL: 'warn' };
    // Fixed shards: whatever order the workers join in, the Byzantine ones hold the same data in every run.
    const workers = await Promise.all(
      names.map(async (name, shard) => ({ name, ...(await spawnWorker(first.address, name, ['--workers', String(names.length), '--shard', String(shard), '--reconnect-max-ms', '200', ...workerArgs], env)) })),
    );
    await first.close();
    return new WorkerCluster(port, serverSettings, workers, names.filter((name) => name.startsWith('byz-')));
  }

  /** One training run; resolves with θ after `rounds` rounds. */
  async train(setting: RunSetting): Promise<Float32Array> {
    const server = await startTestServer({ ...this.serverSettings, grpcPort: this.port, adminToken: ADMIN_TOKEN, rule: setting.rule, ruleParams: setting.ruleParams ?? {}, logLevel: 'warn' });
    this.server = server;
    server.handle.engine.pause();
    try {
      await eventually(() => server.handle.engine.workers().length === this.workers.length, 'every worker joins the new server', 30_000);
      const control = controlClient(server.address);
      const attack = setting.attack ?? { name: 'none' };
      for (const name of this.byzantine) {
        const reply = await callControl((metadata, callback) => control.injectFault({ workerName: name, fault: { kind: attack.name, params: attack.params ?? {} } }, metadata, callback), ADMIN_TOKEN);
        if (!reply.ok) throw new Error(`InjectFault failed: ${reply.details}`);
      }
      control.close();
      // The faults reach the workers with θ of round 1, the first round after the one they pushed while paused.
      server.handle.engine.resume();
      await server.handle.engine.waitForRound(setting.rounds, AbortSignal.timeout(120_000));
      server.handle.engine.pause();
      const theta = server.handle.engine.parameters.slice();
      const switched = await Promise.all(this.byzantine.map((name) => this.activeAttack(name, attack.name)));
      if (!switched.every(Boolean)) throw new Error(`the Byzantine workers did not all switch to ${attack.name}`);
      return theta;
    } finally {
      await server.close();
      this.server = undefined;
    }
  }

  private async activeAttack(name: string, attack: string): Promise<boolean> {
    const worker = this.workers.find((candidate) => candidate.name === name)!;
    return metricValue(await scrape(worker.httpPort), 'byzps_worker_active', { kind: 'attack', name: attack }) === 1;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.run.stop()));
    await this.server?.close();
  }
}
