import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from './cli-process.js';

/** A `node dist/cli/main.js …` child running alongside the test, its output collected as it comes. */
export interface CliChild {
  /** The process id, for the signals a test sends itself (SIGKILL, SIGSTOP, SIGCONT). */
  readonly pid: number;
  readonly stdoutLines: string[];
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** The first line of stdout (or of stderr) that `match` accepts, waiting for it up to `limitMs`. */
  line(match: (line: string) => boolean, what: string, limitMs?: number, stream?: 'stdout' | 'stderr'): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not ended within two seconds. */
  stop(): Promise<number | string>;
}

/** Children still running; killed when the test process exits, so a failed test never leaves workers behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliChild {
  return spawnNode([cliPath, ...args], env);
}

/** A `node …` child (a script of the tests' own, say, with `--import tsx`), its output collected as for `spawnCli`. */
export function spawnNode(nodeArgs: readonly string[], env: Readonly<Record<string, string>> = {}): CliChild {
  const child = spawn(process.execPath, nodeArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const stdoutLines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    stdoutLines.push(...lines);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      if (partial !== '') stdoutLines.push(partial);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    pid: child.pid!,
    stdoutLines,
    stderr: () => stderr,
    exited,
    async line(match, what, limitMs = 20_000, stream = 'stdout') {
      const start = Date.now();
      for (;;) {
        const found = (stream === 'stdout' ? stdoutLines : stderr.split('\n')).find(match);
        if (found !== undefined) return found;
        if (ended) throw new Error(`the process ended before ${what}; stderr: ${stderr}`);
        if (Date.now() - start > limitMs) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (!ended) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Runs a command to completion without blocking the test's event loop (an in-process server keeps answering). */
export async function runCliAsync(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const run = spawnCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdoutLines.join('\n') + (run.stdoutLines.length > 0 ? '\n' : ''), stderr: run.stderr() };
}

/** A worker process started by `byzps worker`, with the /metrics port it logged (waited for up to `startLimitMs`). */
export async function spawnWorker(address: string, name: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, startLimitMs = 20_000): Promise<{ run: CliChild; httpPort: number }> {
  const run = spawnCli(['worker', '--server', address, '--name', name, '--http-host', '127.0.0.1', '--http-port', '0', '--reconnect-initial-ms', '50', '--reconnect-max-ms', '500', ...args], env);
  const started = await run.line((line) => line.startsWith('byzps worker: ') && line.includes('/metrics'), `worker ${name} starts`, startLimitMs, 'stderr');
  return { run, httpPort: Number(/:(\d+)\/metrics$/.exec(started)![1]) };
}

/** A `byzps ps` child listening on 127.0.0.1 (HTTP on a free port), with the ports it printed once listening. */
export async function spawnServer(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ run: CliChild; grpcPort: number; httpPort: number }> {
  const run = spawnCli(['ps', '--grpc-host', '127.0.0.1', '--http-host', '127.0.0.1', '--http-port', '0', ...args], env);
  const listening = await run.line((line) => line.startsWith('byzps ps: gRPC on '), 'the server listens', 30_000, 'stderr');
  const ports = /:(\d+), metrics on http:\/\/[^ ]+:(\d+)\/metrics$/.exec(listening)!;
  return { run, grpcPort: Number(ports[1]), httpPort: Number(ports[2]) };
}
