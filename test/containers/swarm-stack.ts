import { spawn } from 'node:child_process';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../server-harness.js';
import { buildLocalPrometheusImage, LOCAL_PROMETHEUS_IMAGE, run } from './compose-project.js';
import { BASE_IMAGE, BYZPS_IMAGE, ensureByzpsImage, TEST_LABELS } from './image.js';
import { freePort } from '../../runtime/free-port.js';
import { byzpsV1, type ControlClient } from '../../proto/protocol.js';

/** What the swarm tests share: running docker, deploying deploy/stack.yml under a name, asking its Prometheus. */

/** `docker ARGS` against `host` (a DOCKER_HOST; the default engine when undefined), which must succeed; its stdout, trimmed. */
export async function docker(args: readonly string[], options: { host?: string; env?: Readonly<Record<string, string>>; timeoutMs?: number } = {}): Promise<string> {
  const env = { ...process.env, ...options.env, ...(options.host === undefined ? {} : { DOCKER_HOST: options.host }) };
  const result = await run('docker', args, options.timeoutMs ?? 120_000, env);
  const where = options.host === undefined ? '' : ` (on ${options.host})`;
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')}${where} exited with ${String(result.code)}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/**
 * Swarm tests take turns on this lock (across test files and working trees): one that leaves the
 * swarm it made would take down another's stack. Waits at most `waitS`; the lock is released when
 * the returned function is called or this process exits (flock's child `cat` ends with its stdin).
 */
export async function holdSwarmLock(waitS = 20 * 60): Promise<() => void> {
  const LOCK = '/tmp/byzps-swarm.lock';
  const holder = spawn('flock', ['-w', String(waitS), LOCK, 'sh', '-c', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => {
      resolve();
    });
    holder.once('error', reject);
    holder.once('exit', (code) => {
      reject(new Error(`could not take the swarm lock ${LOCK} within ${String(waitS)} s (flock exited with ${String(code)}): another swarm test holds it`));
    });
  });
  return () => {
    holder.stdin.end();
  };
}

/** The address `docker swarm init` advertises on one host: this host's source address towards the default route. */
export async function advertiseAddress(): Promise<string> {
  const route = await run('ip', ['-4', '-o', 'route', 'get', '192.0.2.255']);
  return /\bsrc (\S+)/.exec(route.stdout)?.[1] ?? '127.0.0.1';
}

/** The swarm state of an engine: whether it is in a swarm, whether it is a manager, its node id. */
export async function swarmState(host?: string): Promise<{ state: string; manager: boolean; nodeId: string }> {
  const [state, manager, nodeId] = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}'], { host })).split(' ');
  return { state: state ?? '', manager: manager === 'true', nodeId: nodeId ?? '' };
}

/** Whether the engine has the bridge docker_gwbridge, which `docker swarm init` or `join` makes and which outlives the swarm. */
export async function hasGatewayBridge(host?: string): Promise<boolean> {
  return (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'], { host })) !== '';
}

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** The node labels deploy/stack.yml places its services by. */
export const NODE_LABELS = { server: 'byzps.server', worker: 'byzps.worker', prometheus: 'byzps.prometheus' } as const;

/** deploy/stack.yml's shard services, in index order: shard-0 coordinates. */
export const SHARD_SERVICES = ['shard-0', 'shard-1'] as const;

/** The coordinator's control service through the gRPC port the stack publishes for it: its open round, pausing and resuming rounds. */
export class CoordinatorControl {
  private readonly client: ControlClient;

  constructor(
    port: number,
    private readonly token: string,
  ) {
    this.client = new byzpsV1.Control(`127.0.0.1:${String(port)}`, credentials.createInsecure());
  }

  private call<Reply>(method: string, invoke: (metadata: Metadata, options: { deadline: Date }, callback: (error: ServiceError | null, reply?: Reply) => void) => unknown): Promise<Reply> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.token}`);
    return new Promise((resolve, reject) => {
      invoke(metadata, { deadline: new Date(Date.now() + 10_000) }, (error, reply) => {
        if (error !== null) reject(new Error(`${method} on the coordinator failed: ${error.details || error.message}`));
        else resolve(reply!);
      });
    });
  }

  /** The coordinator's open round, the cluster's. */
  async round(): Promise<number> {
    return (await this.call<{ round: number }>('Status', (metadata, options, callback) => this.client.status({}, metadata, options, callback))).round;
  }

  /** Stops closing rounds (pushes for the open round are still taken); the open round then. */
  async pause(): Promise<number> {
    return (await this.call<{ round: number }>('Pause', (metadata, options, callback) => this.client.pause({}, metadata, options, callback))).round;
  }

  async resume(): Promise<void> {
    await this.call('Resume', (metadata, options, callback) => this.client.resume({}, metadata, options, callback));
  }

  close(): void {
    this.client.close();
  }
}

/**
 * deploy/stack.yml deployed under a unique name from this run's own tags of the images (so a test
 * run in another working tree that rebuilds byzps:local meanwhile does not change what a replaced
 * task starts), with the container tests' labels on every service, container, network and volume,
 * so .ci/run removes what a crashed run left.
 */
export class SwarmStack {
  readonly name = `byzps-stack-${String(process.pid)}-${Date.now().toString(36)}`;
  readonly image = `byzps:${this.name}`;
  readonly prometheusImage = `byzps-prometheus:${this.name}`;
  readonly psPort: Promise<number> = freePort('0.0.0.0');
  readonly prometheusPort: Promise<number> = freePort('0.0.0.0');
  private readonly overrideDirectory = mkdtempSync(join(tmpdir(), 'byzps-stack-'));
  private deployed = false;
  private readonly tagged: string[] = [];
  private adminToken = '';

  /** Builds (or finds) byzps:local and byzps-prometheus:local and tags them for this stack. */
  async prepareImages(): Promise<void> {
    await ensureByzpsImage();
    await buildLocalPrometheusImage(BASE_IMAGE);
    for (const [image, tag] of [[BYZPS_IMAGE, this.image], [LOCAL_PROMETHEUS_IMAGE, this.prometheusImage]] as const) {
      await docker(['tag', image, tag]);
      this.tagged.push(tag);
    }
  }

  /** `docker stack deploy` with `settings` as the environment it substitutes. */
  async deploy(settings: Readonly<Record<string, string>>): Promise<void> {
    const labels = TEST_LABELS;
    const services = [...SHARD_SERVICES, 'worker', 'byzantine', 'prometheus'];
    const override = join(this.overrideDirectory, 'labels.yml');
    // JSON is YAML. `docker stack deploy` takes a network's whole definition from the last file that
    // has it, so the override repeats stack.yml's (overlay, attachable) besides the labels.
    writeFileSync(
      override,
      JSON.stringify({
        version: '3.8',
        services: Object.fromEntries(services.map((service) => [service, { labels, deploy: { labels } }])),
        networks: { byzps: { driver: 'overlay', attachable: true, labels } },
        volumes: Object.fromEntries([...SHARD_SERVICES.map((shard) => `${shard}-checkpoints`), 'prometheus-data'].map((volume) => [volume, { labels }])),
      }),
    );
    const env = {
      BYZPS_IMAGE: this.image,
      PROMETHEUS_IMAGE: this.prometheusImage,
      PS_PORT: String(await this.psPort),
      PROMETHEUS_PORT: String(await this.prometheusPort),
      ...settings,
    };
    // stack.yml's default when the settings leave it out.
    this.adminToken = settings.BYZPS_ADMIN_TOKEN ?? 'byzps-admin';
    this.deployed = true;
    await docker(['stack', 'deploy', '--detach=true', '--resolve-image', 'never', '-c', 'deploy/stack.yml', '-c', override, this.name], { env, timeoutMs: 180_000 });
  }

  /** An instant query through Prometheus' HTTP API, on the port the stack publishes. */
  async query(expression: string): Promise<Sample[]> {
    const url = `http://127.0.0.1:${String(await this.prometheusPort)}/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${expression}: ${body.error ?? response.statusText}`);
    return body.data?.result ?? [];
  }

  /** `query`, with no answer (Prometheus not up yet) as no samples. */
  samples(expression: string): Promise<Sample[]> {
    return this.query(expression).catch(() => [] as Sample[]);
  }

  /** The value of `expression` for each shard, by the label shard="i" every metric of a shard carries. */
  async byShard(expression: string): Promise<Record<string, number>> {
    return Object.fromEntries((await this.samples(expression)).map((sample) => [sample.metric.shard ?? '?', Number(sample.value[1])]));
  }

  /** The coordinator's control service, on its published gRPC port, with the stack's admin token. */
  async control(): Promise<CoordinatorControl> {
    return new CoordinatorControl(await this.psPort, this.adminToken);
  }

  /** Where the stack's tasks are and the last lines its services logged, to explain a failure. */
  async state(): Promise<string> {
    const tasks = await run('docker', ['stack', 'ps', '--no-trunc', '--format', '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}', this.name]);
    const services = (await run('docker', ['stack', 'services', '--format', '{{.Name}}', this.name])).stdout.trim().split('\n').filter((name) => name !== '');
    const logs = await Promise.all(services.map(async (service) => `--- ${service}\n${(await run('docker', ['service', 'logs', '--no-trunc', '--tail', '15', service], 30_000)).stdout.trim()}`));
    return `tasks:\n${tasks.stdout.trim()}${tasks.stderr.trim()}\n${logs.join('\n')}`;
  }

  /** Waits, bounded, until `condition` holds; on timeout says what it waited for and where the stack's tasks are. */
  async waitFor(condition: () => Promise<boolean>, what: string, limitMs: number, detail: () => string = () => ''): Promise<void> {
    await eventually(condition, what, limitMs, 2000).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message} (waited ${String(limitMs / 1000)} s) ${detail()}\n${await this.state()}`, { cause: error });
    });
  }

  /** The id of the running container of one of the stack's services on `host`'s engine. */
  container(service: string, host?: string): Promise<string> {
    return docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${this.name}_${service}`], { host });
  }

  /** The stack's services, containers and networks still present on the engines at `hosts`. */
  async leftovers(hosts: readonly (string | undefined)[]): Promise<string[]> {
    const filter = `label=com.docker.stack.namespace=${this.name}`;
    const found: string[] = [];
    const services = await docker(['service', 'ls', '-q', '--filter', filter]).catch(() => '');
    found.push(...services.split('\n').filter((id) => id !== '').map((id) => `service ${id}`));
    for (const host of hosts) {
      const where = host === undefined ? '' : ` on ${host}`;
      const [containers, networks] = await Promise.all([docker(['ps', '-aq', '--filter', filter], { host }), docker(['network', 'ls', '-q', '--filter', filter], { host })]);
      found.push(...containers.split('\n').filter((id) => id !== '').map((id) => `container ${id}${where}`));
      found.push(...networks.split('\n').filter((id) => id !== '').map((id) => `network ${id}${where}`));
    }
    return found;
  }

  /**
   * `docker stack rm`, then waits until the stack's services, containers and networks are gone from
   * the engines at `hosts`, removes its volumes there and this stack's image tags. Collects problems
   * instead of stopping at the first, so the caller can go on undoing the swarm.
   */
  async remove(hosts: readonly (string | undefined)[] = [undefined]): Promise<string[]> {
    const problems: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      await action().catch((error: unknown) => problems.push(`${what}: ${(error as Error).message}`));
    };
    if (this.deployed) {
      await attempt('docker stack rm', () => docker(['stack', 'rm', this.name]));
      let left: string[] = [];
      await attempt('waiting for the stack to go', () =>
        eventually(async () => (left = await this.leftovers(hosts)).length === 0, `the stack ${this.name}'s services, containers and networks are gone`, 120_000, 1000).catch((error: unknown) => {
          throw new Error(`${(error as Error).message}; left: ${left.join(', ')}`, { cause: error });
        }),
      );
      for (const host of hosts) {
        const volumes = await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${this.name}`], { host }).catch(() => '');
        for (const volume of volumes.split('\n').filter((name) => name !== '')) await attempt(`docker volume rm ${volume}`, () => docker(['volume', 'rm', volume], { host }));
      }
    }
    for (const tag of this.tagged) await attempt(`docker rmi ${tag}`, () => docker(['rmi', tag]));
    rmSync(this.overrideDirectory, { recursive: true, force: true });
    return problems;
  }
}

/** How often the small stack's shards write checkpoints. */
export const CHECKPOINT_EVERY_ROUNDS = 10;

/** The settings of the small stack the swarm tests deploy: synthetic task, trimmed mean with f = number of Byzantine replicas. */
export function smallStackSettings(honest: number, byzantine: number): Record<string, string> {
  return {
    WORKER_REPLICAS: String(honest),
    BYZANTINE_REPLICAS: String(byzantine),
    BYZPS_TASK: 'synthetic',
    // More than 4,096·(S − 1) coordinates, so each of the two shards owns a range.
    BYZPS_DIMENSION: '10000',
    BYZPS_CHECKPOINT_EVERY_ROUNDS: String(CHECKPOINT_EVERY_ROUNDS),
    BYZPS_RULE: 'trimmed-mean',
    BYZPS_F: String(byzantine),
    BYZPS_EVAL_EVERY_ROUNDS: '0',
    BYZPS_LEARNING_RATE: '0.05',
    BYZPS_MOMENTUM: '0',
    BYZPS_ROUND_DEADLINE_MS: '3000',
    BYZPS_ADMIN_TOKEN: `admin-${String(process.pid)}-${Date.now().toString(36)}`,
    LOG_LEVEL: 'warn',
  };
}

/**
 * Pauses the coordinator's rounds and waits until Prometheus shows every shard at the coordinator's
 * open round (a shard never gets more than one round ahead of another, and once no round is being
 * closed they are at the same one); resumes the rounds whatever happened. Returns that round.
 */
export async function expectShardsInStep(stack: SwarmStack, control: CoordinatorControl): Promise<number> {
  let open = await control.pause();
  let rounds: Record<string, number> = {};
  try {
    await stack.waitFor(
      async () => {
        open = await control.round();
        rounds = await stack.byShard('byzps_round');
        return SHARD_SERVICES.every((_, i) => rounds[String(i)] === open);
      },
      `with rounds paused, Prometheus has byzps_round of every shard at the coordinator's open round`,
      60_000,
      () => `coordinator's open round ${String(open)}; byzps_round by shard: ${JSON.stringify(rounds)}`,
    );
  } finally {
    await control.resume();
  }
  return open;
}

/**
 * What a training stack shows through Prometheus: every target up (found through tasks.SERVICE,
 * one per shard), `byzps_rounds_total` ≥ `rounds` on every shard, every shard at the same round,
 * accepted pushes on the coordinator from every replica with the Byzantine one among them running
 * its attack, and the Byzantine one with the lowest kept share (the coordinator's diagnostics) under
 * trimmed mean over a minute. Returns a line for the log.
 */
export async function expectTrainingWithAttacker(stack: SwarmStack, honest: number, byzantine: number, rounds: number): Promise<string> {
  const expected: Record<string, number> = { ps: SHARD_SERVICES.length, worker: honest, byzantine };
  let up: Record<string, number> = {};
  const start = Date.now();
  await stack.waitFor(
    async () => {
      up = {};
      for (const sample of await stack.samples('up == 1')) up[sample.metric.job ?? ''] = (up[sample.metric.job ?? ''] ?? 0) + 1;
      return Object.entries(expected).every(([job, count]) => up[job] === count);
    },
    `Prometheus (published on port ${String(await stack.prometheusPort)}) has every target up: ${JSON.stringify(expected)}`,
    300_000,
    () => `targets up by job: ${JSON.stringify(up)}`,
  );
  const targetsUp = (Date.now() - start) / 1000;
  let closed: Record<string, number> = {};
  await stack.waitFor(
    async () => {
      closed = await stack.byShard('byzps_rounds_total{job="ps"}');
      return SHARD_SERVICES.every((_, i) => (closed[String(i)] ?? 0) >= rounds);
    },
    `byzps_rounds_total{job="ps"} of every shard reaches ${String(rounds)} in Prometheus`,
    180_000,
    () => `by shard: ${JSON.stringify(closed)}`,
  );
  const control = await stack.control();
  let inStep: number;
  try {
    inStep = await expectShardsInStep(stack, control);
  } finally {
    control.close();
  }
  // The coordinator counted a push from each replica, named by its slot.
  const attacker = `${stack.name}_byzantine-1`;
  let pushed: string[] = [];
  await stack.waitFor(
    async () => {
      pushed = (await stack.samples('byzps_worker_last_push_timestamp_seconds{shard="0"}')).map((sample) => sample.metric.worker ?? '');
      return pushed.length === honest + byzantine && pushed.includes(attacker);
    },
    `the coordinator has accepted pushes from ${String(honest + byzantine)} workers, ${attacker} among them`,
    60_000,
    () => `workers with an accepted push: ${pushed.join(', ')}`,
  );
  const attacks = (await stack.samples('byzps_worker_active{job="byzantine",kind="attack"}')).map((sample) => sample.metric.name);
  if (attacks.length !== byzantine || attacks.some((name) => name !== 'sign-flip')) throw new Error(`the Byzantine replicas' attacks in force: ${JSON.stringify(attacks)}, not sign-flip on each`);
  let kept: Sample[] = [];
  await stack.waitFor(
    async () => {
      kept = await stack.samples('sort(avg_over_time(byzps_worker_influence{shard="0",quantity="keptShare"}[1m]))');
      return kept.length === honest + byzantine && kept[0]?.metric.worker === attacker;
    },
    `${attacker} has the lowest kept share under trimmed mean`,
    90_000,
    () => `kept share: ${kept.map((sample) => `${String(sample.metric.worker)}=${sample.value[1]}`).join(', ')}`,
  );
  const shares = kept.map((sample) => `${String(sample.metric.worker)}=${Number(sample.value[1]).toFixed(3)}`).join(', ');
  return `targets up after ${targetsUp.toFixed(1)} s; rounds closed by shard ${JSON.stringify(closed)}; every shard at round ${String(inStep)} while paused; kept share over a minute: ${shares}`;
}
