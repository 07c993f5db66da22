import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, metricValue, scrape } from '../server-harness.js';
import { BYZPS_IMAGE, ensureByzpsImage, PREPARE_LIMIT_MS, TEST_LABELS } from './image.js';

// Trimmed mean with f = 2 over six workers: the two sign-flipping workers (k = 10) are the most
// extreme values in nearly every coordinate, so their kept share drops to about 0 while an honest
// worker's stays near 2/6. Quorum is 2f + 1 = 5, so the cluster survives losing one honest worker.
const HONEST = ['honest-0', 'honest-1', 'honest-2', 'honest-3'];
const BYZANTINE = ['byzantine-0', 'byzantine-1'];
const WORKERS = HONEST.length + BYZANTINE.length;
const SERVER_ALIAS = 'ps';
const METRICS_PORT = 9090;
const SERVER_COMMAND = ['ps', '--rule', 'trimmed-mean', '--f', '2', '--round-deadline-ms', '1500', '--learning-rate', '0.05'];

let network: StartedNetwork | undefined;
let server: StartedTestContainer | undefined;
const workers = new Map<string, StartedTestContainer>();
const stopped = new Set<string>();

/** Samples of the server container's /metrics, through its mapped port. */
async function serverMetrics(): Promise<Awaited<ReturnType<typeof scrape>>> {
  return scrape(server!.getMappedPort(METRICS_PORT));
}

async function rounds(): Promise<number> {
  return metricValue(await serverMetrics(), 'byzps_rounds_total');
}

function startWorker(name: string, shard: number, attack: Record<string, string>): Promise<StartedTestContainer> {
  return new GenericContainer(BYZPS_IMAGE)
    .withNetwork(network!)
    .withName(`byzps-test-${name}-${process.pid.toString()}`)
    .withLabels(TEST_LABELS)
    .withCommand(['worker', '--server', `${SERVER_ALIAS}:50051`, '--name', name, '--workers', String(WORKERS), '--shard', String(shard)])
    .withEnvironment(attack)
    .withWaitStrategy(Wait.forLogMessage(/joined the parameter server/))
    .start();
}

/** The Docker health status of a container (the image's HEALTHCHECK probing /healthz). */
async function healthStatus(container: StartedTestContainer): Promise<string> {
  const { stdout } = await promisify(execFile)('docker', ['inspect', '--format', '{{.State.Health.Status}}', container.getId()]);
  return stdout.trim();
}

beforeAll(async () => {
  const preparing = Date.now();
  await ensureByzpsImage();
  console.log(`engine, base image and ${BYZPS_IMAGE} ready after ${((Date.now() - preparing) / 1000).toFixed(0)} s`);
  network = await new Network().start();
  server = await new GenericContainer(BYZPS_IMAGE)
    .withNetwork(network)
    .withNetworkAliases(SERVER_ALIAS)
    .withLabels(TEST_LABELS)
    .withCommand(SERVER_COMMAND)
    .withExposedPorts(METRICS_PORT)
    .withWaitStrategy(Wait.forHealthCheck())
    .withStartupTimeout(180_000)
    .start();
  // Byzantine workers get their attack from the environment, as a deployment would set it.
  const started = await Promise.all([
    ...HONEST.map((name, index) => startWorker(name, index, {})),
    ...BYZANTINE.map((name, index) => startWorker(name, HONEST.length + index, { BYZPS_ATTACK: 'sign-flip', BYZPS_ATTACK_PARAM: 'k=10' })),
  ]);
  [...HONEST, ...BYZANTINE].forEach((name, index) => workers.set(name, started[index]!));
}, PREPARE_LIMIT_MS + 5 * 60_000);

afterAll(async () => {
  await Promise.all([...workers].filter(([name]) => !stopped.has(name)).map(([, container]) => container.stop()));
  await server?.stop();
  await network?.stop();
}, 120_000);

describe('a byzps cluster in containers: the server and six workers on one network', () => {
  it('trains: byzps_rounds_total rises on the server, and server and worker containers report healthy', async () => {
    const start = Date.now();
    await eventually(async () => (await rounds()) >= 20, 'the server has closed 20 rounds', 90_000, 250);
    console.log(`20 rounds after ${((Date.now() - start) / 1000).toFixed(1)} s of polling; workers joined: ${metricValue(await serverMetrics(), 'byzps_workers_joined').toString()}`);
    expect(metricValue(await serverMetrics(), 'byzps_workers_joined')).toBe(WORKERS);
    expect(await healthStatus(server!)).toBe('healthy');
    await eventually(async () => (await healthStatus(workers.get('honest-0')!)) === 'healthy', 'the worker container reports healthy', 180_000, 1000);
  }, 300_000);

  it('shows the Byzantine workers in byzps_worker_influence: trimmed mean drops their coordinates and keeps the honest ones', async () => {
    const keptShare = (samples: Awaited<ReturnType<typeof scrape>>, worker: string) => metricValue(samples, 'byzps_worker_influence', { worker, quantity: 'keptShare' });
    let samples = await serverMetrics();
    await eventually(async () => {
      samples = await serverMetrics();
      return [...HONEST, ...BYZANTINE].every((name) => samples.some((sample) => sample.name === 'byzps_worker_influence' && sample.labels.worker === name));
    }, 'every worker has an influence sample', 60_000, 250);
    const shares = Object.fromEntries([...HONEST, ...BYZANTINE].map((name) => [name, keptShare(samples, name)]));
    console.log(`kept share per worker: ${JSON.stringify(shares)}`);
    for (const name of BYZANTINE) expect(shares[name], name).toBeLessThan(0.1);
    for (const name of HONEST) expect(shares[name], name).toBeGreaterThan(0.2);
  }, 120_000);

  it('goes on closing rounds at the deadline after an honest worker container stops', async () => {
    const timeoutsBefore = metricValue(await serverMetrics(), 'byzps_round_timeouts_total');
    stopped.add('honest-3');
    await workers.get('honest-3')!.stop();
    await eventually(async () => metricValue(await serverMetrics(), 'byzps_workers_awaited') === WORKERS - 1, 'the server waits for five workers', 60_000, 250);
    const roundsAfterStop = await rounds();
    await eventually(async () => (await rounds()) >= roundsAfterStop + 10, 'ten more rounds close with five workers', 90_000, 250);
    expect(metricValue(await serverMetrics(), 'byzps_round_timeouts_total')).toBeGreaterThan(timeoutsBefore);
  }, 200_000);
});
