import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeUsers, processesWithFileOpen } from './file-users.js';

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

// Preparations (of test files running in parallel, or of test runs in other working trees) take
// turns on this lock; a later one finds everything ready (the layer cache turns its docker build
// into a no-op). `flock -o` keeps the lock's descriptor to flock itself: nothing the preparation
// starts, such as a dockerd that outlives it, can hold the lock after flock exits.
const LOCK_FILE = '/tmp/byzps-image-build.lock';

/** How long to wait for another preparation to release the lock. */
const LOCK_WAIT_S = 20 * 60;

/** flock's exit code when the wait for the lock ran out. */
const LOCK_TIMEOUT_EXIT = 75;

// test/containers/prepare-image.sh bounds its steps itself (10 + 15 + 15 minutes at most); this
// bound only catches a script that ignored its own.
const STEPS_LIMIT_MS = 41 * 60_000;

/** The longest ensureByzpsImage() can take before it fails and says why: a bound for the hooks that call it. */
export const PREPARE_LIMIT_MS = LOCK_WAIT_S * 1000 + STEPS_LIMIT_MS + 60_000;

interface Finished {
  readonly code: number | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in a process group of its own, which is killed whole if it outlasts `limitMs`. */
function runBounded(command: string, args: readonly string[], limitMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repositoryRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    // Enough for the tails a failure shows; docker build's progress can be long.
    const keep = (text: string) => text.slice(-256 * 1024);
    child.stdout.on('data', (chunk: Buffer) => (output.stdout = keep(output.stdout + chunk.toString('utf8'))));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr = keep(output.stderr + chunk.toString('utf8'))));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, limitMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, ...output });
    });
  });
}

const tail = (text: string, lines: number) => text.trim().split('\n').slice(-lines).join('\n');

/**
 * A lock file that only processes other than flock hold open is held by no preparation: a process
 * inherited its descriptor and outlived the preparation that took it. Waiting for it would be
 * waiting for that process to exit.
 */
async function leakedLockHolders(): Promise<string | undefined> {
  const users = await processesWithFileOpen(LOCK_FILE);
  const preparing = users.some((user) => user.command.startsWith('flock '));
  return users.length > 0 && !preparing ? describeUsers(users) : undefined;
}

/**
 * Makes sure the Docker engine answers, the base image exists and `byzps:local` is built from the
 * working tree (test/containers/prepare-image.sh), one preparation at a time. Fails within
 * PREPARE_LIMIT_MS with a message naming what it waited for or which step failed.
 */
export async function ensureByzpsImage(): Promise<void> {
  const leaked = await leakedLockHolders();
  if (leaked !== undefined) {
    throw new Error(
      `the image lock ${LOCK_FILE} is held open by ${leaked}, which is not a preparation: it inherited the lock and outlived the ` +
        `preparation that took it (a dockerd started by an older deploy/engine/ensure-docker.sh does this); stop that process and run again`,
    );
  }
  const args = ['-o', '-E', String(LOCK_TIMEOUT_EXIT), '-w', String(LOCK_WAIT_S), LOCK_FILE, 'test/containers/prepare-image.sh', BASE_IMAGE, BYZPS_IMAGE];
  const result = await runBounded('flock', args, LOCK_WAIT_S * 1000 + STEPS_LIMIT_MS);
  if (result.code === 0) return;
  if (result.code === LOCK_TIMEOUT_EXIT) {
    const holders = describeUsers(await processesWithFileOpen(LOCK_FILE));
    throw new Error(`could not prepare ${BYZPS_IMAGE}: waited ${String(LOCK_WAIT_S / 60)} min for the lock ${LOCK_FILE}, held open by ${holders}`);
  }
  const what = result.timedOut ? `did not finish within ${String(STEPS_LIMIT_MS / 60_000)} min` : `failed (exit ${String(result.code)})`;
  // The script's one-line error is at the end of stderr; a failing build step's output at the end of stdout.
  throw new Error(`could not prepare ${BYZPS_IMAGE}: test/containers/prepare-image.sh ${what}\n${tail(result.stdout, 20)}\n${tail(result.stderr, 10)}`);
}
