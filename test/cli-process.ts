import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled entry point, as `npx byzps` runs it (this helper is used from source by the tests). */
export const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

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
