import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARE_LIMIT_MS } from './image.js';
import { run } from './compose-project.js';
import { docker, expectTrainingWithAttacker, hasGatewayBridge, holdSwarmLock, NODE_LABELS, SHARD_SERVICES, smallStackSettings, swarmState, SwarmStack } from './swarm-stack.js';

/**
 * Opt-in (BYZPS_TEST_TWO_NODE=1): deploy/stack.yml on a two-node swarm built on this machine. The
 * second node is a dockerd in the network namespace byzps-node2 (deploy/engine/netns-engine.sh),
 * reached over a veth pair; the engine the container tests start is the first, and must be in no
 * swarm, because the swarm has to advertise the veth address. The shards and Prometheus are placed on
 * the first node, every worker on the second, so each gradient crosses the overlay network between them.
 */

const ENABLED = process.env.BYZPS_TEST_TWO_NODE === '1';
const NODE2 = 'unix:///run/byzps-node2/docker.sock';
/** The addresses netns-engine.sh gives the veth pair: this host's end, the namespace's end. */
const HOST_ADDRESS = '10.203.0.1';
const NODE2_ADDRESS = '10.203.0.2';
const HONEST_WORKERS = 3;
const BYZANTINE_WORKERS = 1;
const ROUNDS = 10;

const stack = new SwarmStack();
const changed = { startedNode2: false, madeSwarm: false, node2Joined: false, madeGatewayBridge: false };
let releaseLock: (() => void) | undefined;

/** deploy/engine/netns-engine.sh ACTION, which must succeed within three minutes. */
async function netnsEngine(...args: string[]): Promise<void> {
  const result = await run('deploy/engine/netns-engine.sh', args, 180_000);
  if (result.code !== 0) throw new Error(`deploy/engine/netns-engine.sh ${args.join(' ')} exited with ${String(result.code)}: ${result.stderr.trim()}`);
}

beforeAll(async () => {
  if (!ENABLED) return;
  await stack.prepareImages();
  releaseLock = await holdSwarmLock();
  const before = await swarmState();
  if (before.state !== 'inactive') throw new Error(`the engine is in swarm state "${before.state}": the two-node test makes its own swarm, advertising ${HOST_ADDRESS}, and needs an engine in none`);

  const node2Answered = (await run('docker', ['-H', NODE2, 'info'], 30_000)).code === 0;
  await netnsEngine('up');
  changed.startedNode2 = !node2Answered;
  // No registry: the second node gets the images as the README says, docker save | docker load.
  const copy = await run('bash', ['-o', 'pipefail', '-c', `docker save ${stack.image} ${stack.prometheusImage} | docker -H ${NODE2} load`], 600_000);
  if (copy.code !== 0) throw new Error(`docker save | docker -H ${NODE2} load failed: ${copy.stderr.trim()}`);

  changed.madeGatewayBridge = !(await hasGatewayBridge());
  await docker(['swarm', 'init', '--advertise-addr', HOST_ADDRESS]);
  changed.madeSwarm = true;
  const token = await docker(['swarm', 'join-token', '-q', 'worker']);
  await docker(['swarm', 'join', '--token', token, '--advertise-addr', NODE2_ADDRESS, `${HOST_ADDRESS}:2377`], { host: NODE2 });
  changed.node2Joined = true;
  const node1 = (await swarmState()).nodeId;
  const node2 = (await swarmState(NODE2)).nodeId;
  await docker(['node', 'update', '--label-add', `${NODE_LABELS.server}=true`, '--label-add', `${NODE_LABELS.prometheus}=true`, node1]);
  await docker(['node', 'update', '--label-add', `${NODE_LABELS.worker}=true`, node2]);
  await stack.deploy(smallStackSettings(HONEST_WORKERS, BYZANTINE_WORKERS));
}, PREPARE_LIMIT_MS + 40 * 60_000);

afterAll(async () => {
  if (!ENABLED) return;
  const problems = await stack.remove([undefined, NODE2]);
  const attempt = async (what: string, action: () => Promise<unknown>) => {
    await action().catch((error: unknown) => problems.push(`${what}: ${(error as Error).message}`));
  };
  if (changed.node2Joined) await attempt('docker swarm leave on the second node', () => docker(['swarm', 'leave', '--force'], { host: NODE2 }));
  if (changed.madeSwarm) await attempt('docker swarm leave', () => docker(['swarm', 'leave', '--force']));
  if (changed.madeGatewayBridge) await attempt('docker network rm docker_gwbridge', () => docker(['network', 'rm', 'docker_gwbridge']));
  if (changed.startedNode2) await attempt('netns-engine.sh down --purge', () => netnsEngine('down', '--purge'));
  releaseLock?.();
  if (problems.length > 0) throw new Error(`cleaning up after the two-node test: ${problems.join('; ')}`);
}, 6 * 60_000);

describe.skipIf(!ENABLED)('deploy/stack.yml on a two-node swarm: this engine and a dockerd in a network namespace (BYZPS_TEST_TWO_NODE=1)', () => {
  it('places the shards and Prometheus on the first node and every worker on the second', async () => {
    await stack.waitFor(
      async () => (await docker(['ps', '-q', '--filter', `label=com.docker.stack.namespace=${stack.name}`], { host: NODE2 })).split('\n').filter((id) => id !== '').length === HONEST_WORKERS + BYZANTINE_WORKERS,
      `the second node runs ${String(HONEST_WORKERS + BYZANTINE_WORKERS)} worker containers`,
      300_000,
    );
    const onNode2 = await docker(['ps', '--filter', `label=com.docker.stack.namespace=${stack.name}`, '--format', '{{.Label "com.docker.swarm.service.name"}}'], { host: NODE2 });
    const onNode1 = await docker(['ps', '--filter', `label=com.docker.stack.namespace=${stack.name}`, '--format', '{{.Label "com.docker.swarm.service.name"}}']);
    expect(onNode2.split('\n').sort()).toEqual([`${stack.name}_byzantine`, ...Array.from({ length: HONEST_WORKERS }, () => `${stack.name}_worker`)].sort());
    expect(onNode1.split('\n').sort()).toEqual([`${stack.name}_prometheus`, ...SHARD_SERVICES.map((shard) => `${stack.name}_${shard}`)].sort());
  }, 330_000);

  it(`trains across the overlay network: every target up, byzps_rounds_total ≥ ${String(ROUNDS)} on every shard, the shards at one round, the Byzantine replica's pushes accepted and trimmed away`, async () => {
    console.log(await expectTrainingWithAttacker(stack, HONEST_WORKERS, BYZANTINE_WORKERS, ROUNDS));
  }, 700_000);
});
