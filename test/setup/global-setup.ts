import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { cannotInstall, DEBIAN_PYTHON, hasNumpy, prerequisites } from './prerequisites.js';

// apt-get waits this long at most for another apt or dpkg to finish, and each call this long in all.
const DPKG_LOCK_WAIT_S = 120;
const APT_LIMIT_MS = 10 * 60_000;

/** Runs apt-get with `args`; fails in one line naming the command and what it printed last. */
function aptGet(args: readonly string[]): void {
  const command = ['apt-get', '-qq', '-o', `DPkg::Lock::Timeout=${String(DPKG_LOCK_WAIT_S)}`, ...args];
  const result = spawnSync(command[0]!, command.slice(1), {
    encoding: 'utf8',
    timeout: APT_LIMIT_MS,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status === 0) return;
  const why = result.error?.message ?? (result.signal !== null ? `did not finish within ${String(APT_LIMIT_MS / 60_000)} min` : `exited ${String(result.status)}`);
  const last = `${result.stderr}\n${result.stdout}`.trim().split('\n').pop() ?? '';
  throw new Error(`test prerequisites: ${command.join(' ')} ${why}${last === '' ? '' : `: ${last}`}`);
}

/** A directory holding only a `python3` that is Debian's, to put first on PATH. */
function debianPythonFirst(): string {
  const directory = mkdtempSync(join(tmpdir(), 'byzps-python-'));
  symlinkSync(DEBIAN_PYTHON, join(directory, 'python3'));
  process.env.PATH = `${directory}${delimiter}${process.env.PATH ?? ''}`;
  return directory;
}

/**
 * Installs, with apt-get as root, the prerequisites of prerequisites.ts that are missing (those
 * vitest.config.ts did not leave out), and makes the python3 the tests run the one with numpy.
 * Test files inherit the PATH set here.
 */
export default function setup(): () => void {
  const missing = prerequisites.filter((prerequisite) => !prerequisite.preparedByTests && !prerequisite.present());
  if (missing.length > 0 && cannotInstall() === undefined) {
    const packages = [...new Set(missing.flatMap((prerequisite) => prerequisite.packages))];
    console.log(`test prerequisites: installing ${packages.join(' ')} with apt-get for ${missing.map((prerequisite) => prerequisite.name).join(', ')}`);
    aptGet(['update']);
    aptGet(['install', '-y', '--no-install-recommends', ...packages]);
    const stillMissing = missing.filter((prerequisite) => !prerequisite.present());
    if (stillMissing.length > 0) throw new Error(`test prerequisites: still missing after apt-get install ${packages.join(' ')}: ${stillMissing.map((prerequisite) => prerequisite.name).join(', ')}`);
  }
  const shim = !hasNumpy('python3') && hasNumpy(DEBIAN_PYTHON) ? debianPythonFirst() : undefined;
  return () => {
    if (shim !== undefined) rmSync(shim, { recursive: true, force: true });
  };
}
