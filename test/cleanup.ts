import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/** Undoes what a test opened: closes servers, clients and workers, stops children, removes folders. */
export interface Cleanup {
  /** Closes `resource` after the test (with `close()`, or `how` when given) and gives it back. */
  add<T extends { close(): unknown }>(resource: T): T;
  add<T>(resource: T, how: (resource: T) => unknown): T;
  /** Runs `undo` after the test. */
  defer(undo: () => unknown): void;
  /** A new empty folder under the system's temporary folder, removed with its contents after the test. */
  directory(prefix: string): Promise<string>;
  /** Kills `child` with SIGKILL after the test unless it has exited by then, and gives it back. */
  child<T extends ChildProcess>(child: T): T;
}

/**
 * Registers, in the calling file or describe block, an afterEach that undoes what each test opened,
 * newest first (clients before the server they talk to), also when the test failed.
 */
export function cleanupAfterEach(): Cleanup {
  const undos: (() => unknown)[] = [];
  afterEach(async () => {
    for (const undo of undos.splice(0).reverse()) await undo();
  });
  const cleanup: Cleanup = {
    add<T>(resource: T, how?: (resource: T) => unknown): T {
      undos.push(() => (how === undefined ? (resource as { close(): unknown }).close() : how(resource)));
      return resource;
    },
    defer(undo) {
      undos.push(undo);
    },
    async directory(prefix) {
      const path = await mkdtemp(join(tmpdir(), prefix));
      return cleanup.add(path, (folder) => rm(folder, { recursive: true, force: true }));
    },
    child(child) {
      return cleanup.add(child, (running) => running.exitCode === null && running.signalCode === null && running.kill('SIGKILL'));
    },
  };
  return cleanup;
}
