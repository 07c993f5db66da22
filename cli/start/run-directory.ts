import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where a run keeps its files: the server's checkpoints, one log per process, the operator token. */
export interface RunDirectory {
  readonly path: string;
  readonly checkpointDir: string;
  readonly logDir: string;
  /** Holds the control service's token (mode 0600), for `byzps status` and `byzps inject` against the live run. */
  readonly adminTokenFile: string;
}

/** The run's two bearer tokens, fresh for each run and passed to the children in their environment. */
export interface RunTokens {
  readonly admin: string;
  readonly worker: string;
}

/** Creates a new `byzps-run-*` directory in the system's temporary directory; checkpoints go elsewhere when asked. */
export async function createRunDirectory(checkpointDir: string, tokens: RunTokens): Promise<RunDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'byzps-run-'));
  const directory = {
    path,
    checkpointDir: checkpointDir === '' ? join(path, 'checkpoints') : checkpointDir,
    logDir: join(path, 'logs'),
    adminTokenFile: join(path, 'admin-token'),
  };
  await mkdir(directory.logDir);
  await writeFile(directory.adminTokenFile, `${tokens.admin}\n`, { mode: 0o600 });
  return directory;
}

export function newTokens(): RunTokens {
  return { admin: randomBytes(24).toString('hex'), worker: randomBytes(24).toString('hex') };
}
