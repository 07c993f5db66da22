import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The compiled entry point, as `npx byzps` runs it. */
export const cliPath = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli/main.js ...args` as a child process, feeding `stdin` (empty when not given). */
export function runCli(args: readonly string[], stdin: string | Uint8Array = '', cwd?: string): CliRun {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: build first with npx tsc -p tsconfig.build.json`);
  const result = spawnSync(process.execPath, [cliPath, ...args], { input: stdin, encoding: 'utf8', cwd });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A failure is exactly one line on stderr (matching `message`, prefix included), no stack trace, nothing on stdout. */
export function expectOneLineFailure(run: CliRun, exitCode: number, message: RegExp): void {
  expect(run.code, run.stderr).toBe(exitCode);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
  expect(run.stderr.trimEnd()).toMatch(message);
}
