import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../server-harness.js';
import { BYZPS_IMAGE, ensureByzpsImage, PREPARE_LIMIT_MS, TEST_LABELS } from './image.js';

// Ports set by flags only (no BYZPS_HTTP_PORT), away from the defaults 9090 and 9091: the image's
// health check must find them through the address file the processes write.
const SERVER_HTTP_PORT = 9200;
const WORKER_HTTP_PORT = 9201;
const SERVER_ALIAS = 'ps';

/** Start period (30 s) plus three failed checks 10 s apart, plus room for a loaded machine. */
const HEALTHY_WITHIN_MS = 150_000;

let network: StartedNetwork | undefined;
let server: StartedTestContainer | undefined;
let worker: StartedTestContainer | undefined;

interface Health {
  readonly Status: string;
  readonly Log?: readonly { readonly ExitCode: number; readonly Output: string }[];
}

/** `docker inspect`'s health state of a container: its status and its last checks' outputs. */
async function health(container: StartedTestContainer): Promise<Health> {
  const { stdout } = await promisify(execFile)('docker', ['inspect', '--format', '{{json .State.Health}}', container.getId()]);
  return JSON.parse(stdout) as Health;
}

/** Waits until the container reports `healthy`; on timeout says so with its last checks' outputs. */
async function waitHealthy(container: StartedTestContainer, what: string): Promise<void> {
  let last: Health | undefined;
  await eventually(async () => (last = await health(container)).Status === 'healthy', `${what} reports healthy`, HEALTHY_WITHIN_MS, 1000).catch((error: unknown) => {
    const checks = (last?.Log ?? []).map((check) => `exit ${String(check.ExitCode)}: ${check.Output.trim()}`).join('; ');
    throw new Error(`${(error as Error).message} within ${String(HEALTHY_WITHIN_MS / 1000)} s; status ${String(last?.Status)}, last checks: ${checks}`, { cause: error });
  });
}

beforeAll(async () => {
  await ensureByzpsImage();
  network = await new Network().start();
  server = await new GenericContainer(BYZPS_IMAGE)
    .withNetwork(network)
    .withNetworkAliases(SERVER_ALIAS)
    .withLabels(TEST_LABELS)
    .withCommand(['ps', '--http-port', String(SERVER_HTTP_PORT), '--rule', 'mean'])
    .withWaitStrategy(Wait.forLogMessage(/parameter server started/))
    .withStartupTimeout(120_000)
    .start();
  worker = await new GenericContainer(BYZPS_IMAGE)
    .withNetwork(network)
    .withLabels(TEST_LABELS)
    .withCommand(['worker', '--server', `${SERVER_ALIAS}:50051`, '--name', 'flag-port', '--workers', '1', '--http-port', String(WORKER_HTTP_PORT)])
    .withWaitStrategy(Wait.forLogMessage(/worker started/))
    .withStartupTimeout(120_000)
    .start();
}, PREPARE_LIMIT_MS + 5 * 60_000);

afterAll(async () => {
  await worker?.stop();
  await server?.stop();
  await network?.stop();
}, 120_000);

describe("the image's health check follows the HTTP port a flag sets", () => {
  it('a server on --http-port 9200 and a worker on --http-port 9201 both become healthy', async () => {
    const start = Date.now();
    await Promise.all([waitHealthy(server!, `the server on --http-port ${String(SERVER_HTTP_PORT)}`), waitHealthy(worker!, `the worker on --http-port ${String(WORKER_HTTP_PORT)}`)]);
    console.log(`both healthy after ${((Date.now() - start) / 1000).toFixed(1)} s`);
    // The probe read the address the process wrote, not a default port.
    const written = await server!.exec(['cat', '/tmp/byzps-http-address']);
    expect(written.output.trim()).toBe(`http://127.0.0.1:${String(SERVER_HTTP_PORT)}/healthz`);
    const workerWritten = await worker!.exec(['cat', '/tmp/byzps-http-address']);
    expect(workerWritten.output.trim()).toBe(`http://127.0.0.1:${String(WORKER_HTTP_PORT)}/healthz`);
  }, HEALTHY_WITHIN_MS + 30_000);
});
