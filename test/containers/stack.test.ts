import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARE_LIMIT_MS } from './image.js';
import { advertiseAddress, CHECKPOINT_EVERY_ROUNDS, docker, expectTrainingWithAttacker, hasGatewayBridge, holdSwarmLock, NODE_LABELS, SHARD_SERVICES, smallStackSettings, swarmState, SwarmStack } from './swarm-stack.js';

/**
 * deploy/stack.yml deployed for real with `docker stack deploy` on a single-node swarm of the engine
 * the container tests start: the parameter server as two shards, three honest workers, one
 * sign-flipping worker and Prometheus on an overlay network, placed by the node labels the README
 * documents; then one shard is killed and must be recovered.
 */

const HONEST_WORKERS = 3;
const BYZANTINE_WORKERS = 1;
const ROUNDS = 10;

const stack = new SwarmStack();
const settings = smallStackSettings(HONEST_WORKERS, BYZANTINE_WORKERS);
/** What this test changed in the engine, to undo exactly that. */
const changed = { madeSwarm: false, madeGatewayBridge: false, node: '', labelsAdded: [] as string[] };
let releaseLock: (() => void) | undefined;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
  it(`trains: every target up in Prometheus, byzps_rounds_total ≥ ${String(ROUNDS)} on every shard, the shards at one round, the Byzantine replica's pushes accepted and trimmed away`, async () => {
    console.log(await expectTrainingWithAttacker(stack, HONEST_WORKERS, BYZANTINE_WORKERS, ROUNDS));
  }, 700_000);

  it('every task runs, the shards are healthy, `byzps status` and `inject` work from the coordinator\'s container and status from the attachable network, and its gRPC port is published', async () => {
    const running = await docker(['stack', 'ps', '--filter', 'desired-state=running', '--format', '{{.Name}} {{.CurrentState}}', stack.name]);
    expect(running.split('\n')).toHaveLength(HONEST_WORKERS + BYZANTINE_WORKERS + SHARD_SERVICES.length + 1);
    for (const line of running.split('\n')) expect(line, line).toMatch(/ Running /);
    for (const shard of SHARD_SERVICES) {
      const container = await stack.container(shard);
      await stack.waitFor(async () => (await docker(['inspect', '--format', '{{.State.Health.Status}}', container])) === 'healthy', `the ${shard} container reports healthy`, 60_000);
    }
    const coordinator = await stack.container('shard-0');
    // README's way to reach the control service: byzps inside the coordinator's container.
    const status = await docker(['exec', coordinator, 'byzps', 'status', '--server', '127.0.0.1:50051']);
    expect(status).toContain(`${stack.name}_byzantine-1`);
    expect(status).toContain(`${stack.name}_worker-${String(HONEST_WORKERS)}`);
    expect(status).toMatch(/shards +2, this is shard 0/);
    expect(status).toMatch(/shard 1 +shard-1:50051 +coordinates \[4096, 10000\)/);
    const injected = await docker(['exec', coordinator, 'byzps', 'inject', '--server', '127.0.0.1:50051', '--worker', `${stack.name}_worker-1`, '--fault', 'nan-payload', '--rounds', '1']);
    expect(injected).toMatch(new RegExp(`^queued nan-payload.* for ${stack.name}_worker-1; `));
    // README's way from any node: a container on the attachable overlay network, the coordinator found by name.
    const fromNetwork = await docker(
      ['run', '--rm', '--label', 'byzps.test=1', '--network', `${stack.name}_byzps`, '-e', `BYZPS_ADMIN_TOKEN=${settings.BYZPS_ADMIN_TOKEN ?? ''}`, stack.image, 'status', '--server', 'shard-0:50051'],
      { timeoutMs: 120_000 },
    );
    expect(fromNetwork).toContain(`${stack.name}_byzantine-1`);
    // The coordinator's gRPC port, published on its node (mode: host): a TCP connection is enough here.
    const psPort = await stack.psPort;
    await stack.waitFor(() => accepts(psPort), `the coordinator's gRPC port published on ${String(psPort)} accepts connections`, 60_000);
  }, 200_000);

  it('docker service scale adds a worker that joins under its slot and that Prometheus finds', async () => {
    await docker(['service', 'scale', '--detach=true', `${stack.name}_worker=${String(HONEST_WORKERS + 1)}`]);
    const added = `${stack.name}_worker-${String(HONEST_WORKERS + 1)}`;
    let pushed: string[] = [];
    await stack.waitFor(
      async () => {
        pushed = (await stack.samples('byzps_worker_last_push_timestamp_seconds{shard="0"}')).map((sample) => sample.metric.worker ?? '');
        return pushed.includes(added);
      },
      `the coordinator has accepted a push from ${added}`,
      180_000,
      () => `workers with an accepted push: ${pushed.join(', ')}`,
    );
    await stack.waitFor(async () => (await stack.samples('up{job="worker"} == 1')).length === HONEST_WORKERS + 1, `Prometheus has ${String(HONEST_WORKERS + 1)} worker targets up`, 60_000);
  }, 300_000);

  it('a shard killed with SIGKILL is started again by swarm; the coordinator takes both shards back to a round both checkpointed, and rounds go on past the one at the kill', async () => {
    const started = Date.now();
    const control = await stack.control();
    try {
      // Rounds paused at an open round without a checkpoint: the killed shard comes back from an
      // older one, so the coordinator has to rewind (the counter below) to a round both shards hold.
      let atRound = 0;
      await stack.waitFor(
        async () => {
          await control.pause();
          // A close under way when the pause came finishes; then the open round stays.
          let previous = -1;
          for (atRound = await control.round(); atRound !== previous; atRound = await control.round()) {
            previous = atRound;
            await sleep(1500);
          }
          if (atRound > CHECKPOINT_EVERY_ROUNDS && atRound % CHECKPOINT_EVERY_ROUNDS !== 0) return true;
          await control.resume();
          return false;
        },
        `rounds paused at an open round above ${String(CHECKPOINT_EVERY_ROUNDS)} that is not a multiple of it`,
        120_000,
        () => `last open round: ${String(atRound)}`,
      );
      const rewindsBefore = (await stack.byShard('byzps_shard_rewinds_total'))['0'];
      expect(rewindsBefore, 'byzps_shard_rewinds_total{shard="0"} in Prometheus').toBeDefined();
      const killed = await stack.container('shard-1');
      const since = (from: number) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
      const killedAt = Date.now();
      await docker(['kill', killed]);
      let replacement = '';
      await stack.waitFor(async () => (replacement = await stack.container('shard-1')) !== '' && replacement !== killed, 'swarm runs a new shard-1 container', 120_000);
      const replaced = since(killedAt);
      let rewinds: Record<string, number> = {};
      await stack.waitFor(
        async () => ((rewinds = await stack.byShard('byzps_shard_rewinds_total'))['0'] ?? 0) > rewindsBefore!,
        `byzps_shard_rewinds_total{shard="0"} rises above ${String(rewindsBefore)}: the coordinator went back to a round both shards hold`,
        // About 12 s here; a channel still dialling the killed task's address takes minutes (stack.yml: sysctls).
        60_000,
        () => `by shard: ${JSON.stringify(rewinds)}`,
      );
      const rewound = since(killedAt);
      await control.resume();
      let rounds: Record<string, number> = {};
      await stack.waitFor(
        async () => {
          rounds = await stack.byShard('max by (shard) (byzps_round)');
          return SHARD_SERVICES.every((_, i) => (rounds[String(i)] ?? 0) > atRound);
        },
        `every shard's byzps_round passes ${String(atRound)}, the round open at the kill`,
        180_000,
        () => `byzps_round by shard: ${JSON.stringify(rounds)}`,
      );
      console.log(
        `killed shard-1 at round ${String(atRound)} after ${since(started)}; a new container after ${replaced}, the rewind (rewinds on shard 0 ${String(rewindsBefore)} → ${String(rewinds['0'])}) seen after ${rewound}, every shard past round ${String(atRound)} after ${since(killedAt)}: ${JSON.stringify(rounds)}`,
      );
    } finally {
      await control.resume().catch(() => undefined);
      control.close();
    }
  }, 400_000);
});
