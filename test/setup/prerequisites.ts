import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * What test files need from the machine beyond `npm ci`. vitest.config.ts leaves out the files whose
 * prerequisite is missing and cannot be installed here, and says so in one line each;
 * test/setup/global-setup.ts installs the rest before any test file runs. The container tests
 * prepare their Docker engine and images themselves (test/containers/image.ts).
 */
export interface Prerequisite {
  readonly name: string;
  /** The test files that need it, relative to the repository root. */
  readonly files: readonly string[];
  /** Whether the tests can use it now. */
  readonly present: () => boolean;
  /** The Debian packages that bring it, which global-setup.ts installs; none when the tests prepare it themselves. */
  readonly packages: readonly string[];
  /** Whether the tests prepare it themselves when it is missing (given root and apt-get). */
  readonly preparedByTests?: boolean;
  /** How to get it by hand. */
  readonly howTo: string;
}

function succeeds(command: string, args: readonly string[], timeoutMs = 20_000): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: timeoutMs }).status === 0;
}

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** Debian's python3, which has numpy once python3-numpy is installed, whatever python3 comes first on PATH. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Whether `python` can import numpy. */
export function hasNumpy(python: string): boolean {
  return succeeds(python, ['-c', 'import numpy']);
}

export const prerequisites: readonly Prerequisite[] = [
  {
    name: `Fashion-MNIST (${FASHION_MNIST_DIR})`,
    files: [
      'services/task.test.ts',
      'tasks/fashion-mnist.test.ts',
      'tasks/fashion-mnist-data.test.ts',
      'tasks/registry.test.ts',
      'test/protocol-conformance.test.ts',
      'worker/attacks/label-flip.test.ts',
      'test/worker-robustness.test.ts',
      'test/server-cli.test.ts',
      'cli/start/plan.test.ts',
      'test/python-example.test.ts',
      'test/sharded-start.test.ts',
    ],
    present: () => FASHION_MNIST_FILES.every((file) => existsSync(`${FASHION_MNIST_DIR}/${file}.gz`) || existsSync(`${FASHION_MNIST_DIR}/${file}`)),
    packages: ['dataset-fashion-mnist'],
    howTo: 'apt-get install dataset-fashion-mnist',
  },
  {
    name: 'python3 with numpy',
    files: ['runtime/npy.test.ts', 'cli/aggregate/aggregate.test.ts', 'test/python-attacks.test.ts'],
    // global-setup.ts puts Debian's python3 first on PATH when only it has numpy.
    present: () => hasNumpy('python3') || hasNumpy(DEBIAN_PYTHON),
    packages: ['python3', 'python3-numpy'],
    howTo: 'apt-get install python3-numpy, or pip install numpy for the python3 first on PATH',
  },
  {
    name: 'python3 with grpcio, grpc-tools and numpy',
    files: ['test/protocol-conformance.test.ts'],
    present: () => [DEBIAN_PYTHON, 'python3'].some((python) => succeeds(python, ['-c', 'import grpc, grpc_tools, numpy'])),
    packages: ['python3', 'python3-grpcio', 'python3-grpc-tools', 'python3-numpy'],
    howTo: 'apt-get install python3-grpcio python3-grpc-tools python3-numpy',
  },
  {
    name: 'python3 with torch, grpcio, grpc-tools and numpy',
    files: ['test/python-worker.test.ts', 'test/python-example.test.ts'],
    present: () => [DEBIAN_PYTHON, 'python3'].some((python) => succeeds(python, ['-c', 'import torch, grpc, grpc_tools, numpy'], 60_000)),
    packages: ['python3', 'python3-torch', 'python3-grpcio', 'python3-grpc-tools', 'python3-numpy'],
    howTo: 'apt-get install python3-torch python3-grpcio python3-grpc-tools python3-numpy',
  },
  {
    name: 'openssl',
    files: ['test/security.test.ts', 'test/server-tls.test.ts', 'test/worker-training.test.ts'],
    present: () => succeeds('openssl', ['version']),
    packages: ['openssl'],
    howTo: 'apt-get install openssl',
  },
  {
    name: 'a Docker engine and the base image byzps-base:bookworm',
    files: ['test/containers/cluster.test.ts', 'test/containers/compose.test.ts', 'test/containers/health.test.ts', 'test/containers/stack.test.ts', 'test/containers/two-node-stack.test.ts'],
    // Without root the tests can neither start dockerd nor debootstrap the base image.
    present: () => succeeds('docker', ['image', 'inspect', 'byzps-base:bookworm']) && succeeds('docker-compose', ['version']) && succeeds('promtool', ['--version']),
    packages: [],
    preparedByTests: true,
    howTo: 'run the tests as root on Debian (they install docker.io, docker-compose, debootstrap and prometheus and start dockerd), or see "Without a registry" in README.md',
  },
];

/** Why this run cannot install packages, or undefined when it can (root, apt-get, not switched off). */
export function cannotInstall(): string | undefined {
  if (process.env.BYZPS_TEST_NO_INSTALL === '1') return 'BYZPS_TEST_NO_INSTALL=1';
  if (process.getuid?.() !== 0) return 'not root';
  if (!succeeds('apt-get', ['--version'])) return 'no apt-get';
  return undefined;
}

/** A prerequisite that is missing and that this run cannot get, with why. */
export interface Unavailable {
  readonly prerequisite: Prerequisite;
  readonly why: string;
}

/** The prerequisites missing here that this run cannot install or prepare. */
export function unavailablePrerequisites(): Unavailable[] {
  const blocked = cannotInstall();
  if (blocked === undefined) return [];
  return prerequisites.filter((prerequisite) => !prerequisite.present()).map((prerequisite) => ({ prerequisite, why: blocked }));
}

/** The one line that says which files do not run, why and how to get what they need. */
export function notRunLine({ prerequisite, why }: Unavailable): string {
  const count = prerequisite.files.length;
  return `not run: ${String(count)} test file${count === 1 ? '' : 's'} (${prerequisite.files.join(', ')}) need ${prerequisite.name}, missing and not installable here (${why}); get it with: ${prerequisite.howTo}`;
}
