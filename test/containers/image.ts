import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Every container test removes its own containers and network in afterAll, so the reaper container
// (whose image no registry here can provide) stays off.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

/** The project image the container tests run, built from the working tree. */
export const BYZPS_IMAGE = 'byzps:local';

/** The base image deploy/base-image/build.sh makes without a registry. */
export const BASE_IMAGE = 'byzps-base:bookworm';

/** Label on everything the container tests start, so a CI run can remove what a crashed test left behind. */
export const TEST_LABELS: Readonly<Record<string, string>> = { 'byzps.test': '1' };

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

// Test files run in parallel: the lock makes the second caller wait for the first build and then
// find everything ready (the layer cache turns its docker build into a no-op).
const BUILD_LOCK_FILE = '/tmp/byzps-image-build.lock';

// Starting dockerd, debootstrap and the first npm ci inside the image take minutes on a fresh machine.
const BUILD_TIMEOUT_MS = 30 * 60_000;

/**
 * Makes sure the Docker engine answers, the base image exists and `byzps:local` is built from the
 * working tree, running deploy/engine/ensure-docker.sh, deploy/base-image/build.sh and docker build.
 */
export async function ensureByzpsImage(): Promise<void> {
  const steps = [
    'deploy/engine/ensure-docker.sh',
    'deploy/base-image/build.sh',
    `docker build -f deploy/Dockerfile --build-arg BASE_IMAGE=${BASE_IMAGE} -t ${BYZPS_IMAGE} .`,
  ].join(' && ');
  try {
    await promisify(execFile)('flock', [BUILD_LOCK_FILE, 'bash', '-c', `set -euo pipefail; ${steps}`], {
      cwd: repositoryRoot,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    // A script's one-line error is at the end of stderr; a failing build step's output at the end of stdout.
    const tail = (text: string, lines: number) => text.trim().split('\n').slice(-lines).join('\n');
    throw new Error(`could not prepare ${BYZPS_IMAGE}:\n${tail(stdout, 20)}\n${tail(stderr, 10)}`, { cause: error });
  }
}
