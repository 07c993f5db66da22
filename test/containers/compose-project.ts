import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_LABELS } from './image.js';

/** What a finished command printed and how it ended. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a command to completion (killed after `timeoutMs`) without blocking the test's event loop, feeding `input` to its stdin. */
export function run(command: string, args: readonly string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = process.env, input = ''): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repositoryRoot, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its stdin (docker inspect on a busy machine) closes the
    // pipe: EPIPE here, which says nothing its exit code does not.
    child.stdin.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    if (input === '') child.stdin.end();
    else child.stdin.end(input);
  });
}

/** The services of docker-compose.yml, for the override that labels them. */
const SERVICES = ['ps', 'worker', 'byzantine', 'prometheus', 'grafana'] as const;

/**
 * The repository's docker-compose.yml run as one Compose project (`docker-compose -p NAME`), with the
 * settings in `env`. An override file adds the container tests' labels to every container, network
 * and volume, so a CI run can remove what a crashed test left behind.
 */
export class ComposeProject {
  private readonly overrideDirectory = mkdtempSync(join(tmpdir(), 'byzps-compose-'));
  private readonly environment: NodeJS.ProcessEnv;

  constructor(
    private readonly name: string,
    settings: Readonly<Record<string, string>>,
  ) {
    this.environment = { ...process.env, ...settings };
    const labels = { ...TEST_LABELS };
    // JSON is YAML, so the override needs no YAML writer.
    const override = {
      services: Object.fromEntries(SERVICES.map((service) => [service, { labels }])),
      networks: { default: { labels } },
      volumes: Object.fromEntries(['checkpoints', 'prometheus-data', 'grafana-data'].map((volume) => [volume, { labels }])),
    };
    writeFileSync(join(this.overrideDirectory, 'labels.yml'), JSON.stringify(override));
  }

  /** The compose files: the repository's and the override with the labels. */
  private get files(): string[] {
    return ['docker-compose.yml', join(this.overrideDirectory, 'labels.yml')];
  }

  /** `docker-compose … ARGS`; a non-zero exit is returned, not thrown, for the caller to judge. */
  private compose(args: readonly string[], input = '', timeoutMs = 120_000): Promise<CommandResult> {
    const files = this.files.flatMap((file) => ['-f', file]);
    return run('docker-compose', ['--ansi', 'never', '-p', this.name, ...files, ...args], timeoutMs, this.environment, input);
  }

  /**
   * Runs a shell command line as an operator types it in the repository, with this project as the
   * one plain `docker-compose …` and `docker compose …` address (COMPOSE_PROJECT_NAME, COMPOSE_FILE).
   */
  shell(commandLine: string, timeoutMs = 120_000): Promise<CommandResult> {
    const environment = { ...this.environment, COMPOSE_PROJECT_NAME: this.name, COMPOSE_FILE: this.files.join(':'), COMPOSE_PATH_SEPARATOR: ':' };
    return run('bash', ['-c', commandLine], timeoutMs, environment);
  }

  /** Starts `services` detached from the images already built; fails with Compose's own words. */
  async up(services: readonly string[]): Promise<void> {
    await this.succeed(['up', '-d', '--no-build', ...services], 600_000);
  }

  /** Runs a command in the first (or `index`-th) container of a service, stdin from `input`. */
  exec(service: string, command: readonly string[], input = '', index = 1): Promise<CommandResult> {
    return this.compose(['exec', '-T', `--index=${index}`, service, ...command], input);
  }

  /** The host port a service's container port is published on. */
  async hostPort(service: string, containerPort: number): Promise<number> {
    const { stdout } = await this.succeed(['port', service, String(containerPort)]);
    const port = /:(\d+)\s*$/.exec(stdout);
    if (port === null) throw new Error(`docker-compose port ${service} ${containerPort} printed ${JSON.stringify(stdout)}`);
    return Number(port[1]);
  }

  /** The last lines every container logged, to explain a failure. */
  async logs(): Promise<string> {
    return (await this.compose(['logs', '--no-color', '--tail', '40'])).stdout;
  }

  /** Stops and removes the project's containers, network and volumes, then the override file. */
  async down(): Promise<void> {
    try {
      await this.succeed(['down', '--volumes', '--remove-orphans', '--timeout', '10'], 300_000);
    } finally {
      rmSync(this.overrideDirectory, { recursive: true, force: true });
    }
  }

  private async succeed(args: readonly string[], timeoutMs?: number): Promise<CommandResult> {
    const result = await this.compose(args, '', timeoutMs);
    if (result.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited with ${String(result.code)}:\n${result.stderr.trim()}`);
    return result;
  }
}

/** The Prometheus image built from Debian's package on the local base, for machines without a registry. */
export const LOCAL_PROMETHEUS_IMAGE = 'byzps-prometheus:local';

/** Builds deploy/prometheus/Dockerfile.local on `baseImage` (a no-op from the layer cache once built). */
export async function buildLocalPrometheusImage(baseImage: string): Promise<void> {
  const args = ['build', '--quiet', '-f', 'deploy/prometheus/Dockerfile.local', '--build-arg', `BASE_IMAGE=${baseImage}`, '-t', LOCAL_PROMETHEUS_IMAGE, 'deploy/prometheus'];
  const result = await run('docker', args, 15 * 60_000);
  if (result.code !== 0) throw new Error(`could not build ${LOCAL_PROMETHEUS_IMAGE}:\n${result.stderr.trim().split('\n').slice(-20).join('\n')}`);
}
