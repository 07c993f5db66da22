import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../server-harness.js';
import { buildLocalPrometheusImage, LOCAL_PROMETHEUS_IMAGE } from './compose-project.js';
import { BASE_IMAGE, BYZPS_IMAGE, ensureByzpsImage, PREPARE_LIMIT_MS, TEST_LABELS } from './image.js';

/**
 * deploy/stack.yml deployed for real with `docker stack deploy` on a single-node swarm of the engine
 * the container tests start: the parameter server, three honest workers, one sign-flipping worker
 * and Prometheus on an overlay network, placed by the node labels the README documents.
 */

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const STACK = `byzps-stack-${String(process.pid)}-${Date.now().toString(36)}`;
const HONEST_WORKERS = 3;
const BYZANTINE_WORKERS = 1;
const ROUNDS = 10;
/** The node labels stack.yml places its services by. */
const NODE_LABELS = ['byzps.server', 'byzps.worker', 'byzps.prometheus'];
// Tags of this run's own, so a test run in another working tree that rebuilds byzps:local while
// this stack runs does not change what a replaced task starts from.
const STACK_IMAGE = `byzps:${STACK}`;
const STACK_PROMETHEUS_IMAGE = `byzps-prometheus:${STACK}`;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`) without blocking the event loop. */
function run(command: string, args: readonly string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** `docker ARGS`, which must succeed; its stdout, trimmed. */
async function docker(args: readonly string[], timeoutMs = 120_000, env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await run('docker', args, timeoutMs, env);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited with ${String(result.code)}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** A TCP port nothing listens on now, for the stack's published ports. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

/** The address `docker swarm init` advertises: this host's source address towards the default route. */
async function advertiseAddress(): Promise<string> {
  const route = await run('ip', ['-4', '-o', 'route', 'get', '192.0.2.255']);
  const source = /\bsrc (\S+)/.exec(route.stdout)?.[1];
  return source ?? '127.0.0.1';
}

/** What this test changed in the engine, to undo exactly that. */
const changed = { madeSwarm: false, madeGatewayBridge: false, node: '', labelsAdded: [] as string[], deployed: false, tagged: [] as string[] };
const overrideDirectory = mkdtempSync(join(tmpdir(), 'byzps-stack-'));
let prometheusPort = 0;
let psPort = 0;

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An instant query through Prometheus' HTTP API, on the port the stack publishes. */
async function query(expression: string): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${String(prometheusPort)}/api/v1/query?${new URLSearchParams({ query: expression }).toString()}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expression}: ${body.error ?? response.statusText}`);
  return body.data?.result ?? [];
}

/** `query`, with no answer (Prometheus not up yet, its port not yet routed) as no samples. */
const samples = (expression: string) => query(expression).catch(() => [] as Sample[]);

/** Where the stack's tasks are and the last lines its services logged, to explain a failure. */
async function stackState(): Promise<string> {
  const tasks = await run('docker', ['stack', 'ps', '--no-trunc', '--format', '{{.Name}} {{.Node}} {{.CurrentState}} {{.Error}}', STACK]);
  const services = (await run('docker', ['stack', 'services', '--format', '{{.Name}}', STACK])).stdout.trim().split('\n').filter((name) => name !== '');
  const logs = await Promise.all(services.map(async (service) => `--- ${service}\n${(await run('docker', ['service', 'logs', '--no-trunc', '--tail', '15', service], 30_000)).stdout.trim()}`));
  return `tasks:\n${tasks.stdout.trim()}${tasks.stderr.trim()}\n${logs.join('\n')}`;
}

/** Waits, bounded, until `condition` holds; on timeout says what it waited for and where the stack's tasks are. */
async function waitFor(condition: () => Promise<boolean>, what: string, limitMs: number, detail: () => string = () => ''): Promise<void> {
  await eventually(condition, what, limitMs, 2000).catch(async (error: unknown) => {
    throw new Error(`${(error as Error).message} (waited ${String(limitMs / 1000)} s) ${detail()}\n${await stackState()}`, { cause: error });
  });
}

/** The swarm state of the engine: whether it is in a swarm and whether this node is a manager. */
async function swarmState(): Promise<{ state: string; manager: boolean }> {
  const [state, manager] = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])).split(' ');
  return { state: state ?? '', manager: manager === 'true' };
}

/** Resources of the stack still present: services, containers and networks. */
async function stackLeftovers(): Promise<string[]> {
  const filter = `label=com.docker.stack.namespace=${STACK}`;
  const [services, containers, networks] = await Promise.all([
    docker(['service', 'ls', '-q', '--filter', filter]),
    docker(['ps', '-aq', '--filter', filter]),
    docker(['network', 'ls', '-q', '--filter', filter]),
  ]);
  return [...services.split('\n').map((id) => `service ${id}`), ...containers.split('\n').map((id) => `container ${id}`), ...networks.split('\n').map((id) => `network ${id}`)].filter((entry) => !entry.endsWith(' '));
}

beforeAll(async () => {
  await ensureByzpsImage();
  await buildLocalPrometheusImage(BASE_IMAGE);
  for (const [image, tag] of [[BYZPS_IMAGE, STACK_IMAGE], [LOCAL_PROMETHEUS_IMAGE, STACK_PROMETHEUS_IMAGE]] as const) {
    await docker(['tag', image, tag]);
    changed.tagged.push(tag);
  }

  const before = await swarmState();
  if (before.state === 'inactive') {
    // `docker swarm init` makes the bridge docker_gwbridge, which outlives the swarm.
    changed.madeGatewayBridge = (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])) === '';
    await docker(['swarm', 'init', '--advertise-addr', await advertiseAddress()]);
    changed.madeSwarm = true;
  } else if (before.state !== 'active' || !before.manager) {
    throw new Error(`the engine is in swarm state "${before.state}"${before.manager ? '' : ', not a manager'}: docker stack deploy needs a swarm manager`);
  }
  // `docker node inspect` knows the name `self`, `docker node update` only the node's id.
  changed.node = await docker(['info', '--format', '{{.Swarm.NodeID}}']);
  const labels = JSON.parse(await docker(['node', 'inspect', changed.node, '--format', '{{json .Spec.Labels}}'])) as Record<string, string> | null;
  const missing = NODE_LABELS.filter((label) => labels?.[label] !== 'true');
  if (missing.length > 0) {
    await docker(['node', 'update', ...missing.flatMap((label) => ['--label-add', `${label}=true`]), changed.node]);
    changed.labelsAdded.push(...missing);
  }

  [psPort, prometheusPort] = [await freePort(), await freePort()];
  // The container tests' labels on every service, container, network and volume of the stack, so
  // .ci/run removes what a crashed run left; JSON is YAML.
  const services = ['ps', 'worker', 'byzantine', 'prometheus'];
  writeFileSync(
    join(overrideDirectory, 'labels.yml'),
    JSON.stringify({
      version: '3.8',
      services: Object.fromEntries(services.map((service) => [service, { labels: TEST_LABELS, deploy: { labels: TEST_LABELS } }])),
      networks: { byzps: { labels: TEST_LABELS } },
      volumes: { checkpoints: { labels: TEST_LABELS }, 'prometheus-data': { labels: TEST_LABELS } },
    }),
  );
  const settings = {
    BYZPS_IMAGE: STACK_IMAGE,
    PROMETHEUS_IMAGE: STACK_PROMETHEUS_IMAGE,
    PS_PORT: String(psPort),
    PROMETHEUS_PORT: String(prometheusPort),
    WORKER_REPLICAS: String(HONEST_WORKERS),
    BYZANTINE_REPLICAS: String(BYZANTINE_WORKERS),
    BYZPS_TASK: 'synthetic',
    BYZPS_RULE: 'trimmed-mean',
    BYZPS_F: String(BYZANTINE_WORKERS),
    BYZPS_EVAL_EVERY_ROUNDS: '0',
    BYZPS_LEARNING_RATE: '0.05',
    BYZPS_MOMENTUM: '0',
    BYZPS_ROUND_DEADLINE_MS: '3000',
    BYZPS_ADMIN_TOKEN: randomBytes(12).toString('hex'),
    LOG_LEVEL: 'warn',
  };
  changed.deployed = true;
  await docker(
    ['stack', 'deploy', '--detach=true', '--resolve-image', 'never', '-c', 'deploy/stack.yml', '-c', join(overrideDirectory, 'labels.yml'), STACK],
    180_000,
    { ...process.env, ...settings },
  );
}, PREPARE_LIMIT_MS + 20 * 60_000);

afterAll(async () => {
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    await action().catch((error: unknown) => problems.push(`${what}: ${(error as Error).message}`));
  };
  if (changed.deployed) {
    await attempt('docker stack rm', () => docker(['stack', 'rm', STACK]));
    let left: string[] = [];
    await attempt('waiting for the stack to go', () =>
      eventually(async () => (left = await stackLeftovers()).length === 0, `the stack ${STACK}'s services, containers and networks are gone`, 120_000, 1000).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; left: ${left.join(', ')}`, { cause: error });
      }),
    );
    const volumes = await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${STACK}`]).catch(() => '');
    for (const volume of volumes.split('\n').filter((name) => name !== '')) await attempt(`docker volume rm ${volume}`, () => docker(['volume', 'rm', volume]));
  }
  if (changed.madeSwarm) {
    await attempt('docker swarm leave', () => docker(['swarm', 'leave', '--force']));
    if (changed.madeGatewayBridge) await attempt('docker network rm docker_gwbridge', () => docker(['network', 'rm', 'docker_gwbridge']));
  }
  else if (changed.labelsAdded.length > 0) await attempt('removing the node labels', () => docker(['node', 'update', ...changed.labelsAdded.flatMap((label) => ['--label-rm', label]), changed.node]));
  for (const tag of changed.tagged) await attempt(`docker rmi ${tag}`, () => docker(['rmi', tag]));
  rmSync(overrideDirectory, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`cleaning up after the stack test: ${problems.join('; ')}`);
}, 5 * 60_000);

describe('deploy/stack.yml on a single-node Docker swarm', () => {
  it('Prometheus scrapes ps and every replica, found through tasks.SERVICE on the overlay network', async () => {
    const expected = { ps: 1, worker: HONEST_WORKERS, byzantine: BYZANTINE_WORKERS };
    let up: Record<string, number> = {};
    const start = Date.now();
    await waitFor(
      async () => {
        up = {};
        for (const sample of await samples('up == 1')) up[sample.metric.job ?? ''] = (up[sample.metric.job ?? ''] ?? 0) + 1;
        return Object.entries(expected).every(([job, count]) => up[job] === count);
      },
      `Prometheus (published on port ${String(prometheusPort)}) has every target up: ${JSON.stringify(expected)}`,
      300_000,
      () => `targets up by job: ${JSON.stringify(up)}`,
    );
    console.log(`every target up after ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }, 330_000);

  it(`closes rounds (byzps_rounds_total ≥ ${String(ROUNDS)} through Prometheus) with the Byzantine worker's pushes accepted and trimmed away`, async () => {
    let rounds = 0;
    await waitFor(
      async () => (rounds = Number((await samples('byzps_rounds_total{job="ps"}'))[0]?.value[1] ?? 0)) >= ROUNDS,
      `byzps_rounds_total{job="ps"} reaches ${String(ROUNDS)} in Prometheus`,
      180_000,
      () => `last value: ${String(rounds)}`,
    );
    // The server saw a push from each replica, named by its slot; the Byzantine one runs its attack.
    const byzantineName = `${STACK}_byzantine-1`;
    let pushed: string[] = [];
    await waitFor(
      async () => {
        pushed = (await samples('byzps_worker_last_push_timestamp_seconds')).map((sample) => sample.metric.worker ?? '');
        return pushed.length === HONEST_WORKERS + BYZANTINE_WORKERS && pushed.includes(byzantineName);
      },
      `the server has accepted pushes from ${String(HONEST_WORKERS + BYZANTINE_WORKERS)} workers, ${byzantineName} among them`,
      60_000,
      () => `workers with an accepted push: ${pushed.join(', ')}`,
    );
    const attack = await samples('byzps_worker_active{job="byzantine",kind="attack"}');
    expect(attack.map((sample) => sample.metric.name)).toEqual(['sign-flip']);
    expect(Number((await samples('byzps_worker_steps_total{job="byzantine"}'))[0]?.value[1] ?? 0)).toBeGreaterThan(0);

    // Trimmed mean drops the sign-flipped coordinates: over a minute the attacker keeps the least.
    let kept: Sample[] = [];
    await waitFor(
      async () => {
        kept = await samples('sort(avg_over_time(byzps_worker_influence{quantity="keptShare"}[1m]))');
        return kept.length === HONEST_WORKERS + BYZANTINE_WORKERS && kept[0]?.metric.worker === byzantineName;
      },
      `${byzantineName} has the lowest kept share under trimmed mean`,
      90_000,
      () => `kept share: ${kept.map((sample) => `${String(sample.metric.worker)}=${sample.value[1]}`).join(', ')}`,
    );
    console.log(`rounds ${String(rounds)}; kept share: ${kept.map((sample) => `${String(sample.metric.worker)}=${Number(sample.value[1]).toFixed(3)}`).join(', ')}`);
  }, 400_000);

  it('every task runs, ps is healthy, `byzps status` in its container lists the replicas by slot, and its gRPC port is published', async () => {
    const running = await docker(['stack', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.CurrentState}}', STACK]);
    expect(running.split('\n')).toHaveLength(HONEST_WORKERS + BYZANTINE_WORKERS + 2);
    for (const line of running.split('\n')) expect(line, line).toMatch(/ Running /);
    const psContainer = await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_ps`]);
    await waitFor(
      async () => (await docker(['inspect', '--format', '{{.State.Health.Status}}', psContainer])) === 'healthy',
      'the ps container reports healthy',
      60_000,
    );
    // README's way to reach the control service: byzps inside the ps task's container.
    const status = await docker(['exec', psContainer, 'byzps', 'status', '--server', '127.0.0.1:50051']);
    expect(status).toContain(`${STACK}_byzantine-1`);
    expect(status).toContain(`${STACK}_worker-${String(HONEST_WORKERS)}`);
    // ps' gRPC port, published on its node (mode: host): a TCP connection is enough here.
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = new Socket();
          socket.setTimeout(5000);
          socket.once('connect', () => {
            socket.destroy();
            resolve(true);
          });
          socket.once('error', () => {
            resolve(false);
          });
          socket.once('timeout', () => {
            socket.destroy();
            resolve(false);
          });
          socket.connect(psPort, '127.0.0.1');
        }),
      `ps' gRPC port published on ${String(psPort)} accepts connections`,
      60_000,
    );
  }, 200_000);
});
