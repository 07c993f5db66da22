import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARE_LIMIT_MS } from './image.js';
import { advertiseAddress, docker, expectTrainingWithAttacker, hasGatewayBridge, holdSwarmLock, NODE_LABELS, smallStackSettings, swarmState, SwarmStack } from './swarm-stack.js';

/**
 * deploy/stack.yml deployed for real with `docker stack deploy` on a single-node swarm of the engine
 * the container tests start: the parameter server, three honest workers, one sign-flipping worker
 * and Prometheus on an overlay network, placed by the node labels the README documents.
 */

const HONEST_WORKERS = 3;
const BYZANTINE_WORKERS = 1;
const ROUNDS = 10;

const stack = new SwarmStack();
const settings = smallStackSettings(HONEST_WORKERS, BYZANTINE_WORKERS);
/** What this test changed in the engine, to undo exactly that. */
const changed = { madeSwarm: false, madeGatewayBridge: false, node: '', labelsAdded: [] as string[] };
let releaseLock: (() => void) | undefined;

/** Whether a TCP connection to 127.0.0.1:`port` opens within five seconds. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(5000);
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

beforeAll(async () => {
  await stack.prepareImages();
  releaseLock = await holdSwarmLock();
  const before = await swarmState();
  if (before.state === 'inactive') {
    changed.madeGatewayBridge = !(await hasGatewayBridge());
    await docker(['swarm', 'init', '--advertise-addr', await advertiseAddress()]);
    changed.madeSwarm = true;
  } else if (before.state !== 'active' || !before.manager) {
    throw new Error(`the engine is in swarm state "${before.state}"${before.manager ? '' : ', not a manager'}: docker stack deploy needs a swarm manager`);
  }
  changed.node = (await swarmState()).nodeId;
  const labels = JSON.parse(await docker(['node', 'inspect', changed.node, '--format', '{{json .Spec.Labels}}'])) as Record<string, string> | null;
  const missing = Object.values(NODE_LABELS).filter((label) => labels?.[label] !== 'true');
  if (missing.length > 0) {
    await docker(['node', 'update', ...missing.flatMap((label) => ['--label-add', `${label}=true`]), changed.node]);
    changed.labelsAdded.push(...missing);
  }
  await stack.deploy(settings);
}, PREPARE_LIMIT_MS + 40 * 60_000);

afterAll(async () => {
  const problems = await stack.remove();
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    await action().catch((error: unknown) => problems.push(`${what}: ${(error as Error).message}`));
  };
  if (changed.madeSwarm) {
    await attempt('docker swarm leave', () => docker(['swarm', 'leave', '--force']));
    if (changed.madeGatewayBridge) await attempt('docker network rm docker_gwbridge', () => docker(['network', 'rm', 'docker_gwbridge']));
  } else if (changed.labelsAdded.length > 0) {
    await attempt('removing the node labels', () => docker(['node', 'update', ...changed.labelsAdded.flatMap((label) => ['--label-rm', label]), changed.node]));
  }
  releaseLock?.();
  if (problems.length > 0) throw new Error(`cleaning up after the stack test: ${problems.join('; ')}`);
}, 5 * 60_000);

describe('deploy/stack.yml on a single-node Docker swarm', () => {
  it(`trains: every target up in Prometheus, byzps_rounds_total ≥ ${String(ROUNDS)}, the Byzantine replica's pushes accepted and trimmed away`, async () => {
    console.log(await expectTrainingWithAttacker(stack, HONEST_WORKERS, BYZANTINE_WORKERS, ROUNDS));
  }, 700_000);

  it('every task runs, ps is healthy, `byzps status` and `inject` work from its container and status from the attachable network, and its gRPC port is published', async () => {
    const running = await docker(['stack', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.CurrentState}}', stack.name]);
    expect(running.split('\n')).toHaveLength(HONEST_WORKERS + BYZANTINE_WORKERS + 2);
    for (const line of running.split('\n')) expect(line, line).toMatch(/ Running /);
    const ps = await stack.container('ps');
    await stack.waitFor(async () => (await docker(['inspect', '--format', '{{.State.Health.Status}}', ps])) === 'healthy', 'the ps container reports healthy', 60_000);
    // README's way to reach the control service: byzps inside the ps task's container.
    const status = await docker(['exec', ps, 'byzps', 'status', '--server', '127.0.0.1:50051']);
    expect(status).toContain(`${stack.name}_byzantine-1`);
    expect(status).toContain(`${stack.name}_worker-${String(HONEST_WORKERS)}`);
    const injected = await docker(['exec', ps, 'byzps', 'inject', '--server', '127.0.0.1:50051', '--worker', `${stack.name}_worker-1`, '--fault', 'nan-payload', '--rounds', '1']);
    expect(injected).toMatch(new RegExp(`^queued nan-payload.* for ${stack.name}_worker-1; `));
    // README's way from any node: a container on the attachable overlay network, ps found by name.
    const fromNetwork = await docker(
      ['run', '--rm', '--label', 'byzps.test=1', '--network', `${stack.name}_byzps`, '-e', `BYZPS_ADMIN_TOKEN=${settings.BYZPS_ADMIN_TOKEN ?? ''}`, stack.image, 'status', '--server', 'ps:50051'],
      { timeoutMs: 120_000 },
    );
    expect(fromNetwork).toContain(`${stack.name}_byzantine-1`);
    // ps' gRPC port, published on its node (mode: host): a TCP connection is enough here.
    const psPort = await stack.psPort;
    await stack.waitFor(() => accepts(psPort), `ps' gRPC port published on ${String(psPort)} accepts connections`, 60_000);
  }, 200_000);

  it('docker service scale adds a worker that joins under its slot and that Prometheus finds', async () => {
    await docker(['service', 'scale', '--detach=true', `${stack.name}_worker=${String(HONEST_WORKERS + 1)}`]);
    const added = `${stack.name}_worker-${String(HONEST_WORKERS + 1)}`;
    let pushed: string[] = [];
    await stack.waitFor(
      async () => {
        pushed = (await stack.samples('byzps_worker_last_push_timestamp_seconds')).map((sample) => sample.metric.worker ?? '');
        return pushed.includes(added);
      },
      `the server has accepted a push from ${added}`,
      180_000,
      () => `workers with an accepted push: ${pushed.join(', ')}`,
    );
    await stack.waitFor(async () => (await stack.samples('up{job="worker"} == 1')).length === HONEST_WORKERS + 1, `Prometheus has ${String(HONEST_WORKERS + 1)} worker targets up`, 60_000);
  }, 300_000);
});
