import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from './cleanup.js';
import { cliPath, expectOneLineFailure, runCli } from './cli-process.js';

const cleanup = cleanupAfterEach();

describe('byzps ps', () => {
  it('lists every setting with its flag, environment variable and default', () => {
    const run = runCli(['ps', '--help']);
    expect(run.code).toBe(0);
    for (const line of [
      '--grpc-port (BYZPS_GRPC_PORT, default 50051)',
      '--task (BYZPS_TASK, default "synthetic")',
      '--dimension (BYZPS_DIMENSION, default 0)',
      '--hidden (BYZPS_HIDDEN, default 0)',
      '--data-dir (BYZPS_DATA_DIR, default "")',
      '--eval-every-rounds (BYZPS_EVAL_EVERY_ROUNDS, default 0)',
      '--admin-token (BYZPS_ADMIN_TOKEN, none, never printed)',
      '--log-level (LOG_LEVEL, default "info")',
    ]) {
      expect(run.stdout).toContain(line);
    }
  });

  it('fails with one line and exit code 2 on an invalid setting', () => {
    expectOneLineFailure(runCli(['ps', '--grpc-port', '70000']), 2, /^byzps ps: invalid server configuration: --grpc-port must be between 0 and 65535, got 70000 \(see byzps ps --help\)$/);
  });

  it('fails with one line and exit code 2 when the task refuses its settings', () => {
    expectOneLineFailure(runCli(['ps', '--task', 'imagenet', '--grpc-port', '0', '--http-port', '0']), 2, /^byzps ps: task "imagenet": unknown task "imagenet"; known: synthetic, fashion-mnist \(see byzps ps --help\)$/);
  });

  it('fails with one line and exit code 2, and exits, when it cannot write --http-address-file', async () => {
    const file = `${await cleanup.directory('byzps-address-')}/missing/http-address`;
    // Bounded: a server that kept its gRPC port and threads after the failure would never exit.
    const run = spawnSync(process.execPath, [cliPath, 'ps', '--grpc-host', '127.0.0.1', '--grpc-port', '0', '--http-host', '127.0.0.1', '--http-port', '0', '--dimension', '16', '--http-address-file', file], { encoding: 'utf8', timeout: 30_000 });
    expect(run.error, 'byzps ps did not exit within 30 s').toBeUndefined();
    expectOneLineFailure({ code: run.status, stdout: run.stdout, stderr: run.stderr }, 2, /^byzps ps: cannot write the \/healthz address to --http-address-file \S+\/missing\/http-address: ENOENT/);
  });

  it('says where it listens, serves /metrics, and on SIGTERM writes a last checkpoint and exits 0', async () => {
    const checkpointDir = await cleanup.directory('byzps-ps-');
    const child = cleanup.child(spawn(process.execPath, [cliPath, 'ps', '--grpc-host', '127.0.0.1', '--grpc-port', '0', '--http-host', '127.0.0.1', '--http-port', '0', '--dimension', '16'], {
      env: { ...process.env, BYZPS_CHECKPOINT_DIR: checkpointDir },
    }));
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const listening = new Promise<string>((resolve) => {
      child.stderr.on('data', (text: string) => {
        stderr += text;
        const line = /byzps ps: gRPC on 127\.0\.0\.1:\d+, metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(stderr);
        if (line !== null) resolve(line[1]!);
      });
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const metricsUrl = await listening;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('byzps_round 0');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr).toBe(0);
    expect(await readdir(checkpointDir)).toContain('checkpoint-0000000000.bin');
  });
});
